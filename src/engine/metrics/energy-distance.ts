/**
 * Energy distance (Székely & Rizzo), unbiased U-statistic form:
 *
 *   E(x, y) = 2·mean_{i,j} ‖x_i − y_j‖ − mean_{i≠j} ‖x_i − x_j‖ − mean_{i≠j} ‖y_i − y_j‖
 *
 * Its expectation is the population energy distance 2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖ ≥ 0, which is 0 iff the
 * two laws agree; two samples of one law therefore score ≈ 0 and can come out slightly negative.
 * (The V-statistic, which keeps the zero diagonal, is biased upwards by ≈ E‖X−X'‖/n + E‖Y−Y'‖/m.)
 */
import type { Rng } from '../rng'
import type { Points } from '../types'
import { checkPoints, checkSameDim, subsample } from './points'

const NAME = 'Energy distance'

/** Unbiased energy distance between clouds `x` [n, d] and `y` [m, d]; n, m ≥ 2. O((n + m)² d). */
export function energyDistance(x: Points, y: Points): number {
  checkPoints(NAME, 'x', x, 2)
  checkPoints(NAME, 'y', y, 2)
  checkSameDim(NAME, ['x', 'y'], x, y)
  const xy = sumCrossDistances(x, y) / (x.n * y.n)
  const xx = (2 * sumWithinDistances(x)) / (x.n * (x.n - 1))
  const yy = (2 * sumWithinDistances(y)) / (y.n * (y.n - 1))
  return 2 * xy - xx - yy
}

/** Draws of training points the energy floor is measured on. */
const FLOOR_DRAWS = 3

/**
 * The held-out data's own energy floor at its size n: the energy distance between as many training points and
 * the held-out ones, whose expectation is 0 (one law) — so its noise is what a perfect sampler scores. Root
 * mean square over FLOOR_DRAWS draws of training points (the unbiased estimate can come out negative).
 */
export function energyFloor(train: Points, heldout: Points, rng: Rng): number {
  let sq = 0
  for (let i = 0; i < FLOOR_DRAWS; i++)
    sq += energyDistance(subsample(train, Math.min(heldout.n, train.n), rng.fork()), heldout) ** 2
  return Math.sqrt(sq / FLOOR_DRAWS)
}

/** Σ_{i<j} ‖p_i − p_j‖ in float64. */
export function sumWithinDistances(p: Points): number {
  const { n, d, data } = p
  let total = 0
  if (d === 2) {
    for (let i = 0; i < n; i++) {
      const a0 = data[2 * i]!
      const a1 = data[2 * i + 1]!
      let row = 0
      for (let j = i + 1; j < n; j++) {
        const t0 = a0 - data[2 * j]!
        const t1 = a1 - data[2 * j + 1]!
        row += Math.sqrt(t0 * t0 + t1 * t1)
      }
      total += row
    }
    return total
  }
  for (let i = 0; i < n; i++) {
    const oi = i * d
    let row = 0
    for (let j = i + 1; j < n; j++) {
      const oj = j * d
      let s = 0
      for (let k = 0; k < d; k++) {
        const t = data[oi + k]! - data[oj + k]!
        s += t * t
      }
      row += Math.sqrt(s)
    }
    total += row
  }
  return total
}

/** Σ_{i,j} ‖a_i − b_j‖ in float64. */
export function sumCrossDistances(a: Points, b: Points): number {
  const { n, d } = a
  const m = b.n
  const A = a.data
  const B = b.data
  let total = 0
  if (d === 2) {
    for (let i = 0; i < n; i++) {
      const a0 = A[2 * i]!
      const a1 = A[2 * i + 1]!
      let row = 0
      for (let j = 0; j < m; j++) {
        const t0 = a0 - B[2 * j]!
        const t1 = a1 - B[2 * j + 1]!
        row += Math.sqrt(t0 * t0 + t1 * t1)
      }
      total += row
    }
    return total
  }
  for (let i = 0; i < n; i++) {
    const oi = i * d
    let row = 0
    for (let j = 0; j < m; j++) {
      const oj = j * d
      let s = 0
      for (let k = 0; k < d; k++) {
        const t = A[oi + k]! - B[oj + k]!
        s += t * t
      }
      row += Math.sqrt(s)
    }
    total += row
  }
  return total
}
