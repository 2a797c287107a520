/** Each §2 estimator against a closed form re-derived here. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { getObjective } from '../../../src/engine/objectives/statistics'
import { uniformCf } from '../../../src/engine/objectives/statistics/cf-d2'
import { slicedW2 } from '../../../src/engine/objectives/statistics/sliced-w2'
import { sinkhornDivergence } from '../../../src/engine/objectives/statistics/sinkhorn'
import { unitDirections } from '../../../src/engine/objectives/statistics/ops'
import { resolveParams } from '../../../src/engine/params'
import type { ParamValues } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('wasm')
})

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function Phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
  const erf = 1 - poly * Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf)
}

/** E|N(m, s²)| = s√(2/π) e^{−m²/2s²} + m(1 − 2Φ(−m/s)). */
function meanAbsNormal(m: number, s: number): number {
  return s * Math.sqrt(2 / Math.PI) * Math.exp((-m * m) / (2 * s * s)) + m * (1 - 2 * Phi(-m / s))
}

/** Mean over seeds of a loss on x [n, d], y [m, d] drawn by `draw`. */
function meanLoss(
  id: string,
  given: Record<string, unknown>,
  draw: (rng: Rng) => { x: Float32Array; y: Float32Array; d: number },
  seeds: number[]
): { mean: number; sem: number } {
  const o = getObjective(id)
  const p: ParamValues = resolveParams(id, o.params, given)
  const v = seeds.map((seed) => {
    const rng = new Rng(seed)
    const { x, y, d } = draw(rng)
    return tf.tidy(() => {
      const xt = tf.tensor2d(x, [x.length / d, d])
      const yt = tf.tensor2d(y, [y.length / d, d])
      return o.loss(xt, yt, p, { rng, step: 0, steps: 1 }).dataSync()[0]!
    })
  })
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
  return { mean, sem: sd / Math.sqrt(v.length) }
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]
const shifted = (n: number, d: number, shift: number[]) => (rng: Rng) => ({
  x: rng.normals(n * d),
  y: rng.normals(n * d).map((v, k) => v + shift[k % d]!),
  d
})

describe('closed forms', () => {
  it('energy: N(0, 1) vs N(δ, 1) in 1-D is 2E|X−Y| − E|X−X′| − E|Y−Y′|', () => {
    for (const delta of [0, 0.5, 1.5]) {
      const exact = 2 * meanAbsNormal(delta, Math.SQRT2) - 2 * meanAbsNormal(0, Math.SQRT2)
      const { mean, sem } = meanLoss('energy', {}, shifted(600, 1, [delta]), SEEDS)
      expect(Math.abs(mean - exact)).toBeLessThan(4 * sem + 2e-3)
    }
  })

  it('mmd: Gaussian kernels between N(a, I) and N(b, I) in 2-D', () => {
    const hs = [0.5, 1, 2]
    const d = 2
    for (const shift of [
      [0, 0],
      [1, 0],
      [0.5, -1]
    ]) {
      const dist2 = shift[0]! ** 2 + shift[1]! ** 2
      // E k_h(X, Y) = (h²/(h²+2))^{d/2} exp(−‖a − b‖²/(2(h²+2))); within one law ‖a − b‖ = 0.
      const ek = (h: number, r2: number): number =>
        ((h * h) / (h * h + 2)) ** (d / 2) * Math.exp(-r2 / (2 * (h * h + 2)))
      const exact = hs.reduce((s, h) => s + 2 * ek(h, 0) - 2 * ek(h, dist2), 0) / hs.length
      const { mean, sem } = meanLoss('mmd', { bandwidths: '0.5,1,2' }, shifted(512, 2, shift), SEEDS)
      expect(Math.abs(mean - exact)).toBeLessThan(4 * sem + 5e-4)
    }
  })

  it('mmd: the median heuristics give finite, positive discrepancies', () => {
    for (const bandwidths of ['median', 'median-multiscale']) {
      const { mean } = meanLoss('mmd', { bandwidths }, shifted(256, 2, [1, 0]), [1, 2])
      expect(Number.isFinite(mean) && mean > 0).toBe(true)
    }
  })

  it('sliced-w2: a cloud against its own shift by δ is the mean of (θ·δ)² exactly, ≈ ‖δ‖²/d', () => {
    const rng = new Rng(3)
    const n = 300
    const delta = [1, 0.5]
    const x = rng.normals(n * 2)
    const y = x.map((v, k) => v + delta[k % 2]!)
    const P = 2048
    const w = unitDirections(rng, 2, P)
    let exact = 0
    for (let p = 0; p < P; p++) exact += (w[p]! * delta[0]! + w[P + p]! * delta[1]!) ** 2 / P
    const v = tf.tidy(() => slicedW2(tf.tensor2d(x, [n, 2]), tf.tensor2d(y, [n, 2]), w, P).dataSync()[0]!)
    expect(Math.abs(v - exact)).toBeLessThan(1e-4)
    expect(Math.abs(v - 1.25 / 2)).toBeLessThan(0.03)
  })

  it('sliced-w2: 1-D N(0, 1) vs N(δ, 1) is δ² (up to the empirical-coupling bias)', () => {
    const { mean } = meanLoss('sliced-w2', {}, shifted(1000, 1, [2]), [1, 2, 3])
    expect(Math.abs(mean - 4)).toBeLessThan(0.1)
  })

  it('cf-d2, uniform01 target on the grid 2πk, k = 1..10: 0 for U(0, 1), Σ_k e^{−(2πkσ)²}/10 for N(½, σ²)', () => {
    const p = { tau: 'grid', k: 10, target: 'uniform01' }
    const uniform = meanLoss(
      'cf-d2',
      p,
      (rng) => ({ x: rng.uniforms(4000), y: new Float32Array(2), d: 1 }),
      SEEDS
    )
    expect(Math.abs(uniform.mean)).toBeLessThan(4 * uniform.sem + 1e-5)
    const s = 0.3
    let exact = 0
    for (let k = 1; k <= 10; k++) exact += Math.exp(-((2 * Math.PI * k * s) ** 2)) / 10
    const gauss = meanLoss(
      'cf-d2',
      p,
      (rng) => ({ x: rng.normals(4000).map((v) => 0.5 + s * v), y: new Float32Array(2), d: 1 }),
      SEEDS
    )
    expect(gauss.mean).toBeGreaterThan(10 * Math.abs(uniform.mean))
    expect(Math.abs(gauss.mean - exact)).toBeLessThan(4 * gauss.sem + 1e-4)
    // The halves estimator (the paper's X₁, X₂) is unbiased as well.
    const halves = meanLoss(
      'cf-d2',
      { ...p, estimator: 'halves' },
      (rng) => ({ x: rng.normals(4000).map((v) => 0.5 + s * v), y: new Float32Array(2), d: 1 }),
      SEEDS
    )
    expect(Math.abs(halves.mean - exact)).toBeLessThan(4 * halves.sem + 1e-4)
  })

  it('cf-d2: the characteristic function of U([0, 1]^d)', () => {
    const t = new Float32Array([2 * Math.PI, 4 * Math.PI, 1e-8, 1.0])
    const { re, im } = uniformCf(t, 1, 4)
    expect(Math.abs(re[0]!) + Math.abs(im[0]!) + Math.abs(re[1]!) + Math.abs(im[1]!)).toBeLessThan(1e-6)
    expect(re[2]).toBeCloseTo(1, 6)
    expect(re[3]).toBeCloseTo(Math.sin(1), 6)
    expect(im[3]).toBeCloseTo(1 - Math.cos(1), 6)
  })

  it('cf-d2, Gaussian frequencies: in expectation the Gaussian MMD² of bandwidth 1/scale', () => {
    // E_t cos⟨t, x − y⟩ = exp(−scale²‖x − y‖²/2) for t ∼ N(0, scale² I).
    const scale = 1
    const ek = (r2: number): number =>
      (1 / (1 + 2 * scale * scale)) * Math.exp(-(scale * scale * r2) / (2 * (1 + 2 * scale * scale)))
    const exact = 2 * ek(0) - 2 * ek(1)
    const { mean, sem } = meanLoss(
      'cf-d2',
      { tau: 'gaussian', scale, frequencies: 512 },
      shifted(512, 2, [1, 0]),
      SEEDS
    )
    expect(Math.abs(mean - exact)).toBeLessThan(4 * sem + 1e-3)
  })

  it('sinkhorn: S_ε(μ, μ shifted by δ) = ‖δ‖² exactly, approached by the iterations', () => {
    const rng = new Rng(4)
    const x = tf.tensor2d(rng.normals(256), [128, 2])
    const y = tf.add(x, tf.tensor1d([1, 0.5])) as tf.Tensor2D
    const at = (eps: number, it: number): number =>
      tf.tidy(() => sinkhornDivergence(x, y, eps, it).dataSync()[0]!)
    expect(Math.abs(at(0.1, 10) - 1.25)).toBeLessThan(0.05)
    expect(Math.abs(at(1, 30) - 1.25)).toBeLessThan(1e-3)
    tf.dispose([x, y])
  })

  it('sinkhorn: the envelope gradient matches finite differences once converged', () => {
    const rng = new Rng(5)
    const n = 16
    const [eps, its] = [1, 50]
    const xv = rng.normals(n * 2)
    const y = tf.tensor2d(
      rng.normals(n * 2).map((v) => v + 0.3),
      [n, 2]
    )
    const S = (v: Float32Array): number =>
      tf.tidy(() => sinkhornDivergence(tf.tensor2d(v, [n, 2]), y, eps, its).dataSync()[0]!)
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => sinkhornDivergence(x as tf.Tensor2D, y, eps, its))(tf.tensor2d(xv, [n, 2]))
        .dataSync()
    )
    let err = 0
    let norm = 0
    const h = 3e-2
    for (let k = 0; k < 2 * n; k += 5) {
      const p = xv.slice()
      const q = xv.slice()
      p[k] += h
      q[k] -= h
      const fd = (S(p) - S(q)) / (2 * h)
      err += (fd - g[k]!) ** 2
      norm += fd * fd
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(0.03)
    y.dispose()
  })
})
