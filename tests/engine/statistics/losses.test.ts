/**
 * Properties every §2 loss must have: ≈ 0 between two samples of one law, clearly > 0 for a shifted one,
 * finite non-zero gradients, determinism from the context's generator, no tensor leak, and a loss that falls
 * when a small map is trained for 100 steps.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { OBJECTIVES } from '../../../src/engine/objectives/statistics'
import type { Objective } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { trainEightGaussians } from './helpers'

beforeAll(async () => {
  await initBackend('wasm')
})

const defaults = (o: Objective) => resolveParams(o.id, o.params, {})

/** Estimators without bias (the within-sample terms skip i = j). */
const UNBIASED = new Set(['mmd', 'energy', 'cf-d2'])

/** Loss value for x ~ N(shift, I₂), y ~ N(0, I₂), n points each, seeded. */
function lossOf(o: Objective, n: number, shift: number, seed: number): number {
  const rng = new Rng(seed)
  return tf.tidy(() => {
    const x = tf.add(tf.tensor2d(rng.normals(n * 2), [n, 2]), tf.tensor1d([shift, 0])) as tf.Tensor2D
    const y = tf.tensor2d(rng.normals(n * 2), [n, 2])
    return o.loss(x, y, defaults(o), { rng, step: 0, steps: 1 }).dataSync()[0]!
  })
}

describe.each(OBJECTIVES.map((o) => [o.id, o] as const))('%s', (_, o) => {
  it('is ≈ 0 for two samples of one law and clearly positive for a shifted one', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8]
    const same = seeds.map((s) => lossOf(o, 128, 0, s))
    const shifted = seeds.map((s) => lossOf(o, 128, 1, s))
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
    const sem = (v: number[]): number =>
      Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length)
    for (const v of shifted) expect(v).toBeGreaterThan(0)
    if (UNBIASED.has(o.id)) {
      // U-statistics: centred on 0 (single values may be negative).
      expect(Math.abs(mean(same))).toBeLessThan(4 * sem(same) + 1e-6)
      expect(mean(shifted) - mean(same)).toBeGreaterThan(4 * Math.hypot(sem(same), sem(shifted)))
    } else {
      // The sorted coupling and the entropic one are ≥ 0, with a finite-sample bias (W₂-like: slow in n).
      expect(mean(same)).toBeGreaterThan(-0.01 * mean(shifted))
      expect(mean(same)).toBeLessThan(0.2 * mean(shifted))
    }
  })

  it('has finite, non-zero gradients and leaks no tensors', () => {
    const rng = new Rng(11)
    const n = 128
    const x = tf.variable(tf.tensor2d(rng.normals(n * 2), [n, 2]))
    const y = tf.tensor2d(
      rng.normals(n * 2).map((v) => v + 0.5),
      [n, 2]
    )
    const p = defaults(o)
    const run = (): number[] => {
      const { value, grads } = tf.variableGrads(() => o.loss(x, y, p, { rng, step: 0, steps: 1 }), [x])
      const g = Array.from(grads[x.name]!.dataSync())
      tf.dispose([value, ...Object.values(grads)])
      return g
    }
    run() // warm-up: backend-side caches
    const before = tf.memory().numTensors
    const g = run()
    expect(tf.memory().numTensors).toBe(before)
    expect(g.every(Number.isFinite)).toBe(true)
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-6)
    tf.dispose([x, y])
  })

  it('is a function of its inputs and the context generator alone', () => {
    expect(lossOf(o, 64, 0.5, 7)).toBe(lossOf(o, 64, 0.5, 7))
  })

  it('falls when a small map is trained on 8 Gaussians for 100 steps', () => {
    const r = trainEightGaussians({
      objective: o,
      steps: 100,
      batch: 64,
      lr: 3e-3,
      width: 32,
      depth: 2,
      evalN: 300
    })
    const head = r.losses.slice(0, 10).reduce((a, b) => a + b, 0) / 10
    const tail = r.losses.slice(-10).reduce((a, b) => a + b, 0) / 10
    expect(r.losses.every(Number.isFinite)).toBe(true)
    expect(tail).toBeLessThan(0.5 * head)
  })
})
