/**
 * Helpers over row-major point clouds (`points[i * dim + j]`): projections, bounds, histograms.
 * Pure functions, shared by every chart builder.
 */

/** A row-major cloud as the API sends it. */
export interface Cloud {
  points: ArrayLike<number>
  dim: number
}

export interface Bounds {
  xMin: number
  xMax: number
  yMin: number
  yMax: number
  /** Tick spacing that divides each range exactly (so no crowded labels at the ends). */
  xStep?: number
  yStep?: number
}

/** Rows of the cloud projected on dims `i` and `j`, as `[x, y]` pairs (non-finite rows left out). */
export function project(cloud: Cloud, i = 0, j = 1): [number, number][] {
  const { points, dim } = cloud
  const n = dim > 0 ? Math.floor(points.length / dim) : 0
  const out: [number, number][] = []
  for (let r = 0; r < n; r++) {
    const x = points[r * dim + i]!
    const y = j < dim ? points[r * dim + j]! : 0
    if (Number.isFinite(x) && Number.isFinite(y)) out.push([x, y])
  }
  return out
}

/**
 * Rows of the cloud a plot with `bounds` does not show: non-finite rows, and rows outside the x range (and the
 * y range, in 2-D and above) on dims `i`, `j`. The Gallery says how many, rather than dropping them silently.
 */
export function pointsOutside(cloud: Cloud, bounds: Bounds, i = 0, j = 1): number {
  const { points, dim } = cloud
  const n = dim > 0 ? Math.floor(points.length / dim) : 0
  let out = 0
  for (let r = 0; r < n; r++) {
    const x = points[r * dim + i]!
    const y = j < dim ? points[r * dim + j]! : bounds.yMin
    if (!(x >= bounds.xMin && x <= bounds.xMax && y >= bounds.yMin && y <= bounds.yMax)) out++
  }
  return out
}

/** Column `j` of the cloud (non-finite values left out). */
export function column(cloud: Cloud, j = 0): number[] {
  const { points, dim } = cloud
  const n = dim > 0 ? Math.floor(points.length / dim) : 0
  const out: number[] = []
  for (let r = 0; r < n; r++) {
    const v = points[r * dim + j]!
    if (Number.isFinite(v)) out.push(v)
  }
  return out
}

/** A "nice" step (1, 2 or 5 × 10^k) near `span / target`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / target
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  const m = raw / p
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p
}

/** Ticks per axis the bounds aim for (ECharts' default split number). */
const TICKS = 5

/** [min, max] of values, padded by `pad` of the span and snapped to a nice step; [-1, 1] when empty. */
export function niceRange(min: number, max: number, pad = 0.05): [number, number] {
  const [lo, hi] = snapped(min, max, pad)
  return [lo, hi]
}

/**
 * Padded range snapped outwards to multiples of half a nice tick step (a whole step would waste up to a
 * step of room on each side), with that step.
 */
function snapped(min: number, max: number, pad: number, span?: number): [number, number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [-1, 1, 0.5]
  if (min === max) return [min - 1, max + 1, 0.5]
  const width = span ?? max - min
  const mid = (min + max) / 2
  const lo = mid - (width / 2) * (1 + 2 * pad)
  const hi = mid + (width / 2) * (1 + 2 * pad)
  const step = niceStep(hi - lo, TICKS)
  const half = step / 2
  return [round(Math.floor(lo / half) * half), round(Math.ceil(hi / half) * half), step]
}

/** Drops floating-point noise (0.30000000000000004 → 0.3). */
function round(v: number): number {
  return Number(v.toPrecision(12))
}

/**
 * Shared axis bounds of several clouds on dims `i`, `j` (nice, padded), so side-by-side panels use the same
 * scale. With `equal`, both axes get the same span and step (a square plot then keeps circles round).
 * With `j` beyond a cloud's dim (1-D data), y is a placeholder.
 */
export function sharedBounds(clouds: Cloud[], i = 0, j = 1, opts: { equal?: boolean } = {}): Bounds {
  let xMin = Infinity
  let xMax = -Infinity
  let yMin = Infinity
  let yMax = -Infinity
  for (const c of clouds) {
    for (const [x, y] of project(c, i, j)) {
      if (x < xMin) xMin = x
      if (x > xMax) xMax = x
      if (y < yMin) yMin = y
      if (y > yMax) yMax = y
    }
  }
  if (!opts.equal || !Number.isFinite(xMin)) {
    const [x0, x1, xs] = snapped(xMin, xMax, 0.05)
    const [y0, y1, ys] = snapped(yMin, yMax, 0.05)
    return { xMin: x0, xMax: x1, yMin: y0, yMax: y1, xStep: xs, yStep: ys }
  }
  // Equal spans: one padded width for both axes, one step, each axis snapped around its own centre.
  const s = Math.max(xMax - xMin, yMax - yMin, 1e-9) * 1.1
  const step = niceStep(s, TICKS)
  const half = step / 2
  const lo = (mid: number): number => Math.floor((mid - s / 2) / half) * half
  const hiOf = (mid: number): number => Math.ceil((mid + s / 2) / half) * half
  const xm = (xMin + xMax) / 2
  const ym = (yMin + yMax) / 2
  const w = Math.max(hiOf(xm) - lo(xm), hiOf(ym) - lo(ym))
  const x0 = round(lo(xm))
  const y0 = round(lo(ym))
  const [x1, y1, xs, ys] = [round(x0 + w), round(y0 + w), step, step]
  return { xMin: x0, xMax: x1, yMin: y0, yMax: y1, xStep: xs, yStep: ys }
}

/**
 * The bounds with equal spans on both axes: the narrower range widened about its centre (one step for both),
 * so a square plot area shows one data unit as many pixels across as up.
 */
export function equalSpans(b: Bounds): Bounds {
  const w = Math.max(b.xMax - b.xMin, b.yMax - b.yMin)
  const widen = (lo: number, hi: number): [number, number] => {
    const extra = (w - (hi - lo)) / 2
    return extra > 0 ? [round(lo - extra), round(hi + extra)] : [lo, hi]
  }
  const [xMin, xMax] = widen(b.xMin, b.xMax)
  const [yMin, yMax] = widen(b.yMin, b.yMax)
  const step = Math.max(b.xStep ?? 0, b.yStep ?? 0)
  return { xMin, xMax, yMin, yMax, ...(step > 0 ? { xStep: step, yStep: step } : {}) }
}

/** [min, max] of values ([Infinity, -Infinity] when empty); a loop, so any length works. */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return [lo, hi]
}

export interface Histogram {
  /** `bins + 1` increasing edges. */
  edges: number[]
  counts: number[]
  /** Counts / (n · width): integrates to 1 over the range. */
  density: number[]
}

/** A histogram of `values` over `range` (default their min/max), values outside left out. */
export function histogram(values: number[], bins = 40, range?: [number, number]): Histogram {
  let [lo, hi] = range ?? extent(values)
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1]
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]
  const width = (hi - lo) / bins
  const counts = new Array<number>(bins).fill(0)
  let n = 0
  for (const v of values) {
    if (v < lo || v > hi) continue
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++
    n++
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * width)
  const density = counts.map((c) => (n > 0 ? c / (n * width) : 0))
  return { edges, counts, density }
}
