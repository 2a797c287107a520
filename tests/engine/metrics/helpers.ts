/** Test helpers for the metrics: samplers, closed-form pieces and naive reference estimators. */
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'

/** n draws from N(mean, σ²I) in d = mean.length dimensions. */
export function gaussian(n: number, mean: number[], rng: Rng, sigma = 1): Points {
  const d = mean.length
  const data = new Float32Array(n * d)
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) data[i * d + a] = mean[a]! + sigma * rng.normal()
  return { n, d, data }
}

/** Centre of mode `c` of the 8-Gaussians mixture: radius 2, angles c·45°. */
export function modeCentre(c: number): [number, number] {
  const a = (c * Math.PI) / 4
  return [2 * Math.cos(a), 2 * Math.sin(a)]
}

/** n draws from the 8-Gaussians mixture (std 0.2 per mode), drawing modes from `modes` uniformly. */
export function mixture8(n: number, rng: Rng, modes: number[] = [0, 1, 2, 3, 4, 5, 6, 7]): Points {
  const data = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const [cx, cy] = modeCentre(modes[rng.int(modes.length)]!)
    data[2 * i] = cx + 0.2 * rng.normal()
    data[2 * i + 1] = cy + 0.2 * rng.normal()
  }
  return { n, d: 2, data }
}

export function shift(p: Points, delta: number[]): Points {
  const data = new Float32Array(p.data.length)
  for (let i = 0; i < p.n; i++)
    for (let a = 0; a < p.d; a++) data[i * p.d + a] = p.data[i * p.d + a]! + delta[a]!
  return { n: p.n, d: p.d, data }
}

export function fromRows(rows: number[][]): Points {
  const d = rows[0]!.length
  return { n: rows.length, d, data: Float32Array.from(rows.flat()) }
}

export function dist(a: Points, i: number, b: Points, j: number): number {
  let s = 0
  for (let k = 0; k < a.d; k++) {
    const t = a.data[i * a.d + k]! - b.data[j * b.d + k]!
    s += t * t
  }
  return Math.sqrt(s)
}

/** Numerical Recipes `erfcc` coefficients: erfc(z) = t·exp(−z² + Σ c_k t^k), t = 1/(1 + z/2). */
const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277
]

/** Standard normal CDF Φ via erfc (fractional error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.5 * z)
  const poly = ERFC.reduceRight((acc, c) => c + t * acc, 0)
  const erfc = t * Math.exp(-z * z + poly)
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc
}

export interface TwoSample {
  /** Unbiased U-statistic E k(X,X') + E k(Y,Y') − 2 E k(X,Y) (off-diagonal means within each side). */
  u: number
  /** Biased V-statistic (diagonal kept). */
  v: number
  /** Standard error of u from its first-order (Hoeffding) projection, estimated from the same samples. */
  se: number
}

/**
 * Reference two-sample statistic for any kernel k, computed naively from its definition. Energy distance is
 * the case k(a, b) = −‖a − b‖; MMD² the case of a positive-definite kernel. The first-order term of
 * u − E u is (1/n) Σ_i φ(x_i) + (1/m) Σ_j ψ(y_j) with φ(x) = 2(E k(x, X') − E k(x, Y)) and
 * ψ(y) = 2(E k(y, Y') − E k(X, y)), so se² ≈ Var φ / n + Var ψ / m (plug-in).
 */
export function twoSample(
  x: Points,
  y: Points,
  k: (a: Points, i: number, b: Points, j: number) => number
): TwoSample {
  const n = x.n
  const m = y.n
  const rowXX = new Float64Array(n)
  const rowXY = new Float64Array(n)
  const rowYY = new Float64Array(m)
  const colXY = new Float64Array(m)
  let diagX = 0
  let diagY = 0
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k(x, i, x, j)
      if (i === j) diagX += v
      else rowXX[i] += v
    }
    for (let j = 0; j < m; j++) {
      const v = k(x, i, y, j)
      rowXY[i] += v
      colXY[j] += v
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const v = k(y, i, y, j)
      if (i === j) diagY += v
      else rowYY[i] += v
    }
  }
  const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0)
  const xx = sum(rowXX)
  const yy = sum(rowYY)
  const xy = sum(rowXY)
  const u = xx / (n * (n - 1)) + yy / (m * (m - 1)) - (2 * xy) / (n * m)
  const v = (xx + diagX) / (n * n) + (yy + diagY) / (m * m) - (2 * xy) / (n * m)
  const phi = Array.from({ length: n }, (_, i) => 2 * (rowXX[i]! / (n - 1) - rowXY[i]! / m))
  const psi = Array.from({ length: m }, (_, j) => 2 * (rowYY[j]! / (m - 1) - colXY[j]! / n))
  const se = Math.sqrt(variance(phi) / n + variance(psi) / m)
  return { u, v, se }
}

export function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length
}

export function variance(a: number[]): number {
  const mu = mean(a)
  return a.reduce((s, v) => s + (v - mu) * (v - mu), 0) / (a.length - 1)
}

/** Mean and standard error of the mean of f(seed) over `seeds` seeds. */
export function overSeeds(
  seeds: number,
  f: (rng: Rng) => number
): { mean: number; se: number; values: number[] } {
  const values = Array.from({ length: seeds }, (_, s) => f(new Rng(1000 + s)))
  return { mean: mean(values), se: Math.sqrt(variance(values) / seeds), values }
}
