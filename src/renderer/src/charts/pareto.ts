/**
 * The quality–latency plane's pure logic, apart from how it is drawn: which configurations form the Pareto front,
 * which front point beats a configuration that is off it, and whether an axis reads better on a log scale.
 * Both coordinates are lower-is-better (p50 latency; held-out energy distance, or fd for image runs).
 */

/** A point of the plane: latency and score, both lower-is-better. */
export interface PlanePoint {
  latency: number
  score: number
}

/**
 * The Pareto front: the points that no other point beats on both coordinates (best quality for their latency),
 * ordered by latency, so that the score strictly decreases along it. Of equal points, the first is kept.
 */
export function paretoFront<T extends PlanePoint>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.latency - b.latency || a.score - b.score)
  const front: T[] = []
  for (const p of sorted) if (front.length === 0 || p.score < front[front.length - 1]!.score) front.push(p)
  return front
}

/**
 * The front point that beats `p` (at most its latency and at most its score, one of them strictly): the
 * fastest such point, so that a tooltip names the cheapest better configuration. Null for a point on the front
 * (or equal to one).
 */
export function dominator<T extends PlanePoint>(p: PlanePoint, front: readonly T[]): T | null {
  for (const f of front) {
    if (f.latency > p.latency) break
    if (f.score <= p.score && (f.latency < p.latency || f.score < p.score)) return f
  }
  return null
}

export type AxisScale = 'log' | 'value'

/**
 * A spread (largest over smallest) from which an axis is drawn on a log scale: a decade. Below it a linear axis
 * keeps its tick labels (a log axis labels powers of ten only, so a narrower range may show one or none) and
 * differences read as distances.
 */
export const LOG_SPREAD = 10

/**
 * `log` when the values are all positive and span at least `spread` (max / min), else `value` (linear): a
 * one-step map at 0.02 ms and Heun K = 32 at 2 ms need a log axis to be told apart, eight samplers within 3×
 * of each other do not.
 */
export function axisScale(values: readonly number[], spread = LOG_SPREAD): AxisScale {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0 || finite.some((v) => v <= 0)) return 'value'
  return Math.max(...finite) / Math.min(...finite) >= spread ? 'log' : 'value'
}

/** `v` rounded to 12 significant digits (5 × 10⁻³ is 0.005, not 0.005000000000000001). */
const clean = (v: number): number => Number(v.toPrecision(12))

/**
 * The range of a log axis around positive values, at the 1–2–5 steps of their decades (0.019 … 1.96 →
 * 0.01 … 2), so that the plot does not spend most of a decade on each side on nothing, as powers of ten would.
 */
export function logBounds(values: readonly number[]): [number, number] {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0)
  if (positive.length === 0) return [1, 10]
  const decade = (v: number): number => 10 ** Math.floor(Math.log10(v))
  const lo = Math.min(...positive)
  const hi = Math.max(...positive)
  const dl = decade(lo)
  const dh = decade(hi)
  const down = [5, 2, 1].find((s) => s * dl <= lo * (1 + 1e-12)) ?? 1
  const up = [1, 2, 5, 10].find((s) => s * dh >= hi * (1 - 1e-12)) ?? 10
  return [clean(down * dl), clean(up * dh)]
}
