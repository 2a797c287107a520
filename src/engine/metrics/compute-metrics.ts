/**
 * All sample-quality metrics of a run in one call, on held-out data (coordinates as given — the training
 * loop passes standardised ones). The larger of `samples` / `heldout` is subsampled at random so both sides
 * have n = min(samples.n, heldout.n, pairwiseCap(d)) points; the Gaussian yard-stick draws n points too.
 */
import type { Rng } from '../rng'
import { invertStandardization } from '../data/transform'
import type { Metrics, Mode, Points, Standardization } from '../types'
import { energyDistance } from './energy-distance'
import { energyGaussian } from './gaussian'
import { mmd2 } from './mmd'
import { memorisation } from './memorisation'
import { modeMetrics } from './modes'
import { checkPoints, checkSameDim, subsample } from './points'
import { prdc } from './prdc'
import { slicedW2 } from './sliced-w2'

const NAME = 'Metrics'
/** k of the PRDC k-NN balls. */
const PRDC_K = 5
/**
 * The pairwise metrics (energy, MMD, PRDC) cost about n²·d each; n is capped so that n²·d stays under this
 * budget: no cap at the toys' sizes (d = 2: 14 142 points), about 700 points per side at 784 dimensions, where
 * the pixel-space figures would otherwise cost more than the run's training (image runs are judged by the
 * classifier-feature metrics, metrics.image).
 */
export const PAIRWISE_BUDGET = 4e8

/** The most points per side the pairwise metrics use in d dimensions (see PAIRWISE_BUDGET). */
export const pairwiseCap = (d: number): number =>
  Math.max(PRDC_K + 1, Math.floor(Math.sqrt(PAIRWISE_BUDGET / d)))

/** Known modes of the data (data units) and the standardisation that maps the samples back to them. */
export interface KnownModes {
  modes: readonly Mode[]
  standardization?: Standardization
}

/**
 * Energy distance, Gaussian yard-stick, MMD² (bandwidths 0.5, 1, 2), sliced W₂² (256 directions) and PRDC
 * (k = 5; held-out = real, samples = fake). Every random draw comes from forks of `rng`, in a fixed order.
 * The memorisation ratio (memorisation.ts) compares samples and held-out points with the training set.
 * With `known` modes, also the mode coverage of all the samples (`modeCoverage`), in data units.
 */
export function computeMetrics(
  samples: Points,
  heldout: Points,
  train: Points,
  rng: Rng,
  known?: KnownModes | null
): Metrics {
  checkPoints(NAME, 'the samples', samples, PRDC_K + 1)
  checkPoints(NAME, 'the held-out set', heldout, PRDC_K + 1)
  checkPoints(NAME, 'the training set', train, 2)
  checkSameDim(NAME, ['the samples', 'the held-out set'], samples, heldout)
  checkSameDim(NAME, ['the training set', 'the held-out set'], train, heldout)

  const subRng = rng.fork()
  const gaussRng = rng.fork()
  const sliceRng = rng.fork()
  const memoRng = rng.fork()
  const n = Math.min(samples.n, heldout.n, pairwiseCap(heldout.d))
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
    n,
    memorisation: memorisation(samples, heldout, train, memoRng).ratio,
    ...(known ? modeMetrics(inDataUnits(samples, known.standardization), known.modes) : {})
  }
}

function inDataUnits(p: Points, stats: Standardization | undefined): Points {
  return stats ? invertStandardization(p, stats) : p
}
