/**
 * All sample-quality metrics of a run in one call, on held-out data (coordinates as given — the training
 * loop passes standardised ones). The larger of `samples` / `heldout` is subsampled at random so both sides
 * have n = min(samples.n, heldout.n) points; the Gaussian yard-stick draws n points too.
 */
import type { Rng } from '../rng'
import type { Metrics, Points } from '../types'
import { energyDistance } from './energy-distance'
import { energyGaussian } from './gaussian'
import { mmd2 } from './mmd'
import { checkPoints, checkSameDim, subsample } from './points'
import { prdc } from './prdc'
import { slicedW2 } from './sliced-w2'

const NAME = 'Metrics'
/** k of the PRDC k-NN balls. */
const PRDC_K = 5

/**
 * Energy distance, Gaussian yard-stick, MMD² (bandwidths 0.5, 1, 2), sliced W₂² (256 directions) and PRDC
 * (k = 5; held-out = real, samples = fake). Every random draw comes from forks of `rng`, in a fixed order.
 */
export function computeMetrics(samples: Points, heldout: Points, train: Points, rng: Rng): Metrics {
  checkPoints(NAME, 'the samples', samples, PRDC_K + 1)
  checkPoints(NAME, 'the held-out set', heldout, PRDC_K + 1)
  checkPoints(NAME, 'the training set', train, 2)
  checkSameDim(NAME, ['the samples', 'the held-out set'], samples, heldout)
  checkSameDim(NAME, ['the training set', 'the held-out set'], train, heldout)

  const subRng = rng.fork()
  const gaussRng = rng.fork()
  const sliceRng = rng.fork()
  const n = Math.min(samples.n, heldout.n)
  const s = samples.n > n ? subsample(samples, n, subRng) : samples
  const h = heldout.n > n ? subsample(heldout, n, subRng) : heldout

  const { precision, recall, density, coverage } = prdc(h, s, PRDC_K)
  return {
    energy: energyDistance(s, h),
    energyGaussian: energyGaussian(train, h, gaussRng, n),
    mmd: mmd2(s, h),
    slicedW2: slicedW2(s, h, sliceRng),
    precision,
    recall,
    density,
    coverage,
    n
  }
}
