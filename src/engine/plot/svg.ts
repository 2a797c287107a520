/**
 * Minimal, dependency-free SVG plots for CLI reports (the app draws with ECharts; these are for files).
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
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function extent(values: ArrayLike<number>[]): [number, number] {
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
  if (!(hi > lo)) return [lo - 1, lo + 1]
  const pad = 0.04 * (hi - lo)
  return [lo - pad, hi + pad]
}

function ticks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toFixed(10)))
  return out
}

/** Renders series on shared axes as a standalone SVG document. */
export function renderPlot(series: Series[], opt: PlotOptions): string {
  const W = opt.width ?? 720
  const H = opt.height ?? 480
  const m = { l: 64, r: 20, t: 44, b: 56 }
  const [x0, x1] = opt.xRange ?? extent(series.map((s) => s.x))
  const [y0, y1] = opt.yRange ?? extent(series.map((s) => s.y))
  const sx = (v: number): number => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r)
  const sy = (v: number): number => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(opt.title)}</text>`
  ]
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`)
    parts.push(`<text x="${sx(t)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`)
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`)
    parts.push(`<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`)
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`)
  parts.push(`<text x="${W / 2}" y="${H - 14}" text-anchor="middle">${esc(opt.xLabel)}</text>`)
  parts.push(
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(opt.yLabel)}</text>`
  )
  series.forEach((s, k) => {
    if (s.style === 'points') {
      const dots: string[] = []
      for (let i = 0; i < s.x.length; i++)
        dots.push(`<circle cx="${sx(s.x[i]!).toFixed(1)}" cy="${sy(s.y[i]!).toFixed(1)}" r="1.4"/>`)
      parts.push(`<g fill="${s.color}" fill-opacity="0.5">${dots.join('')}</g>`)
    } else {
      const pts: string[] = []
      for (let i = 0; i < s.x.length; i++) pts.push(`${sx(s.x[i]!).toFixed(2)},${sy(s.y[i]!).toFixed(2)}`)
      const dash = s.style === 'dashed' ? ' stroke-dasharray="7 5"' : ''
      parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.2"${dash}/>`)
    }
    const ly = m.t + 16 + 18 * k
    parts.push(`<rect x="${m.l + 12}" y="${ly - 9}" width="18" height="3" fill="${s.color}"/>`)
    parts.push(`<text x="${m.l + 36}" y="${ly - 3}">${esc(s.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n')
}
