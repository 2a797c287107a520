/** Snapshots of a model's variables: the training loop keeps the last finite weights with these. */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'

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
