/**
 * Nearest neighbours by Euclidean distance, brute force with an early exit per row (the partial sum can only
 * grow): the memorisation metrics (`memorisation.ts`, `image-metrics.ts`) and the Gallery's click-to-nearest
 * training image (the memorisation check, visual) search with the same loop.
 */
import { ConfigError } from '../errors'
import type { Points } from '../types'

/** Row of `ref` nearest to the query `q[offset … offset + ref.d)`, and its Euclidean distance. */
export function nearestRow(
  ref: Points,
  q: ArrayLike<number>,
  offset = 0
): { index: number; distance: number } {
  const d = ref.d
  let best = Infinity
  let index = -1
  for (let r = 0; r < ref.n; r++) {
    let s = 0
    for (let j = 0; j < d && s < best; j++) {
      const e = q[offset + j]! - ref.data[r * d + j]!
      s += e * e
    }
    if (s < best) {
      best = s
      index = r
    }
  }
  return { index, distance: Math.sqrt(best) }
}

/** Euclidean distance from each row of `x` to its nearest row of `ref`. */
export function nearestDistances(x: Points, ref: Points): number[] {
  const out: number[] = []
  for (let i = 0; i < x.n; i++) out.push(nearestRow(ref, x.data, i * x.d).distance)
  return out
}

export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Held-out images whose nearest training image gives the Gallery's reference distance. */
export const NEAREST_REFERENCE_QUERIES = 256

export interface NearestTrainingImage {
  /** Row of the run's training split. */
  index: number
  /** That training image (standardised, like the split). */
  image: Float32Array
  /** Euclidean distance from the sample, in the split's standardised units. */
  distance: number
}

/**
 * The training image nearest to one standardised sample, searched over the whole training split (a training
 * image itself comes back with distance 0 and its own index).
 * @throws ConfigError when the sample is not one row of the split's dimension, or the split is empty
 */
export function nearestTrainingImage(train: Points, sample: ArrayLike<number>): NearestTrainingImage {
  if (sample.length !== train.d)
    throw new ConfigError(
      `The sample has ${sample.length} values; the run's training images have ${train.d}.`
    )
  if (train.n < 1) throw new ConfigError('The training split is empty: there is no nearest image.')
  const { index, distance } = nearestRow(train, sample)
  return { index, image: train.data.slice(index * train.d, (index + 1) * train.d), distance }
}

/**
 * The reference a sample's distance is read against: the median distance from the first `queries` held-out
 * images to their nearest training image (the whole split; `ImageEvaluator` searches a subsample of it for its
 * memorisation ratio, so this median is a little smaller). A sample far below it copies a training image.
 */
export function heldoutNearestMedian(
  heldout: Points,
  train: Points,
  queries = NEAREST_REFERENCE_QUERIES
): number {
  const m = Math.min(queries, heldout.n)
  if (m < 1) throw new ConfigError('The held-out split is empty: there is no reference distance.')
  return median(
    nearestDistances({ n: m, d: heldout.d, data: heldout.data.subarray(0, m * heldout.d) }, train)
  )
}
