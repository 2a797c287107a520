/**
 * Minimal, dependency-free SVG plots for CLI reports (the app draws with ECharts; these are for files).
 *
 * A plot of 2-D points (every series `style: 'points'`) is drawn with equal scales on both axes: one data
 * unit is as many pixels across as up, so a circle of data stays a circle. Curves keep independent scales.
 * `renderPanels` draws several point clouds side by side on the same axes.
 */
export interface Series {
  name: string
  x: ArrayLike<number>
  y: ArrayLike<number>
  color: string
  /** 'line' (default), 'dashed' or 'points'. */
  style?: 'line' | 'dashed' | 'points'
}

export interface PlotOptions {
  title: string
  xLabel: string
  yLabel: string
  width?: number
  height?: number
  xRange?: [number, number]
  yRange?: [number, number]
  /** Equal data units per pixel on both axes (default: when every series is points). */
  equalScales?: boolean
}

export interface Panel {
  title: string
  series: Series[]
}

export interface PanelOptions {
  /** Above the panels. */
  title: string
  xLabel: string
  yLabel: string
  /** Side of each panel's square plot area in pixels (default 300). */
  size?: number
  /** Shared axes (default: the extent of every panel's points, squared up). */
  xRange?: [number, number]
  yRange?: [number, number]
}

type Range = [number, number]
interface Frame {
  /** Plot area: left, top, width, height in pixels. */
  x: number
  y: number
  w: number
  h: number
  xr: Range
  yr: Range
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function extent(values: ArrayLike<number>[]): Range {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values)
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!
      if (Number.isFinite(x)) {
        if (x < lo) lo = x
        if (x > hi) hi = x
      }
    }
  if (!Number.isFinite(lo)) return [-1, 1]
  if (!(hi > lo)) return [lo - 1, lo + 1]
  const pad = 0.04 * (hi - lo)
  return [lo - pad, hi + pad]
}

/**
 * Widens the narrower of two ranges about its centre so that a w × h pixel area shows both at the same
 * data units per pixel.
 */
export function equalizeRanges(xr: Range, yr: Range, w: number, h: number): { xr: Range; yr: Range } {
  const unit = Math.max((xr[1] - xr[0]) / w, (yr[1] - yr[0]) / h)
  const around = (r: Range, px: number): Range => {
    const c = (r[0] + r[1]) / 2
    return [c - (unit * px) / 2, c + (unit * px) / 2]
  }
  return { xr: around(xr, w), yr: around(yr, h) }
}

function ticks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toFixed(10)))
  return out
}

const scaleX = (f: Frame, v: number): number => f.x + ((v - f.xr[0]) / (f.xr[1] - f.xr[0])) * f.w
const scaleY = (f: Frame, v: number): number => f.y + f.h - ((v - f.yr[0]) / (f.yr[1] - f.yr[0])) * f.h

/** Grid, tick labels (class `xt` / `yt`, so a reader can recover the scales) and the frame. */
function drawAxes(parts: string[], f: Frame, yLabels: boolean): void {
  for (const t of ticks(f.xr[0], f.xr[1])) {
    const x = scaleX(f, t)
    parts.push(`<line x1="${x}" x2="${x}" y1="${f.y}" y2="${f.y + f.h}" stroke="#eee"/>`)
    parts.push(`<text class="xt" x="${x}" y="${f.y + f.h + 16}" text-anchor="middle">${t}</text>`)
  }
  for (const t of ticks(f.yr[0], f.yr[1])) {
    const y = scaleY(f, t)
    parts.push(`<line x1="${f.x}" x2="${f.x + f.w}" y1="${y}" y2="${y}" stroke="#eee"/>`)
    if (yLabels) parts.push(`<text class="yt" x="${f.x - 6}" y="${y + 4}" text-anchor="end">${t}</text>`)
  }
  parts.push(`<rect x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" fill="none" stroke="#333"/>`)
}

/** Point clouds as dots, curves as polylines, clipped to nothing (callers choose ranges that fit). */
function drawSeries(parts: string[], f: Frame, series: Series[], legend: boolean): void {
  series.forEach((s, k) => {
    if (s.style === 'points') {
      const dots: string[] = []
      for (let i = 0; i < s.x.length; i++)
        dots.push(
          `<circle cx="${scaleX(f, s.x[i]!).toFixed(1)}" cy="${scaleY(f, s.y[i]!).toFixed(1)}" r="1.4"/>`
        )
      parts.push(`<g fill="${s.color}" fill-opacity="0.5">${dots.join('')}</g>`)
    } else {
      const pts: string[] = []
      for (let i = 0; i < s.x.length; i++)
        pts.push(`${scaleX(f, s.x[i]!).toFixed(2)},${scaleY(f, s.y[i]!).toFixed(2)}`)
      const dash = s.style === 'dashed' ? ' stroke-dasharray="7 5"' : ''
      parts.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.2"${dash}/>`
      )
    }
    if (!legend) return
    const ly = f.y + 16 + 18 * k
    parts.push(`<rect x="${f.x + 12}" y="${ly - 9}" width="18" height="3" fill="${s.color}"/>`)
    parts.push(`<text x="${f.x + 36}" y="${ly - 3}">${esc(s.name)}</text>`)
  })
}

const open = (w: number, h: number): string[] => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
  `<rect width="${w}" height="${h}" fill="white"/>`
]

/** Renders series on shared axes as a standalone SVG document. */
export function renderPlot(series: Series[], opt: PlotOptions): string {
  const W = opt.width ?? 720
  const H = opt.height ?? 480
  const m = { l: 64, r: 20, t: 44, b: 56 }
  const w = W - m.l - m.r
  const h = H - m.t - m.b
  let xr = opt.xRange ?? extent(series.map((s) => s.x))
  let yr = opt.yRange ?? extent(series.map((s) => s.y))
  const equal = opt.equalScales ?? (series.length > 0 && series.every((s) => s.style === 'points'))
  if (equal) ({ xr, yr } = equalizeRanges(xr, yr, w, h))
  const f: Frame = { x: m.l, y: m.t, w, h, xr, yr }
  const parts = open(W, H)
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(opt.title)}</text>`)
  drawAxes(parts, f, true)
  parts.push(`<text x="${W / 2}" y="${H - 14}" text-anchor="middle">${esc(opt.xLabel)}</text>`)
  parts.push(
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(opt.yLabel)}</text>`
  )
  drawSeries(parts, f, series, true)
  parts.push('</svg>')
  return parts.join('\n')
}

/**
 * Point-cloud panels side by side, each a square plot area on the same axes with equal scales on both, so
 * shapes compare across panels. Each panel's title may hold several lines (`\n`).
 */
export function renderPanels(panels: Panel[], opt: PanelOptions): string {
  const size = opt.size ?? 300
  const gap = 24
  const m = { l: 64, r: 20, t: 48, b: 48 }
  const titleLines = Math.max(1, ...panels.map((p) => p.title.split('\n').length))
  const top = m.t + 16 * titleLines
  const all = panels.flatMap((p) => p.series)
  const { xr, yr } = equalizeRanges(
    opt.xRange ?? extent(all.map((s) => s.x)),
    opt.yRange ?? extent(all.map((s) => s.y)),
    size,
    size
  )
  const W = m.l + panels.length * size + (panels.length - 1) * gap + m.r
  const H = top + size + m.b
  const parts = open(W, H)
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(opt.title)}</text>`)
  panels.forEach((p, k) => {
    const f: Frame = { x: m.l + k * (size + gap), y: top, w: size, h: size, xr, yr }
    parts.push(`<g class="panel" data-title="${esc(p.title.split('\n')[0]!)}">`)
    p.title.split('\n').forEach((line, i) => {
      const weight = i === 0 ? ' font-weight="600"' : ''
      parts.push(
        `<text x="${f.x + size / 2}" y="${m.t + 16 * i}" text-anchor="middle"${weight}>${esc(line)}</text>`
      )
    })
    drawAxes(parts, f, k === 0)
    drawSeries(parts, f, p.series, false)
    parts.push('</g>')
  })
  parts.push(
    `<text x="${m.l + (W - m.l - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(opt.xLabel)}</text>`
  )
  const cy = top + size / 2
  parts.push(
    `<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${esc(opt.yLabel)}</text>`
  )
  parts.push('</svg>')
  return parts.join('\n')
}
