/** Snapshots of a model's variables: the training loop keeps the last finite weights with these. */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'

/**
 * The training loop snapshots the last finite weights every this many steps; a model that reads its loss back
 * only every N steps (onnxruntime on a GPU) reads it at these steps too, so no snapshot holds unchecked weights.
 */
export const SNAPSHOT_EVERY = 25

/** Copies of the variables. */
export function snapshotVars(vars: readonly tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.clone(v))
}

/** Assigns a snapshot back (same order as `snapshotVars`). */
export function restoreVars(vars: readonly tf.Variable[], snap: readonly tf.Tensor[]): void {
  if (snap.length !== vars.length)
    throw new ConfigError(`A snapshot of ${snap.length} tensors cannot restore ${vars.length} variables.`)
  vars.forEach((v, i) => v.assign(snap[i]!))
}
