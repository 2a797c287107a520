/**
 * The Gaussian yard-stick. A Gaussian fitted to the training split captures the first two moments and
 * nothing else; its energy distance to held-out data is the score of this trivial "model", so a learnt
 * sampler is judged by how far below it lands — scale-free, whatever the dataset's units.
 */
import { ConfigError, check } from '../errors'
import type { Rng } from '../rng'
import type { Points } from '../types'
import { energyDistance } from './energy-distance'
import { checkPoints, checkSameDim } from './points'

/** A fitted multivariate normal: `mean` [d] and covariance `cov` [d, d] row-major. */
export interface GaussianFit {
  mean: Float64Array
  cov: Float64Array
}

/** Relative diagonal jitter added before the Cholesky factorisation (times the mean variance). */
const JITTER = 1e-10

/** Sample mean and unbiased sample covariance (divisor n − 1) of `points`; n ≥ 2. */
export function fitGaussian(points: Points): GaussianFit {
  checkPoints('Gaussian fit', 'the data', points, 2)
  const { n, d, data } = points
  const mean = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] = mean[a]! + data[i * d + a]!
  for (let a = 0; a < d; a++) mean[a] = mean[a]! / n
  const cov = new Float64Array(d * d)
  const centred = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) centred[a] = data[i * d + a]! - mean[a]!
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!
      for (let b = a; b < d; b++) cov[a * d + b] = cov[a * d + b]! + ca * centred[b]!
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - 1)
      cov[a * d + b] = v
      cov[b * d + a] = v
    }
  }
  return { mean, cov }
}

/**
 * `n` draws mean + L·z from a fitted Gaussian, with L the Cholesky factor of cov + εI (ε a tiny multiple of
 * the mean variance, raised step by step only if the covariance is numerically singular).
 */
export function sampleGaussian(fit: GaussianFit, n: number, rng: Rng): Points {
  const d = fit.mean.length
  check(d >= 1, () => 'Gaussian sampling: the fitted mean is empty.')
  check(
    fit.cov.length === d * d,
    () =>
      `Gaussian sampling: the covariance holds ${fit.cov.length} numbers; a ${d}-D Gaussian needs ${d * d}.`
  )
  return drawGaussian(fit.mean, jitteredCholesky(fit.cov, d), n, rng)
}

/** `n` draws mean + L·z, L lower-triangular [d, d] row-major. */
function drawGaussian(mean: Float64Array, L: Float64Array, n: number, rng: Rng): Points {
  check(
    Number.isInteger(n) && n >= 0,
    () => `Gaussian sampling: the number of samples must be a whole number ≥ 0 (got ${n}).`
  )
  const d = mean.length
  const data = new Float32Array(n * d)
  const z = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) z[a] = rng.normal()
    for (let a = 0; a < d; a++) {
      let s = mean[a]!
      for (let b = 0; b <= a; b++) s += L[a * d + b]! * z[b]!
      data[i * d + a] = s
    }
  }
  return { n, d, data }
}

/**
 * The yard-stick's fit and Cholesky factor per training array: they depend only on the training set, which a
 * run scores against at every evaluation (at 784-D the fit costs n·d²/2 ≈ 2.5 G multiply-adds on MNIST's
 * 8 000 training images, ~20 s in JS on the loaded CPU, against ~1 s for drawing and scoring).
 */
const fitted = new WeakMap<Float32Array, { mean: Float64Array; L: Float64Array }>()

function fittedFactor(train: Points): { mean: Float64Array; L: Float64Array } {
  let f = fitted.get(train.data)
  if (!f) {
    const fit = fitGaussian(train)
    f = { mean: fit.mean, L: jitteredCholesky(fit.cov, train.d) }
    fitted.set(train.data, f)
  }
  return f
}

/**
 * Energy distance between `n` draws (default: as many as `heldout` has) from a Gaussian fitted to `train`
 * and the held-out points. A good model's energy distance is far below this. The fit is made once per
 * training array (the same `train.data` must not change in place between calls).
 */
export function energyGaussian(train: Points, heldout: Points, rng: Rng, n: number = heldout.n): number {
  checkPoints('Gaussian yard-stick', 'the training set', train, 2)
  checkPoints('Gaussian yard-stick', 'the held-out set', heldout, 2)
  checkSameDim('Gaussian yard-stick', ['the training set', 'the held-out set'], train, heldout)
  check(
    Number.isInteger(n) && n >= 2,
    () => `Gaussian yard-stick: needs at least 2 Gaussian samples (got ${n}).`
  )
  const { mean, L } = fittedFactor(train)
  return energyDistance(drawGaussian(mean, L, n, rng), heldout)
}

/** Lower-triangular L (row-major), L·Lᵀ = cov + εI, for the smallest ε of a geometric ladder that works. */
function jitteredCholesky(cov: Float64Array, d: number): Float64Array {
  let trace = 0
  for (let a = 0; a < d; a++) trace += cov[a * d + a]!
  const scale = trace > 0 && Number.isFinite(trace) ? trace / d : 1
  for (let eps = JITTER * scale; eps <= 1e-2 * scale; eps *= 100) {
    const L = cholesky(cov, d, eps)
    if (L) return L
  }
  throw new ConfigError(
    'Gaussian sampling: the covariance is not positive semi-definite (or holds values that are not finite).'
  )
}

/** Cholesky–Banachiewicz of cov + eps·I; null if a pivot is not positive. */
function cholesky(cov: Float64Array, d: number, eps: number): Float64Array | null {
  const L = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i * d + j]! + (i === j ? eps : 0)
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!
      if (i === j) {
        if (!(s > 0)) return null
        L[i * d + i] = Math.sqrt(s)
      } else {
        L[i * d + j] = s / L[j * d + j]!
      }
    }
  }
  return L
}
