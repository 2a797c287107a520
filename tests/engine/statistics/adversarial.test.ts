/**
 * The adversarial objectives (§2, eq. (2)): the WGAN-GP gradient penalty in closed form for linear critics,
 * its second-order gradient (a `tf.grad` inside `tf.variableGrads`, through models/dense.ts) against finite
 * differences, one training step of each, and what they store (the conformance suite round-trips them).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { Mlp, type MlpWeights } from '../../../src/engine/models/mlp'
import {
  AdversarialModel,
  gradientPenalty,
  gradientSquaredNorm,
  interpolate
} from '../../../src/engine/objectives/statistics/adversarial'
import { gan } from '../../../src/engine/objectives/statistics/gan'
import { wganGp } from '../../../src/engine/objectives/statistics/wgan-gp'
import type { ModelObjective, ModelSpec } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('wasm')
})

function linearCritic(w: number[], bias = 0.3): Mlp {
  const json: MlpWeights = {
    spec: { inDim: w.length, outDim: 1, width: 1, depth: 0, activation: 'leaky-relu' },
    layers: [{ inDim: w.length, outDim: 1, w, b: [bias] }]
  }
  return Mlp.fromJSON(json, 'linear-critic')
}

function penaltyOf(critic: Mlp, x: Float32Array, n: number, d: number): number {
  const p = tf.tidy(() => gradientPenalty((t) => critic.apply(t), tf.tensor2d(x, [n, d])))
  const v = p.dataSync()[0]!
  p.dispose()
  return v
}

describe('WGAN-GP gradient penalty', () => {
  const d = 3
  const n = 64
  const x = new Rng(1).normals(n * d)

  it('is ≈ 0 for a linear critic with a unit-norm weight (1-Lipschitz, ‖∇f‖ = 1 everywhere)', () => {
    const w = [0.48, -0.6, 0.64] // ‖w‖ = 1
    const c = linearCritic(w)
    expect(penaltyOf(c, x, n, d)).toBeLessThan(1e-10)
    c.dispose()
  })

  it('is (‖w‖ − 1)² for a linear critic of any other norm', () => {
    for (const s of [0.25, 2, 3.5]) {
      const c = linearCritic([0.48 * s, -0.6 * s, 0.64 * s])
      expect(penaltyOf(c, x, n, d)).toBeCloseTo((s - 1) ** 2, 5)
      c.dispose()
    }
  })

  it('is positive for a nonlinear critic', () => {
    const c = Mlp.create({ inDim: d, outDim: 1, width: 16, depth: 2, activation: 'leaky-relu' }, new Rng(2))
    expect(penaltyOf(c, x, n, d)).toBeGreaterThan(1e-3)
    c.dispose()
  })

  it('its gradient in the critic weights (second order, nested tf.grad) matches finite differences', () => {
    const c = Mlp.create({ inDim: d, outDim: 1, width: 12, depth: 2, activation: 'leaky-relu' }, new Rng(3))
    const xt = tf.tensor2d(x, [n, d])
    const vars = c.variables()
    const { grads } = tf.variableGrads(() => gradientPenalty((t) => c.apply(t), xt), vars)
    const h = 1e-3
    let checked = 0
    c.weights.forEach(({ w, b }) => {
      // ∇ₓf is piecewise constant in every bias (leaky-ReLU), so the penalty's bias gradients vanish
      // (almost everywhere: a finite difference may straddle a kink, so the biases are checked in closed form)
      const gb = grads[b.name]
      if (gb) expect(Math.max(...Array.from(gb.dataSync(), Math.abs))).toBeLessThan(1e-6)
      const analytic = grads[w.name]!.dataSync()
      const base = Float32Array.from(w.dataSync())
      for (const idx of [0, Math.floor(w.size / 2), w.size - 1]) {
        const at = (delta: number): number => {
          const p = base.slice()
          p[idx] = p[idx]! + delta
          tf.tidy(() => w.assign(tf.tensor(p, w.shape)))
          return penaltyOf(c, x, n, d)
        }
        const numeric = (at(h) - at(-h)) / (2 * h)
        tf.tidy(() => w.assign(tf.tensor(base, w.shape)))
        expect(Math.abs(numeric - analytic[idx]!)).toBeLessThan(1e-3 + 1e-2 * Math.abs(numeric))
        checked++
      }
    })
    expect(checked).toBe(3 * c.weights.length)
    // the output layer's weight does enter the penalty: its gradient is not zero
    expect(Math.max(...Array.from(grads[vars[vars.length - 2]!.name]!.dataSync(), Math.abs))).toBeGreaterThan(
      1e-4
    )
    tf.dispose(Object.values(grads))
    xt.dispose()
    c.dispose()
  })

  it('interpolates one ε per row', () => {
    const a = tf.tensor2d([0, 0, 1, 1], [2, 2])
    const b = tf.tensor2d([2, 4, 3, 5], [2, 2])
    const r = interpolate(a, b, new Float32Array([0.5, 0.25]))
    expect(Array.from(r.dataSync())).toEqual([1, 2, 1.5, 2])
    tf.dispose([a, b, r])
  })
})

function spec(obj: ModelObjective, params: Record<string, unknown> = {}): ModelSpec {
  return {
    dim: 2,
    model: { latentDim: 3, base: 'normal', width: 16, depth: 2, activation: 'silu' },
    params: resolveParams(obj.id, obj.params, { criticWidth: 16, criticDepth: 2, ...params }),
    lr: 1e-3,
    batch: 32,
    rng: new Rng(5)
  }
}

describe('gan with R1', () => {
  it('adds γ/2·E‖∇f(y)‖² to the discriminator loss and reports it', async () => {
    const m = (await gan.create(spec(gan, { r1: 2 }))) as AdversarialModel
    const y = tf.tensor2d(new Rng(6).normals(64), [32, 2])
    const r = m.step(y, { rng: new Rng(7), step: 0, steps: 1 })
    expect(r.extra!.r1Penalty).toBeGreaterThan(0)
    y.dispose()
    m.dispose()
  })

  it('the R1 term is ‖w‖² for a linear critic', () => {
    const c = linearCritic([0.6, 0.8, 2])
    const p = tf.tidy(() =>
      gradientSquaredNorm((t) => c.apply(t), tf.tensor2d(new Rng(1).normals(30), [10, 3]))
    )
    expect(p.dataSync()[0]).toBeCloseTo(0.36 + 0.64 + 4, 5)
    p.dispose()
    c.dispose()
  })
})

describe.each([gan, wganGp])('$id', (obj) => {
  it('steps on both players and reports finite losses', async () => {
    const m = (await obj.create(spec(obj, { criticSteps: 2 }))) as AdversarialModel
    const phi0 = m.phi.toJSON()
    const critic0 = m.critic!.toJSON()
    const y = tf.tensor2d(new Rng(6).normals(64), [32, 2])
    const r = m.step(y, { rng: new Rng(7), step: 0, steps: 1 })
    y.dispose()
    expect(Number.isFinite(r.loss)).toBe(true)
    for (const v of Object.values(r.extra ?? {})) expect(Number.isFinite(v)).toBe(true)
    if (obj.id === 'wgan-gp')
      expect(Object.keys(r.extra ?? {})).toEqual(['criticLoss', 'gradientPenalty', 'generatorLoss'])
    expect(m.phi.toJSON().layers[0]!.w).not.toEqual(phi0.layers[0]!.w)
    expect(m.critic!.toJSON().layers[0]!.w).not.toEqual(critic0.layers[0]!.w)
    m.dispose()
  })

  it('stores the averaged generator as phi and the raw iterate to resume from (ema > 0 only)', async () => {
    const s = spec(obj)
    const m = (await obj.create(s)) as AdversarialModel
    const y = tf.tensor2d(new Rng(6).normals(64), [32, 2])
    m.step(y, { rng: new Rng(7), step: 0, steps: 1 })
    y.dispose()
    const w = m.toJSON()
    expect(w.generator).toBeDefined()
    expect((w.phi as MlpWeights).layers[0]!.w).not.toEqual((w.generator as MlpWeights).layers[0]!.w)
    const resumed = obj.restore(w, {
      dim: 2,
      model: s.model,
      params: s.params,
      lr: s.lr,
      batch: s.batch
    }) as AdversarialModel
    expect(resumed.generator.toJSON().layers[0]!.w).toEqual((w.generator as MlpWeights).layers[0]!.w)
    m.dispose()
    resumed.dispose()
    const last = (await obj.create(spec(obj, { ema: 0 }))) as AdversarialModel
    expect(last.toJSON().generator).toBeUndefined()
    expect(last.phi).toBe(last.generator)
    last.dispose()
  })

  it('stores the generator as phi (z of the latent dimension → x) and samples with onestep only', async () => {
    const m = await obj.create(spec(obj))
    const w = m.toJSON()
    expect(w.kind).toBe(obj.id)
    expect((w.phi as MlpWeights).spec).toMatchObject({ inDim: 3, outDim: 2 })
    expect(() => m.sample(5, new Rng(1), { sampler: 'euler', steps: 10 })).toThrow(/onestep/)
    m.dispose()
  })
})
