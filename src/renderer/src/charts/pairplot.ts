/**
 * A pair plot of a few coordinates of a cloud (the first four unless chosen): histograms on the diagonal,
 * scatters elsewhere, one ECharts grid per cell, shared ranges per coordinate.
 */
import type { EChartsOption } from 'echarts'
import { COLORS, FONT, valueAxis } from './theme'
import { column, extent, histogram, niceRange, project, type Cloud } from './points'
import { LARGE_THRESHOLD } from './scatter'

export interface PairPlotInput extends Cloud {
  /** Column names; default x1, x2, … */
  names?: string[]
  /** Most coordinates shown when `dims` is not given (default 4). */
  maxDims?: number
  /** The coordinates to show (0-based), in order; default the first `maxDims`. */
  dims?: number[]
  color?: string
}

/** The coordinates a pair plot shows: the chosen ones that exist, else the first `maxDims` (default 4). */
export function pairDims(dim: number, dims?: number[], maxDims = 4): number[] {
  const chosen = (dims ?? []).filter((j) => Number.isInteger(j) && j >= 0 && j < dim)
  if (chosen.length > 0) return chosen
  return Array.from({ length: Math.max(1, Math.min(dim, maxDims)) }, (_, j) => j)
}

export function pairPlotOption(input: PairPlotInput): EChartsOption {
  const dims = pairDims(input.dim, input.dims, input.maxDims)
  const k = dims.length
  const names = dims.map((j) => input.names?.[j] ?? `x${j + 1}`)
  const color = input.color ?? COLORS.samples[0]
  const ranges = dims.map((j) => {
    const [lo, hi] = extent(column(input, j))
    return niceRange(lo, hi, 0.04)
  })
  const left = 7
  const top = 3
  const span = 90
  const gap = 2.5
  const cell = (span - gap * (k - 1)) / k
  const grid: Record<string, unknown>[] = []
  const xAxis: Record<string, unknown>[] = []
  const yAxis: Record<string, unknown>[] = []
  const series: Record<string, unknown>[] = []
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      const g = grid.length
      grid.push({
        left: `${left + c * (cell + gap)}%`,
        top: `${top + r * (cell + gap)}%`,
        width: `${cell}%`,
        height: `${cell}%`
      })
      const bottomRow = r === k - 1
      const firstCol = c === 0
      const tick = { axisLabel: { show: bottomRow, fontSize: 10, color: COLORS.text, hideOverlap: true } }
      xAxis.push(
        valueAxis(bottomRow ? names[c]! : '', {
          gridIndex: g,
          min: ranges[c]![0],
          max: ranges[c]![1],
          nameGap: 22,
          splitLine: { show: false },
          ...tick
        })
      )
      const diag = r === c
      yAxis.push(
        valueAxis(firstCol && !diag ? names[r]! : firstCol ? 'density' : '', {
          gridIndex: g,
          ...(diag ? {} : { min: ranges[r]![0], max: ranges[r]![1] }),
          nameGap: 30,
          splitLine: { show: false },
          axisLabel: { show: firstCol && !diag, fontSize: 10, color: COLORS.text, hideOverlap: true }
        })
      )
      if (diag) {
        const h = histogram(column(input, dims[c]), 30, ranges[c])
        const data: [number, number][] = [[h.edges[0]!, 0]]
        h.density.forEach((d, b) => data.push([h.edges[b]!, d], [h.edges[b + 1]!, d]))
        data.push([h.edges[h.edges.length - 1]!, 0])
        series.push({
          type: 'line',
          xAxisIndex: g,
          yAxisIndex: g,
          data,
          symbol: 'none',
          lineStyle: { color, width: 1 },
          areaStyle: { color, opacity: 0.25 },
          animation: false
        })
      } else {
        const data = project(input, dims[c]!, dims[r]!)
        series.push({
          type: 'scatter',
          xAxisIndex: g,
          yAxisIndex: g,
          data,
          symbolSize: 2,
          itemStyle: { color, opacity: 0.5 },
          large: data.length > LARGE_THRESHOLD,
          largeThreshold: LARGE_THRESHOLD,
          progressive: 5000,
          animation: false,
          emphasis: { disabled: true }
        })
      }
    }
  }
  return { textStyle: FONT, animation: false, grid, xAxis, yAxis, series } as EChartsOption
}
