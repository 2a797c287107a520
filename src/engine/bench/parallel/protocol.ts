/**
 * Shared-memory protocol of the data-parallel trainer: the calling thread (rank 0) and `threads − 1` worker
 * threads, each with its own TensorFlow.js instance and a replica of the model, exchange gradients through
 * SharedArrayBuffers and synchronise with Atomics (no message passing on the hot path).
 *
 * One step: rank 0 writes the batch and bumps SEQ → every rank computes the mean-loss gradient on its shard
 * and writes it to its slot, then arrives at GRADS → once GRADS = threads, every rank forms the same
 * weighted average Σ_k (n_k / B) g_k (same order, same float operations) and applies it with its own Adam
 * → the replicas stay bitwise identical (checked by `DataParallelTrainer.replicaDrift`).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { BackendId } from '../../types'
import type { MlpWeights } from '../../models/mlp'

/** Indices into the Int32 control array. */
export const SEQ = 0
export const CMD = 1
export const GRADS = 2
export const DONE = 3
export const ERROR = 4
export const CTRL_LENGTH = 8

/** Commands rank 0 posts with a SEQ bump. */
export const CMD_STEP = 1
export const CMD_GRADIENT = 2
export const CMD_WEIGHTS = 3
export const CMD_EXIT = 4

export interface SharedBuffers {
  ctrl: SharedArrayBuffer
  /** The batch: B·inDim inputs then B·outDim targets (float32). */
  data: SharedArrayBuffer
  /** threads × P float32 gradient (or weight) slots. */
  grads: SharedArrayBuffer
  /** threads float64 shard losses. */
  losses: SharedArrayBuffer
  /** float64 hyper-parameters every rank reads before its update: [learning rate]. */
  hyper: SharedArrayBuffer
}

/** What a worker is started with (structured-cloned through `workerData`). */
export interface WorkerInit {
  rank: number
  threads: number
  batch: number
  inDim: number
  outDim: number
  backend: BackendId
  lr: number
  loss: string
  weights: MlpWeights
  buffers: SharedBuffers
  timeoutMs: number
}

export interface Shard {
  offset: number
  rows: number
}

/** Splits B rows over `threads` ranks as evenly as possible (the first B mod threads get one more). */
export function shards(batch: number, threads: number): Shard[] {
  const out: Shard[] = []
  let offset = 0
  for (let k = 0; k < threads; k++) {
    const rows = Math.floor(batch / threads) + (k < batch % threads ? 1 : 0)
    out.push({ offset, rows })
    offset += rows
  }
  return out
}

export function allocBuffers(
  threads: number,
  batch: number,
  inDim: number,
  outDim: number,
  params: number
): SharedBuffers {
  return {
    ctrl: new SharedArrayBuffer(CTRL_LENGTH * 4),
    data: new SharedArrayBuffer(batch * (inDim + outDim) * 4),
    grads: new SharedArrayBuffer(threads * params * 4),
    losses: new SharedArrayBuffer(threads * 8),
    hyper: new SharedArrayBuffer(8)
  }
}

/** Sets an Adam's learning rate (tfjs keeps it in a protected field that each update reads). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number }
  if (o.learningRate !== lr) o.learningRate = lr
}

/** Number of scalars in `vars`. */
export function paramCount(vars: tf.Variable[]): number {
  return vars.reduce((s, v) => s + v.size, 0)
}

/** Copies each variable's gradient (zeros when absent) into `out`, in `vars` order. */
export function flattenGrads(vars: tf.Variable[], grads: tf.NamedTensorMap, out: Float32Array): void {
  let off = 0
  for (const v of vars) {
    const g = grads[v.name]
    if (g) out.set(g.dataSync() as Float32Array, off)
    else out.fill(0, off, off + v.size)
    off += v.size
  }
}

/** Copies the variables' values into `out`, in `vars` order. */
export function flattenValues(vars: tf.Variable[], out: Float32Array): void {
  let off = 0
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, off)
    off += v.size
  }
}

/**
 * Σ_k w_k·slot_k into `out` (float32 per element, accumulated in the same order on every rank, so every
 * rank gets bit-identical results).
 */
export function weightedAverage(slots: Float32Array, weights: readonly number[], out: Float32Array): void {
  const p = out.length
  const w0 = weights[0]!
  for (let i = 0; i < p; i++) out[i] = w0 * slots[i]!
  for (let k = 1; k < weights.length; k++) {
    const wk = weights[k]!
    const base = k * p
    for (let i = 0; i < p; i++) out[i] = out[i]! + wk * slots[base + i]!
  }
}

/** Applies a flat gradient (in `vars` order) with `optimizer`. */
export function applyFlat(optimizer: tf.Optimizer, vars: tf.Variable[], flat: Float32Array): void {
  const map: tf.NamedTensorMap = {}
  let off = 0
  for (const v of vars) {
    map[v.name] = tf.tensor(flat.slice(off, off + v.size), v.shape)
    off += v.size
  }
  optimizer.applyGradients(map)
  tf.dispose(Object.values(map))
}

/** Adds one arrival at `index` and wakes the waiters. */
export function arrive(ctrl: Int32Array, index: number): void {
  Atomics.add(ctrl, index, 1)
  Atomics.notify(ctrl, index)
}

export class ParallelTimeoutError extends Error {}

/**
 * Blocks until ctrl[index] ≥ target (or the error flag is raised, or `timeoutMs` passes). Returns false when
 * another rank raised the error flag.
 */
export function waitAtLeast(ctrl: Int32Array, index: number, target: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = Atomics.load(ctrl, index)
    if (v >= target) return true
    if (Atomics.load(ctrl, ERROR) !== 0) return false
    const left = deadline - performance.now()
    if (left <= 0)
      throw new ParallelTimeoutError(`data-parallel step: no progress for ${Math.round(timeoutMs)} ms`)
    Atomics.wait(ctrl, index, v, Math.min(left, 200))
  }
}
