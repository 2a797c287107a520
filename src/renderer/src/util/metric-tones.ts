/**
 * How the metric badges are coloured (pure). Energy is judged against two references a researcher trusts:
 * the held-out data's own floor (what a perfect sampler scores at this n: training points against held-out
 * ones) and a Gaussian fitted to the training split (what a sampler that learnt only the mean and covariance
 * scores). A badge is green only near the floor; a map that misses a mode of a known mixture is red whatever
 * its energy, since a mode-collapsed map can score a fair energy.
 */
import type { ImageMetricsInfo, MetricsInfo } from '../../../shared/api'

export type Tone = 'good' | 'fair' | 'poor' | 'plain'

/** Where green ends and red starts, as a share of the way from the floor to the Gaussian baseline. */
export const ENERGY_GOOD = 0.1
export const ENERGY_POOR = 0.5

/** True when the data set has known modes and the samples left one of them empty. */
export function missesModes(m: Pick<MetricsInfo, 'modes' | 'modesCovered'>): boolean {
  return m.modes !== undefined && m.modesCovered !== undefined && m.modesCovered < m.modes
}

/**
 * The energy's position between the floor (0) and the Gaussian baseline (1); the floor is 0 when unknown.
 * Null when the baseline is missing or not above the floor.
 */
export function energyPosition(
  m: Pick<MetricsInfo, 'energy' | 'energyGaussian' | 'energyFloor'>
): number | null {
  return yardstickPosition(m.energy, m.energyFloor, m.energyGaussian)
}

/** `value`'s position from `floor` (0; 0 when unknown) to `baseline` (1); null without a baseline above it. */
export function yardstickPosition(value: number, floor: number | undefined, baseline: number): number | null {
  const f = floor !== undefined && Number.isFinite(floor) ? Math.max(0, floor) : 0
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= f) return null
  return (value - f) / (baseline - f)
}

/** Green within 10 % of the way from the floor to the baseline, amber below half, red above. */
function positionTone(p: number | null): Tone {
  if (p === null) return 'plain'
  return p <= ENERGY_GOOD ? 'good' : p < ENERGY_POOR ? 'fair' : 'poor'
}

/**
 * Image runs' `fd` (Fréchet distance in the classifier's features) against its yard-sticks: the data's own
 * `fdData` (training vs held-out images) and `fdGaussian` (a Gaussian fitted to the training pixels), the same
 * bands as the energy. Only at the yard-sticks' n: an fd of `n` samples, fewer than the `referenceN` the
 * yard-sticks were measured at, carries more small-sample bias than they do, and stays uncoloured.
 */
export function fdTone(m: Pick<ImageMetricsInfo, 'fd' | 'fdData' | 'fdGaussian' | 'n' | 'referenceN'>): Tone {
  if (!fdAtReferenceN(m)) return 'plain'
  return positionTone(yardstickPosition(m.fd, m.fdData, m.fdGaussian))
}

/** False when an fd is of fewer samples (`n`) than its yard-sticks' `referenceN`; true when either is unknown. */
export function fdAtReferenceN(m: Pick<ImageMetricsInfo, 'n' | 'referenceN'>): boolean {
  return m.referenceN === undefined || m.n === undefined || m.n >= m.referenceN
}

/**
 * Class coverage of image samples (the classifier's predicted classes): red when a class is all but missing
 * (under 1 % of samples) or the class mix is far off (KL > 0.5 nats), green when it matches (KL ≤ 0.05).
 */
export function classTone(m: Pick<ImageMetricsInfo, 'classKL' | 'minClassShare'>): Tone {
  if (!Number.isFinite(m.classKL) || !Number.isFinite(m.minClassShare)) return 'plain'
  if (m.minClassShare < 0.01 || m.classKL > 0.5) return 'poor'
  return m.classKL <= 0.05 ? 'good' : 'fair'
}

/**
 * Energy: green within 10 % of the way from the floor to the Gaussian, amber below half, red above or on a missed
 * mode. Not coloured for image runs: in pixel space the data's own floor is a large share of the Gaussian's
 * distance (a stored run does not keep it), so a good model read red; their verdict is `fd`'s.
 */
export function energyTone(m: MetricsInfo): Tone {
  if (m.image) return 'plain'
  if (missesModes(m)) return 'poor'
  return positionTone(energyPosition(m))
}

/** Precision, recall, coverage (rates in [0, 1]). */
export function rateTone(v: number): Tone {
  if (!Number.isFinite(v)) return 'plain'
  return v >= 0.8 ? 'good' : v >= 0.5 ? 'fair' : 'poor'
}

/** Modes: red when one is missed, amber when under 80 % of samples fall in a mode, green otherwise. */
export function modesTone(m: MetricsInfo): Tone {
  if (m.modes === undefined || m.modesCovered === undefined) return 'plain'
  if (missesModes(m)) return 'poor'
  return m.highQuality !== undefined && m.highQuality < 0.8 ? 'fair' : 'good'
}

/**
 * Memorisation ratio (sample → nearest training point over held-out → nearest training point): green near 1;
 * below, samples sit closer to the training set than fresh data does (copies); far above, they lie off the data
 * (an undertrained map scores 10–20 here and must not read as good).
 */
export function memoTone(v: number): Tone {
  if (!Number.isFinite(v)) return 'plain'
  if (v < 0.7 || v > 3) return 'poor'
  return v < 0.9 || v > 1.5 ? 'fair' : 'good'
}
