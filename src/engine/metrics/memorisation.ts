/**
 * Memorisation (paper §5): is a model's sample closer to its nearest training point than fresh data is? The
 * mean Euclidean distance from m samples to their nearest training point, over the same for m held-out
 * points; the ratio is ≈ 1 for a model that generalises and falls towards 0 as samples copy training points
 * (a model that returns the training set scores 0).
 *
 * Cost m·N·d: the training side is subsampled (the same subsample for both) so that m·N·d stays under
 * `MEMORISATION_BUDGET`; both sides then measure against the same points, so the ratio keeps its meaning.
 */
import type { Rng } from '../rng'
import type { Points } from '../types'
import { nearestDistances } from './nearest'
import { checkPoints, checkSameDim, subsample } from './points'

/** Query points per side. */
export const MEMORISATION_POINTS = 1000
/** Multiply-adds m·N·d at most. */
export const MEMORISATION_BUDGET = 4e7

export interface Memorisation {
  /** Mean distance from a sample to its nearest training point. */
  sampleToTrain: number
  /** Mean distance from a held-out point to its nearest training point. */
  heldoutToTrain: number
  /** sampleToTrain / heldoutToTrain. */
  ratio: number
}

/** Mean over the rows of q of the distance to the nearest row of ref. */
export function meanNearestDistance(q: Points, ref: Points): number {
  return nearestDistances(q, ref).reduce((a, b) => a + b, 0) / q.n
}

export function memorisation(samples: Points, heldout: Points, train: Points, rng: Rng): Memorisation {
  const NAME = 'Memorisation'
  checkPoints(NAME, 'the samples', samples, 1)
  checkPoints(NAME, 'the held-out set', heldout, 1)
  checkPoints(NAME, 'the training set', train, 1)
  checkSameDim(NAME, ['the samples', 'the training set'], samples, train)
  checkSameDim(NAME, ['the held-out set', 'the training set'], heldout, train)
  const m = Math.min(MEMORISATION_POINTS, samples.n, heldout.n)
  const s = samples.n > m ? subsample(samples, m, rng.fork()) : samples
  const h = heldout.n > m ? subsample(heldout, m, rng.fork()) : heldout
  const N = Math.max(1, Math.min(train.n, Math.floor(MEMORISATION_BUDGET / (m * train.d))))
  const ref = train.n > N ? subsample(train, N, rng.fork()) : train
  const sampleToTrain = meanNearestDistance(s, ref)
  const heldoutToTrain = meanNearestDistance(h, ref)
  return { sampleToTrain, heldoutToTrain, ratio: heldoutToTrain > 0 ? sampleToTrain / heldoutToTrain : 1 }
}
