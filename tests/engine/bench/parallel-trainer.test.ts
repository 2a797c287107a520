import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { fmBatch } from '../../../src/engine/bench/train-bench'
import { Mlp, type MlpSpec } from '../../../src/engine/models/mlp'
import { Rng } from '../../../src/engine/rng'
import { mse } from '../../../src/engine/bench/parallel/losses'
import { shards, weightedAverage } from '../../../src/engine/bench/parallel/protocol'
import { DataParallelTrainer } from '../../../src/engine/bench/parallel/trainer'
import { computeGradients, optimizerStep } from '../../../src/engine/train/step'

const spec: MlpSpec = { inDim: 3, outDim: 2, width: 64, depth: 3, activation: 'silu' }

beforeAll(async () => {
  await initBackend('wasm')
})

/** The single-thread full-batch gradient, flattened in `variables()` order. */
function fullBatchGradient(
  phi: Mlp,
  input: Float32Array,
  target: Float32Array
): { loss: number; grad: Float32Array } {
  const B = target.length / 2
  const vars = phi.variables()
  const { loss, grads } = computeGradients(
    () => mse(phi.apply(tf.tensor2d(input, [B, 3]), { inputGrad: false }), tf.tensor2d(target, [B, 2])),
    vars
  )
  const grad = new Float32Array(vars.reduce((s, v) => s + v.size, 0))
  let off = 0
  for (const v of vars) {
    grad.set(grads[v.name]!.dataSync() as Float32Array, off)
    off += v.size
  }
  tf.dispose(grads)
  return { loss, grad }
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1
  for (const v of b) scale = Math.max(scale, Math.abs(v))
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m / scale
}

function batch(seed: number, B: number): { input: Float32Array; target: Float32Array } {
  const input = new Float32Array(B * 3)
  const target = new Float32Array(B * 2)
  fmBatch(new Rng(seed), input, target)
  return { input, target }
}

describe('protocol pieces', () => {
  it('shards cover the batch, the first B mod T one row longer', () => {
    expect(shards(10, 3)).toEqual([
      { offset: 0, rows: 4 },
      { offset: 4, rows: 3 },
      { offset: 7, rows: 3 }
    ])
    expect(shards(512, 2)).toEqual([
      { offset: 0, rows: 256 },
      { offset: 256, rows: 256 }
    ])
  })

  it('weightedAverage is Σ w_k slot_k', () => {
    const out = new Float32Array(2)
    weightedAverage(new Float32Array([1, 2, 3, 4, 5, 6]), [0.5, 0.25, 0.25], out)
    expect(Array.from(out)).toEqual([0.5 + 0.75 + 1.25, 1 + 1 + 1.5])
  })
})

describe.each([
  [2, 64],
  [3, 61] // uneven shards: 21, 20, 20
])('data-parallel trainer, %i threads, batch %i', (threads, B) => {
  let phi: Mlp
  let trainer: DataParallelTrainer

  beforeAll(async () => {
    phi = Mlp.create(spec, new Rng(1))
    trainer = await DataParallelTrainer.create(phi, { threads, lr: 1e-3, batch: B, loss: 'mse' })
  })
  afterAll(async () => {
    await trainer.dispose()
    phi.dispose()
  })

  it('its averaged gradient equals the single-thread full-batch gradient', () => {
    const { input, target } = batch(2, B)
    const par = trainer.gradient(input, target)
    const ref = fullBatchGradient(phi, input, target)
    expect(Math.abs(par.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, ref.loss))
    expect(maxRelDiff(par.grad, ref.grad)).toBeLessThanOrEqual(1e-5)
  })

  it('steps like the single-thread loop and keeps the replicas in lock-step', () => {
    const twin = Mlp.fromJSON(phi.toJSON(), 'twin')
    const optimizer = tf.train.adam(1e-3)
    let lossPar = NaN
    let lossRef = NaN
    for (let s = 0; s < 5; s++) {
      const { input, target } = batch(10 + s, B)
      lossPar = trainer.step(input, target)
      lossRef = optimizerStep(
        optimizer,
        () => mse(twin.apply(tf.tensor2d(input, [B, 3]), { inputGrad: false }), tf.tensor2d(target, [B, 2])),
        twin.variables()
      )
      if (s === 0) expect(Math.abs(lossPar - lossRef)).toBeLessThanOrEqual(1e-5 * Math.max(1, lossRef))
    }
    expect(Math.abs(lossPar - lossRef)).toBeLessThanOrEqual(1e-4 * Math.max(1, lossRef))
    const a = phi.toJSON()
    const b = twin.toJSON()
    a.layers.forEach((l, i) => {
      const w = b.layers[i]!.w
      for (let j = 0; j < l.w.length; j++) expect(Math.abs(l.w[j]! - w[j]!)).toBeLessThanOrEqual(1e-5)
    })
    expect(trainer.replicaDrift()).toBe(0)
    optimizer.dispose()
    twin.dispose()
  })

  it('applies a learning-rate schedule to every replica alike', async () => {
    const fresh = Mlp.create(spec, new Rng(8))
    const twin = Mlp.fromJSON(fresh.toJSON(), 'twin-lr')
    const t2 = await DataParallelTrainer.create(fresh, { threads, lr: 1e-3, batch: B })
    const optimizer = tf.train.adam(1e-3)
    for (let s = 0; s < 4; s++) {
      const lr = 1e-2 * 0.5 ** s
      t2.setLearningRate(lr)
      ;(optimizer as unknown as { learningRate: number }).learningRate = lr
      const { input, target } = batch(30 + s, B)
      t2.step(input, target)
      optimizerStep(
        optimizer,
        () => mse(twin.apply(tf.tensor2d(input, [B, 3]), { inputGrad: false }), tf.tensor2d(target, [B, 2])),
        twin.variables()
      )
    }
    expect(t2.replicaDrift()).toBe(0)
    const a = fresh.toJSON()
    const b = twin.toJSON()
    a.layers.forEach((l, i) => {
      const w = b.layers[i]!.w
      for (let j = 0; j < l.w.length; j++) expect(Math.abs(l.w[j]! - w[j]!)).toBeLessThanOrEqual(1e-5)
    })
    await t2.dispose()
    optimizer.dispose()
    twin.dispose()
    fresh.dispose()
  })

  it('leaks no tensors over repeated steps', () => {
    const before = tf.memory().numTensors
    for (let s = 0; s < 5; s++) {
      const { input, target } = batch(20 + s, B)
      expect(Number.isFinite(trainer.step(input, target))).toBe(true)
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('rejects a batch of the wrong size', () => {
    expect(() => trainer.step(new Float32Array(3), new Float32Array(2))).toThrow(/expected/)
  })
})

describe('data-parallel trainer set-up', () => {
  it('refuses an unknown loss and a batch smaller than the thread count', async () => {
    const phi = Mlp.create(spec, new Rng(0))
    await expect(
      DataParallelTrainer.create(phi, { threads: 2, lr: 1e-3, batch: 8, loss: 'nope' })
    ).rejects.toThrow(/unknown/)
    await expect(DataParallelTrainer.create(phi, { threads: 4, lr: 1e-3, batch: 2 })).rejects.toThrow(
      /cannot be split/
    )
    phi.dispose()
  })

  it('with 1 thread runs everything on the calling thread', async () => {
    const phi = Mlp.create(spec, new Rng(4))
    const trainer = await DataParallelTrainer.create(phi, { threads: 1, lr: 1e-3, batch: 32 })
    const { input, target } = batch(3, 32)
    const par = trainer.gradient(input, target)
    const ref = fullBatchGradient(phi, input, target)
    expect(maxRelDiff(par.grad, ref.grad)).toBe(0)
    await trainer.dispose()
    phi.dispose()
  })
})
