/**
 * Maximum mean discrepancy with Gaussian kernels k_h(a, b) = exp(−‖a − b‖² / (2h²)), unbiased estimator
 * (Gretton et al. 2012, eq. 3), averaged over a set of bandwidths:
 *
 *   MMD²_u = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) − 2·mean_{i,j} k(x_i, y_j)
 *
 * Averaging MMD² over bandwidths equals MMD² of the averaged kernel, so all bandwidths share one pass over
 * the pairs.
 */
import { check } from '../errors'
import type { Rng } from '../rng'
import type { Points } from '../types'
import { checkPoints, checkSameDim } from './points'

const NAME = 'MMD²'

/**
 * Unbiased Gaussian-kernel MMD² between `x` [n, d] and `y` [m, d] (n, m ≥ 2), averaged over `bandwidths`
 * (in the data's units). Close to 0 (either sign) when both come from one law. O((n + m)² d · #bandwidths).
 */
export function mmd2(x: Points, y: Points, bandwidths: number[] = [0.5, 1, 2]): number {
  checkPoints(NAME, 'x', x, 2)
  checkPoints(NAME, 'y', y, 2)
  checkSameDim(NAME, ['x', 'y'], x, y)
  check(bandwidths.length > 0, () => `${NAME}: give at least one kernel bandwidth.`)
  for (const h of bandwidths) {
    check(Number.isFinite(h) && h > 0, () => `${NAME}: kernel bandwidth ${h} must be a positive number.`)
  }
  // k_h = exp(c·r) with r = ‖a − b‖², c = −1/(2h²)
  const plan = kernelPlan(bandwidths)
  const kxx = (2 * sumWithinKernel(x, plan)) / (x.n * (x.n - 1))
  const kyy = (2 * sumWithinKernel(y, plan)) / (y.n * (y.n - 1))
  const kxy = sumCrossKernel(x, y, plan) / (x.n * y.n)
  return (kxx + kyy - 2 * kxy) / bandwidths.length
}

/**
 * The median heuristic: the median Euclidean distance between distinct points of the pooled sample
 * x ∪ y, over all pairs or over `maxPairs` random pairs when there are more. Falls back to the mean
 * distance when the median is 0 (many repeated points), and to 1 when every point coincides.
 */
export function medianBandwidth(x: Points, y: Points, rng: Rng, maxPairs = 20_000): number {
  const name = 'Median bandwidth'
  checkPoints(name, 'x', x)
  checkPoints(name, 'y', y)
  checkSameDim(name, ['x', 'y'], x, y)
  check(
    Number.isInteger(maxPairs) && maxPairs >= 1,
    () => `${name}: maxPairs must be a positive whole number (got ${maxPairs}).`
  )
  const d = x.d
  const N = x.n + y.n
  check(N >= 2, () => `${name}: needs at least 2 points in x and y together.`)
  const pooled = new Float32Array(N * d)
  pooled.set(x.data)
  pooled.set(y.data, x.n * d)
  const allPairs = (N * (N - 1)) / 2
  const count = Math.min(allPairs, maxPairs)
  const dist = new Float64Array(count)
  const put = (t: number, i: number, j: number): void => {
    let s = 0
    for (let k = 0; k < d; k++) {
      const u = pooled[i * d + k]! - pooled[j * d + k]!
      s += u * u
    }
    dist[t] = Math.sqrt(s)
  }
  if (allPairs <= maxPairs) {
    let t = 0
    for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) put(t++, i, j)
  } else {
    for (let t = 0; t < count; t++) {
      const i = rng.int(N)
      let j = rng.int(N - 1)
      if (j >= i) j++
      put(t, i, j)
    }
  }
  dist.sort()
  const mid = count >> 1
  const median = count % 2 === 1 ? dist[mid]! : 0.5 * (dist[mid - 1]! + dist[mid]!)
  if (median > 0) return median
  let mean = 0
  for (let t = 0; t < count; t++) mean += dist[t]!
  mean /= count
  return mean > 0 ? mean : 1
}

/**
 * How to evaluate Σ_b exp(c_b·r) with few calls to `Math.exp`: coefficients sorted by |c_b| ascending;
 * `squarings[b]` ≥ 0 means exp(c_b·r) = exp(c_{b−1}·r)^(2^squarings[b]) (the ratio c_b / c_{b−1} is a power
 * of two, as for the default ladder 2, 1, 0.5: one exp and four multiplications), −1 means call `Math.exp`.
 */
interface KernelPlan {
  coef: Float64Array
  squarings: Int32Array
}

function kernelPlan(bandwidths: number[]): KernelPlan {
  const coef = Float64Array.from(bandwidths, (h) => -1 / (2 * h * h))
    .sort()
    .reverse() // −0.125, −0.5, −2
  const squarings = new Int32Array(coef.length).fill(-1)
  for (let b = 1; b < coef.length; b++) {
    const q = Math.log2(coef[b]! / coef[b - 1]!)
    if (Number.isInteger(q) && q <= 8 && coef[b - 1]! * 2 ** q === coef[b]!) squarings[b] = q
  }
  return { coef, squarings }
}

/**
 * Σ_{j ∈ [from, to)} Σ_b k_b(a_i, b_j) for one row i: squared distances into `r`, then one tight pass per
 * bandwidth over the row (`e` holds the previous bandwidth's kernel values, reused by the squaring ladder).
 */
function rowKernelSum(
  A: Float32Array,
  oi: number,
  B: Float32Array,
  from: number,
  to: number,
  d: number,
  plan: KernelPlan,
  r: Float64Array,
  e: Float64Array
): number {
  const len = to - from
  if (d === 2) {
    const a0 = A[oi]!
    const a1 = A[oi + 1]!
    for (let j = 0; j < len; j++) {
      const t0 = a0 - B[2 * (from + j)]!
      const t1 = a1 - B[2 * (from + j) + 1]!
      r[j] = t0 * t0 + t1 * t1
    }
  } else {
    for (let j = 0; j < len; j++) {
      const oj = (from + j) * d
      let s = 0
      for (let k = 0; k < d; k++) {
        const t = A[oi + k]! - B[oj + k]!
        s += t * t
      }
      r[j] = s
    }
  }
  const { coef, squarings } = plan
  let acc = 0
  const c0 = coef[0]!
  for (let j = 0; j < len; j++) {
    const v = Math.exp(c0 * r[j]!)
    e[j] = v
    acc += v
  }
  for (let b = 1; b < coef.length; b++) {
    const q = squarings[b]!
    if (q < 0) {
      const c = coef[b]!
      for (let j = 0; j < len; j++) {
        const v = Math.exp(c * r[j]!)
        e[j] = v
        acc += v
      }
    } else {
      for (let j = 0; j < len; j++) {
        let v = e[j]!
        for (let t = 0; t < q; t++) v *= v
        e[j] = v
        acc += v
      }
    }
  }
  return acc
}

/** Σ_{i<j} Σ_b k_b(p_i, p_j). */
function sumWithinKernel(p: Points, plan: KernelPlan): number {
  const { n, d, data } = p
  const r = new Float64Array(n)
  const e = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n - 1; i++) total += rowKernelSum(data, i * d, data, i + 1, n, d, plan, r, e)
  return total
}

/** Σ_{i,j} Σ_b k_b(a_i, b_j). */
function sumCrossKernel(a: Points, b: Points, plan: KernelPlan): number {
  const { n, d } = a
  const r = new Float64Array(b.n)
  const e = new Float64Array(b.n)
  let total = 0
  for (let i = 0; i < n; i++) total += rowKernelSum(a.data, i * d, b.data, 0, b.n, d, plan, r, e)
  return total
}
