/**
 * Per-feature standardisation, held-out splits and subsampling. Pure functions on `Points`; random choices
 * go through the caller's `Rng`.
 */
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import type { Points, Standardization } from '../types'
import { requireRows } from './import'

/**
 * Per-feature mean and (population, ddof 0) standard deviation, accumulated in float64.
 * A constant column gets std 1, so it maps to 0 instead of dividing by zero.
 */
export function fitStandardization(points: Points): Standardization {
  const { n, d, data } = points
  const mean = new Array<number>(d).fill(0)
  const std = new Array<number>(d).fill(1)
  if (n === 0) return { mean, std }
  for (let j = 0; j < d; j++) {
    let sum = 0
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < n; i++) {
      const v = data[i * d + j]!
      sum += v
      if (v < min) min = v
      if (v > max) max = v
    }
    const m = sum / n
    let ss = 0
    for (let i = 0; i < n; i++) {
      const e = data[i * d + j]! - m
      ss += e * e
    }
    mean[j] = m
    std[j] = min === max ? 1 : Math.sqrt(ss / n)
  }
  return { mean, std }
}

/** Standardises each feature: `z = (x − mean) / std`. Returns the new points and the statistics used. */
export function standardize(points: Points): { points: Points; stats: Standardization } {
  const stats = fitStandardization(points)
  return { points: applyStandardization(points, stats), stats }
}

/** `z = (x − mean) / std` with given statistics (e.g. the training split's, applied to held-out data). */
export function applyStandardization(points: Points, stats: Standardization): Points {
  checkStats(points, stats)
  const { n, d, data } = points
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) out[i * d + j] = (data[i * d + j]! - stats.mean[j]!) / stats.std[j]!
  return { n, d, data: out }
}

/** `x = z · std + mean`: back to data units. */
export function invertStandardization(points: Points, stats: Standardization): Points {
  checkStats(points, stats)
  const { n, d, data } = points
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j]! * stats.std[j]! + stats.mean[j]!
  return { n, d, data: out }
}

function checkStats(points: Points, stats: Standardization): void {
  if (stats.mean.length !== points.d || stats.std.length !== points.d)
    throw new ConfigError(
      `Standardisation statistics are for ${stats.mean.length}-D data, but the points are ${points.d}-D.`
    )
  if (stats.std.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new ConfigError('Standardisation statistics have a non-positive or non-finite std.')
}

export { heldoutSize, MIN_HELDOUT } from '../../shared/split'
import { heldoutSize, MIN_HELDOUT } from '../../shared/split'

/**
 * The fewest rows a data set can train on with the default split (20 % held out): 3 rows keep 1 held out and
 * 2 for training, the smallest batch; 2 rows would leave a single training row.
 */
export const MIN_TRAINABLE_ROWS = 3

/** Why a file of `n` rows (fewer than MIN_TRAINABLE_ROWS) cannot be imported: the importer's and the preview's words. */
export function tooFewRowsMessage(fileName: string, n: number): string {
  return (
    `${fileName} has ${n === 1 ? '1 row' : `${n} rows`}; a data set needs at least ` +
    `${MIN_TRAINABLE_ROWS} to train (some are held out to score the model, and a batch takes at least 2).`
  )
}

/**
 * Seeded random split into training and held-out points.
 * Held-out size h = max(round(fraction · n), min(minHeldout, ⌊n/2⌋)), capped at n − 1 so training keeps a row.
 * Both parts are in shuffled order.
 * @throws ConfigError for a fraction outside [0, 1); DataFormatError for fewer than 2 points.
 */
export function splitHeldout(
  points: Points & { name?: string },
  heldoutFraction: number,
  rng: Rng,
  minHeldout = MIN_HELDOUT
): { train: Points; heldout: Points } {
  if (!(heldoutFraction >= 0 && heldoutFraction < 1))
    throw new ConfigError(`The held-out fraction must be in [0, 1), got ${heldoutFraction}.`)
  if (!(Number.isInteger(minHeldout) && minHeldout >= 0))
    throw new ConfigError(`The minimum held-out size must be a non-negative integer, got ${minHeldout}.`)
  requireRows(points, 2, 'a train/held-out split')
  const { n, d, data } = points
  const h = heldoutSize(n, heldoutFraction, minHeldout)
  const perm = rng.permutation(n)
  return { heldout: gather(data, d, perm.subarray(0, h)), train: gather(data, d, perm.subarray(h)) }
}

/**
 * `n` distinct rows chosen uniformly at random (in random order). When `n ≥ points.n` all rows are returned,
 * shuffled.
 */
export function subsample(points: Points, n: number, rng: Rng): Points {
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`The subsample size must be a non-negative integer, got ${n}.`)
  const m = Math.min(n, points.n)
  // Partial Fisher–Yates: only the first m positions are drawn.
  const idx = new Uint32Array(points.n)
  for (let i = 0; i < points.n; i++) idx[i] = i
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(points.n - i)
    const t = idx[i]!
    idx[i] = idx[j]!
    idx[j] = t
  }
  return gather(points.data, points.d, idx.subarray(0, m))
}

/** Rows `rows` of a row-major n × d array. */
export function gather(data: Float32Array, d: number, rows: ArrayLike<number>): Points {
  const n = rows.length
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const r = rows[i]!
    for (let j = 0; j < d; j++) out[i * d + j] = data[r * d + j]!
  }
  return { n, d, data: out }
}
