/** Histograms of 1-D clouds (data and samples overlaid on the same bins), as ECharts options. */
import type { EChartsOption } from 'echarts'
import { COLORS, FONT, rangeAxis, sampleColor, valueAxis } from './theme'
import { column, extent, histogram, niceRange, niceStep, type Cloud } from './points'

export interface HistogramSeriesInput extends Cloud {
  name: string
  role?: 'data' | 'samples'
  color?: string
}

export interface HistogramInput {
  series: HistogramSeriesInput[]
  /** Which coordinate (default 0). */
  dim?: number
  bins?: number
  /** Shared x range; default from all series. */
  range?: [number, number]
  xName?: string
  zoom?: boolean
}

/** Density histograms (area 1) on common bins, drawn as overlaid step outlines. */
export function histogramOption(input: HistogramInput): EChartsOption {
  const j = input.dim ?? 0
  const bins = input.bins ?? 40
  const columns = input.series.map((s) => column(s, j))
  let range = input.range
  if (!range) {
    let lo = Infinity
    let hi = -Infinity
    for (const c of columns) {
      const [a, b] = extent(c)
      lo = Math.min(lo, a)
      hi = Math.max(hi, b)
    }
    range = niceRange(lo, hi, 0.02)
  }
  let sampleIndex = 0
  const series = input.series.map((s, k) => {
    const h = histogram(columns[k]!, bins, range)
    const color = s.color ?? (s.role === 'data' ? COLORS.data : sampleColor(sampleIndex++))
    // A step outline over the bins (first and last edges close the shape), filled for the data.
    const data: [number, number][] = [[h.edges[0]!, 0]]
    h.density.forEach((d, b) => {
      data.push([h.edges[b]!, d], [h.edges[b + 1]!, d])
    })
    data.push([h.edges[bins]!, 0])
    return {
      type: 'line' as const,
      name: s.name,
      data,
      symbol: 'none',
      lineStyle: { color, width: s.role === 'data' ? 1 : 1.5 },
      itemStyle: { color },
      areaStyle: { color, opacity: s.role === 'data' ? 0.35 : 0.12 },
      animation: false
    }
  })
  const legend = input.series.length > 1
  return {
    textStyle: FONT,
    animation: false,
    grid: { left: 48, right: 16, top: legend ? 32 : 12, bottom: 40 },
    legend: legend
      ? { top: 4, itemWidth: 10, itemHeight: 10, textStyle: { color: COLORS.text } }
      : { show: false },
    tooltip: { trigger: 'axis' },
    xAxis: valueAxis(
      input.xName ?? `x${j + 1}`,
      rangeAxis(range[0], range[1], niceStep(range[1] - range[0]), input.zoom)
    ),
    yAxis: valueAxis('density', { nameGap: 36 }),
    dataZoom: input.zoom ? [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }] : [],
    series
  } as EChartsOption
}
