/**
 * VAE (§3): the bounds against the exact likelihood of a linear-Gaussian model, x = W z + b + σε, whose
 * marginal is N(b, W Wᵀ + σ² I) and whose posterior is Gaussian in closed form; serialisation; checks.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import type { MlpWeights } from '../../../src/engine/models/mlp'
import {
  klWeight,
  scaleInput,
  vae,
  type VaeModel,
  type VaeWeights
} from '../../../src/engine/objectives/density/vae'
import type { ModelSpec } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { ONESTEP } from '../map-model/harness'

beforeAll(async () => {
  await initBackend('wasm')
})

const d = 3
const k = 2
const SIGMA = 0.5
/** W (d × k) with orthogonal columns, so WᵀW is diagonal and so is the exact posterior covariance. */
const W = [
  [0.9, 0.3],
  [0.9, -0.3],
  [0, 0.6]
]
const b = [0.5, -1, 0.2]

function spec(params: Record<string, unknown> = {}): Omit<ModelSpec, 'rng' | 'loadRun'> {
  return {
    dim: d,
    model: { latentDim: k, base: 'normal', width: 8, depth: 0, activation: 'silu' },
    params: resolveParams('vae', vae.params, { sigma: SIGMA, ...params }),
    lr: 1e-3,
    batch: 64
  }
}

/** WᵀW (diagonal by construction). */
const wtw = [0, 1].map((i) => W.reduce((s, row) => s + row[i]! * row[i]!, 0))
/** Exact posterior: Σ = (I + WᵀW/σ²)⁻¹ (diagonal), μ(x) = Σ Wᵀ (x − b) / σ². */
const postVar = wtw.map((v) => 1 / (1 + v / SIGMA ** 2))

/** The linear decoder and an affine encoder; `shift`/`logvarShift` move the encoder off the exact posterior. */
function weights(shift = 0, logvarShift = 0): VaeWeights {
  const dec: MlpWeights = {
    spec: { inDim: k, outDim: d, width: 8, depth: 0, activation: 'silu' },
    layers: [{ inDim: k, outDim: d, w: [0, 1].flatMap((i) => W.map((row) => row[i]!)), b }]
  }
  // encoder output [μ (k), log-variance (k)] = x·A + c, A [d, 2k] row-major
  const A: number[] = []
  for (let j = 0; j < d; j++)
    for (let o = 0; o < 2 * k; o++) A.push(o < k ? (postVar[o]! * W[j]![o]!) / SIGMA ** 2 : 0)
  const c: number[] = []
  for (let o = 0; o < 2 * k; o++) {
    if (o < k) c.push(-(postVar[o]! * W.reduce((s, row, j) => s + row[o]! * b[j]!, 0)) / SIGMA ** 2 + shift)
    else c.push(Math.log(postVar[o - k]!) + logvarShift)
  }
  const enc: MlpWeights = {
    spec: { inDim: d, outDim: 2 * k, width: 8, depth: 0, activation: 'silu' },
    layers: [{ inDim: d, outDim: 2 * k, w: A, b: c }]
  }
  return { kind: 'vae', phi: dec, encoder: enc, logSigma: [SIGMA, SIGMA, SIGMA].map(Math.log), step: 0 }
}

/** Points of the exact model and their exact log-likelihoods (float64, Cholesky of W Wᵀ + σ² I). */
function exactData(n: number, seed: number): { data: Float32Array; logp: number } {
  const rng = new Rng(seed)
  const data = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal()]
    for (let j = 0; j < d; j++)
      data[i * d + j] = W[j]![0]! * z[0]! + W[j]![1]! * z[1]! + b[j]! + SIGMA * rng.normal()
  }
  const C = Array.from({ length: d }, (_, r) =>
    Array.from(
      { length: d },
      (_, c) => W[r]![0]! * W[c]![0]! + W[r]![1]! * W[c]![1]! + (r === c ? SIGMA ** 2 : 0)
    )
  )
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0))
  for (let r = 0; r < d; r++)
    for (let c = 0; c <= r; c++) {
      let s = C[r]![c]!
      for (let q = 0; q < c; q++) s -= L[r]![q]! * L[c]![q]!
      L[r]![c] = r === c ? Math.sqrt(s) : s / L[c]![c]!
    }
  const logDet = 2 * L.reduce((s, row, r) => s + Math.log(row[r]!), 0)
  let total = 0
  for (let i = 0; i < n; i++) {
    const y: number[] = []
    for (let r = 0; r < d; r++) {
      let s = data[i * d + r]! - b[r]!
      for (let q = 0; q < r; q++) s -= L[r]![q]! * y[q]!
      y.push(s / L[r]![r]!)
    }
    total += -0.5 * y.reduce((s, v) => s + v * v, 0) - 0.5 * logDet - 0.5 * d * Math.log(2 * Math.PI)
  }
  return { data, logp: total / n }
}

describe('vae on a linear-Gaussian model', () => {
  const n = 1000
  const { data, logp } = exactData(n, 11)
  const held = { n, d, data }

  it('with the exact posterior as encoder, ELBO = IWAE = log p(x)', () => {
    const m = vae.restore(weights(), spec()) as VaeModel
    const { elbo, iwae } = m.evaluate(held, new Rng(1))
    expect(Math.abs(elbo! - logp)).toBeLessThan(2e-3)
    expect(Math.abs(iwae! - logp)).toBeLessThan(2e-3)
    m.dispose()
  })

  it('with an approximate encoder, ELBO ≤ IWAE₆₄ ≤ log p(x), the IWAE bound tighter', () => {
    const m = vae.restore(weights(0.6, 0.8), spec()) as VaeModel
    const { elbo, iwae } = m.evaluate(held, new Rng(2))
    expect(elbo!).toBeLessThan(iwae! - 0.05)
    expect(iwae!).toBeLessThan(logp)
    expect(logp - iwae!).toBeLessThan(logp - elbo!)
    m.dispose()
  })

  it('the ELBO estimated by evaluate agrees with −negElbo of a step’s loss (β = 1)', () => {
    const m = vae.restore(weights(0.3, 0.2), spec()) as VaeModel
    const { elbo } = m.evaluate(held, new Rng(3))
    const x = tf.tensor2d(data, [n, d])
    const losses: number[] = []
    for (let s = 0; s < 8; s++) {
      const eps = tf.tensor2d(new Rng(10 + s).normals(n * k), [n, k])
      const l = m.negElbo(x, eps)
      losses.push(l.dataSync()[0]!)
      tf.dispose([eps, l])
    }
    x.dispose()
    const mean = losses.reduce((a, v) => a + v, 0) / losses.length
    expect(Math.abs(-mean - elbo!)).toBeLessThan(0.02)
    m.dispose()
  })

  it('samples are φ(z) without decoder noise, or with it when asked', () => {
    const m = vae.restore(weights(), spec())
    const noisy = vae.restore(weights(), spec({ sampleNoise: true }))
    const count = 4000
    const varOf = (v: Float32Array): number => {
      let s = 0
      let q = 0
      for (let i = 0; i < count; i++) {
        s += v[i * d + 2]!
        q += v[i * d + 2]! ** 2
      }
      return q / count - (s / count) ** 2
    }
    // coordinate 3: W₃ = (0, 0.6) → var 0.36 without noise, 0.36 + σ² = 0.61 with it
    expect(varOf(m.sample(count, new Rng(4), ONESTEP))).toBeCloseTo(0.36, 1)
    expect(varOf(noisy.sample(count, new Rng(4), ONESTEP))).toBeCloseTo(0.61, 1)
    m.dispose()
    noisy.dispose()
  })
})

describe('vae', () => {
  it('stores the decoder as `phi`, from the latent dimension k', async () => {
    const s = spec()
    const m = await vae.create({ ...s, model: { ...s.model, width: 16, depth: 2 }, rng: new Rng(3) })
    const w = m.toJSON()
    expect(w.kind).toBe('vae')
    expect((w.phi as MlpWeights).spec).toMatchObject({ inDim: k, outDim: d })
    m.dispose()
  })

  it('training raises the ELBO and, with learnSigma, moves σ', async () => {
    const s = spec({ learnSigma: true, sigma: 1 })
    const m = (await vae.create({
      ...s,
      model: { ...s.model, width: 16, depth: 1 },
      lr: 3e-3,
      rng: new Rng(3)
    })) as VaeModel
    const { data } = exactData(512, 12)
    const held = { n: 512, d, data }
    const before = m.evaluate(held, new Rng(1)).elbo!
    const y = tf.tensor2d(data, [512, d])
    const rng = new Rng(2)
    for (let step = 0; step < 60; step++) m.step(y, { rng, step, steps: 60 })
    y.dispose()
    expect(m.evaluate(held, new Rng(1)).elbo!).toBeGreaterThan(before + 0.1)
    expect(Math.max(...m.toJSON().logSigma.map(Math.abs))).toBeGreaterThan(0.01)
    m.dispose()
  })

  it('the matched latent scale: φ(s·z) gets the total variance of the batches seen, and survives a round trip', async () => {
    const s = spec()
    const model = { ...s.model, width: 16, depth: 2 }
    const m = (await vae.create({ ...s, model, lr: 3e-3, rng: new Rng(3) })) as VaeModel
    // data with total variance 3 × 0.2² = 0.12, not what the untrained decoder's φ(z) spreads to
    const n = 2048
    const data = new Rng(8).normals(n * d).map((v) => 0.2 * v + 1)
    const y = tf.tensor2d(data, [n, d])
    const rng = new Rng(2)
    expect(m.latentScale).toBe(1)
    for (let step = 0; step < 3; step++) m.step(y, { rng, step, steps: 3 })
    y.dispose()
    const sc = m.latentScale
    expect(sc).not.toBe(1)
    expect(sc).toBeGreaterThan(0.25) // inside the bisection's bracket [¼, 4], not clamped
    expect(sc).toBeLessThan(4)
    const count = 20_000
    const x = m.sample(count, new Rng(4), ONESTEP)
    let total = 0
    for (let j = 0; j < d; j++) {
      let a = 0
      let q = 0
      for (let i = 0; i < count; i++) {
        a += x[i * d + j]!
        q += x[i * d + j]! ** 2
      }
      total += q / count - (a / count) ** 2
    }
    let want = 0
    for (let j = 0; j < d; j++) {
      let a = 0
      let q = 0
      for (let i = 0; i < n; i++) {
        a += data[i * d + j]!
        q += data[i * d + j]! ** 2
      }
      want += q / n - (a / n) ** 2
    }
    expect(total / want).toBeGreaterThan(0.9)
    expect(total / want).toBeLessThan(1.1)
    // stored: phi = z ↦ φ(s·z), latentScale = s; restore recovers the decoder and samples the same points
    const w = m.toJSON()
    expect(w.latentScale).toBe(sc)
    const plain = m.phi.toJSON()
    expect(w.phi.layers[0]!.w[0]).toBeCloseTo(plain.layers[0]!.w[0]! * sc, 5)
    expect(w.phi.layers[1]!.w).toEqual(plain.layers[1]!.w)
    const copy = vae.restore(w, { ...s, model }) as VaeModel
    expect(copy.latentScale).toBe(sc)
    const a = copy.sample(50, new Rng(5), ONESTEP)
    const b = m.sample(50, new Rng(5), ONESTEP)
    for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 4)
    // a fixed scale is used as given
    const fixed = vae.restore(w, { ...s, model, params: { ...s.params, sampleScale: 1 } }) as VaeModel
    expect(fixed.latentScale).toBe(1)
    m.dispose()
    copy.dispose()
    fixed.dispose()
  })

  it('scaleInput scales the first layer only; klWeight ramps from 0 to 1 over the warm-up', () => {
    const w = weights().phi
    const twice = scaleInput(w, 2)
    expect(twice.layers[0]!.w).toEqual(w.layers[0]!.w.map((v) => 2 * v))
    expect(twice.layers[0]!.b).toEqual(w.layers[0]!.b)
    expect(scaleInput(w, 1)).toBe(w)
    expect(klWeight(0, { step: 0, steps: 100 })).toBe(1)
    expect(klWeight(0.5, { step: 0, steps: 100 })).toBeCloseTo(0.02, 10)
    expect(klWeight(0.5, { step: 24, steps: 100 })).toBeCloseTo(0.5, 10)
    expect(klWeight(0.5, { step: 49, steps: 100 })).toBe(1)
    expect(klWeight(0.5, { step: 99, steps: 100 })).toBe(1)
  })

  it('rejects a uniform base and weights without an encoder', async () => {
    const s = spec()
    await expect(
      vae.create({ ...s, model: { ...s.model, base: 'uniform' }, rng: new Rng(1) })
    ).rejects.toThrow(/N\(0, I\)/)
    const { encoder: _drop, ...rest } = weights()
    expect(() => vae.restore(rest as never, s)).toThrow(/encoder/)
  })
})
