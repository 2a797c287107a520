/**
 * Maximum mean discrepancy with Gaussian kernels k_h(a, b) = exp(−‖a − b‖² / (2h²)), unbiased estimator
 * (Gretton et al. 2012, eq. 3), averaged over a set of bandwidths:
 *
 *   MMD²_u = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) − 2·mean_{i,j} k(x_i, y_j)
 *
 * Averaging MMD² over bandwidths equals MMD² of the averaged kernel, so one pass sums all kernels at once.
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
  // exp(−r / (2h²)) = exp(c·r) with c = −1/(2h²)
  const coef = Float64Array.from(bandwidths, (h) => -1 / (2 * h * h))
  const kxx = (2 * sumWithinKernel(x, coef)) / (x.n * (x.n - 1))
  const kyy = (2 * sumWithinKernel(y, coef)) / (y.n * (y.n - 1))
  const kxy = sumCrossKernel(x, y, coef) / (x.n * y.n)
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
  const row = (i: number): [Float32Array, number] => (i < x.n ? [x.data, i * d] : [y.data, (i - x.n) * d])
  const allPairs = (N * (N - 1)) / 2
  const count = Math.min(allPairs, maxPairs)
  const dist = new Float64Array(count)
  const put = (t: number, i: number, j: number): void => {
    const [A, oa] = row(i)
    const [B, ob] = row(j)
    let s = 0
    for (let k = 0; k < d; k++) {
      const u = A[oa + k]! - B[ob + k]!
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

/** Σ_{i<j} Σ_b exp(coef_b ‖p_i − p_j‖²). */
function sumWithinKernel(p: Points, coef: Float64Array): number {
  const { n, d, data } = p
  const nb = coef.length
  let total = 0
  for (let i = 0; i < n; i++) {
    const oi = i * d
    let rowSum = 0
    for (let j = i + 1; j < n; j++) {
      const oj = j * d
      let s = 0
      for (let k = 0; k < d; k++) {
        const t = data[oi + k]! - data[oj + k]!
        s += t * t
      }
      for (let b = 0; b < nb; b++) rowSum += Math.exp(coef[b]! * s)
    }
    total += rowSum
  }
  return total
}

/** Σ_{i,j} Σ_b exp(coef_b ‖a_i − b_j‖²). */
function sumCrossKernel(a: Points, b: Points, coef: Float64Array): number {
  const { n, d } = a
  const m = b.n
  const A = a.data
  const B = b.data
  const nb = coef.length
  let total = 0
  for (let i = 0; i < n; i++) {
    const oi = i * d
    let rowSum = 0
    for (let j = 0; j < m; j++) {
      const oj = j * d
      let s = 0
      for (let k = 0; k < d; k++) {
        const t = A[oi + k]! - B[oj + k]!
        s += t * t
      }
      for (let c = 0; c < nb; c++) rowSum += Math.exp(coef[c]! * s)
    }
    total += rowSum
  }
  return total
}
