/**
 * Mode coverage for distributions whose modes are known (the built-in mixtures): how many modes the samples
 * reach, and which share of them is "high quality" — the two figures of the mode-collapse literature
 * (Metz et al. 2017, Unrolled GANs; Srivastava et al. 2017, VEEGAN). A sample is high quality when it lies in
 * a mode: within 3σ of a Gaussian mode's centre, or inside a box mode. A mode is covered when it holds at
 * least a tenth of its fair share (n / modes) of high-quality samples, so a few stray points do not count.
 *
 * The two figures read together: a mode-collapsed map scores few modes at a high share; a map that smears the
 * modes into a ring touches every mode at a low share. Points are in data units.
 */
import { check } from '../errors'
import type { Metrics, Mode, Points } from '../types'
import { checkPoints } from './points'

/** A sample within this many σ of a Gaussian mode's centre is high quality. */
export const HIGH_QUALITY_SIGMAS = 3
/** A mode is covered when it holds at least this fraction of its fair share n / modes of samples. */
export const COVERED_SHARE = 0.1

export interface ModeCoverage {
  /** Number of modes of the distribution. */
  modes: number
  /** Modes holding at least `COVERED_SHARE` of their fair share of high-quality samples. */
  covered: number
  /** Share of samples that lie in a mode, in [0, 1]. */
  highQuality: number
  /** High-quality samples per mode, in the order of `modes`. */
  counts: number[]
}

/** The mode figures as they are stored with a run's metrics. */
export type ModeMetrics = Required<Pick<Metrics, 'modes' | 'modesCovered' | 'highQuality'>>

const NAME = 'Mode coverage'

/**
 * How far point `i` of `p` is from `mode`, in units where ≤ `HIGH_QUALITY_SIGMAS` means "in the mode":
 * ‖x − c‖ / σ for a Gaussian; 0 inside a box, +∞ outside.
 */
function modeDistance(mode: Mode, p: Points, i: number): number {
  const off = i * p.d
  if (mode.kind === 'gaussian') {
    let s = 0
    for (let j = 0; j < p.d; j++) {
      const t = p.data[off + j]! - mode.centre[j]!
      s += t * t
    }
    return Math.sqrt(s) / mode.sigma
  }
  for (let j = 0; j < p.d; j++) {
    const v = p.data[off + j]!
    if (v < mode.lo[j]! || v > mode.hi[j]!) return Infinity
  }
  return 0
}

function modeDim(mode: Mode): number {
  return mode.kind === 'gaussian' ? mode.centre.length : mode.lo.length
}

/**
 * Modes covered and high-quality share of `samples` (data units) for the known `modes`. Each high-quality
 * sample counts for the nearest mode it lies in (modes whose 3σ balls overlap do not double-count).
 * @throws ConfigError for an empty mode list, a mode of another dimension, σ ≤ 0 or a bad cloud.
 */
export function modeCoverage(samples: Points, modes: readonly Mode[]): ModeCoverage {
  checkPoints(NAME, 'the samples', samples, 1)
  check(modes.length > 0, () => `${NAME}: the distribution has no known modes.`)
  for (const [k, m] of modes.entries()) {
    check(
      modeDim(m) === samples.d,
      () => `${NAME}: mode ${k} has dimension ${modeDim(m)} but the samples have dimension ${samples.d}.`
    )
    if (m.kind === 'gaussian')
      check(m.sigma > 0, () => `${NAME}: mode ${k} has σ = ${m.sigma}; it must be > 0.`)
  }
  const counts = new Array<number>(modes.length).fill(0)
  let inside = 0
  for (let i = 0; i < samples.n; i++) {
    let best = -1
    let bestDist = HIGH_QUALITY_SIGMAS
    for (let k = 0; k < modes.length; k++) {
      const dist = modeDistance(modes[k]!, samples, i)
      if (dist <= bestDist) {
        best = k
        bestDist = dist
      }
    }
    if (best >= 0) {
      counts[best]!++
      inside++
    }
  }
  const need = Math.max(1, Math.ceil((COVERED_SHARE * samples.n) / modes.length))
  return {
    modes: modes.length,
    covered: counts.filter((c) => c >= need).length,
    highQuality: inside / samples.n,
    counts
  }
}

/** The figures stored with a run's metrics. */
export function modeMetrics(samples: Points, modes: readonly Mode[]): ModeMetrics {
  const c = modeCoverage(samples, modes)
  return { modes: c.modes, modesCovered: c.covered, highQuality: c.highQuality }
}

/**
 * One line for people: "8/8 modes touched, 41 % high-quality". Says "touched", not "covered", so a map that
 * smears the modes into a ring does not read as a success; null where the data have no known modes.
 */
export function describeModes(m: Partial<Metrics>): string | null {
  if (m.modes === undefined || m.modesCovered === undefined || m.highQuality === undefined) return null
  return `${m.modesCovered}/${m.modes} modes touched, ${Math.round(100 * m.highQuality)} % high-quality`
}
