/**
 * Scatter plots of point clouds (data, samples, snapshots): ECharts options from plain data, no DOM.
 * Big clouds use ECharts' large mode (one batched draw) and progressive rendering.
 *
 * A point cloud is never stretched: both axes span the same range and the plot area's margins add up to the
 * same across as down (`SQUARE_GRID`), so in a square chart (ChartPanel's `square`) one data unit is as many
 * pixels across as up and a circle of data stays a circle.
 */
import type { EChartsOption } from 'echarts'
import { COLORS, escapeHtml, FONT, rangeAxis, sampleColor, valueAxis } from './theme'
import { equalSpans, project, sharedBounds, type Bounds, type Cloud } from './points'

/** Above this many points a series switches to large mode. */
export const LARGE_THRESHOLD = 2000

/** Plot-area margins with left + right = top + bottom (the legend sits in the top margin). */
export const SQUARE_GRID = { left: 48, right: 16, top: 24, bottom: 40 } as const

export interface ScatterSeriesInput extends Cloud {
  name: string
  /** Defaults: grey for `role: 'data'`, the palette otherwise. */
  color?: string
  role?: 'data' | 'samples'
}

export interface ScatterInput {
  series: ScatterSeriesInput[]
  /** Dims to plot (default 0, 1). */
  dims?: [number, number]
  xName?: string
  yName?: string
  /** Axis bounds shared between panels (widened to equal spans); default from the series. */
  bounds?: Bounds
  /** Inside zoom on both axes (wheel / drag), for linked panels. */
  zoom?: boolean
  legend?: boolean
  symbolSize?: number
}

export function scatterOption(input: ScatterInput): EChartsOption {
  const [i, j] = input.dims ?? [0, 1]
  const b = equalSpans(input.bounds ?? sharedBounds(input.series, i, j, { equal: true }))
  let sampleIndex = 0
  const series = input.series.map((s) => {
    const data = project(s, i, j)
    const color = s.color ?? (s.role === 'data' ? COLORS.data : sampleColor(sampleIndex++))
    return {
      type: 'scatter' as const,
      name: s.name,
      data,
      symbolSize: input.symbolSize ?? (data.length > 5000 ? 2 : 3),
      itemStyle: { color, opacity: s.role === 'data' ? 0.55 : 0.75 },
      large: data.length > LARGE_THRESHOLD,
      largeThreshold: LARGE_THRESHOLD,
      progressive: 5000,
      progressiveThreshold: 10000,
      animation: false,
      emphasis: { disabled: true }
    }
  })
  const legend = input.legend ?? input.series.length > 1
  return {
    textStyle: FONT,
    animation: false,
    grid: { ...SQUARE_GRID, containLabel: false },
    legend: legend
      ? { top: 4, itemWidth: 10, itemHeight: 10, textStyle: { color: COLORS.text } }
      : { show: false },
    tooltip: { trigger: 'item', formatter: tooltipXY },
    xAxis: valueAxis(input.xName ?? `x${i + 1}`, rangeAxis(b.xMin, b.xMax, b.xStep, input.zoom)),
    yAxis: valueAxis(input.yName ?? `x${j + 1}`, {
      ...rangeAxis(b.yMin, b.yMax, b.yStep, input.zoom),
      nameGap: 36
    }),
    dataZoom: input.zoom
      ? [
          { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
          { type: 'inside', yAxisIndex: 0, filterMode: 'none' }
        ]
      : [],
    series
  } as EChartsOption
}

function tooltipXY(p: unknown): string {
  const v = (p as { value?: unknown; seriesName?: string }).value
  if (!Array.isArray(v)) return ''
  const [x, y] = v as number[]
  return `${escapeHtml((p as { seriesName?: string }).seriesName ?? '')}<br/>(${x!.toPrecision(3)}, ${y!.toPrecision(3)})`
}
