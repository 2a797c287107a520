/**
 * Registers the ECharts pieces the app uses (tree-shaken build) and re-exports `connect` for linked panels.
 * The SVG renderer is there for exports (a chart saved as SVG is rendered off-screen, server-side style).
 */
import { connect, disconnect, init, use } from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import { LabelLayout } from 'echarts/features'
import { BarChart, LineChart, ScatterChart } from 'echarts/charts'
import type { EChartsOption } from 'echarts'
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent
} from 'echarts/components'

use([
  CanvasRenderer,
  SVGRenderer,
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  // `labelLayout` (hideOverlap, moveOverlap): without it the option is silently ignored.
  LabelLayout
])

export { connect, disconnect }

/** What a saved chart says about itself: its title, and what was measured (data set, batch, machine, date). */
export interface ChartCaption {
  title: string
  sub?: string
}

/** Pixels the caption adds above the plot. */
export function captionHeight(caption: ChartCaption | undefined): number {
  return caption ? (caption.sub ? 46 : 28) : 0
}

/**
 * `option` with its caption as a title block above the plot (grids and legend moved down by its height), for a
 * chart saved to a file, which leaves the page that explained it. Pure.
 */
export function captioned(option: EChartsOption, caption: ChartCaption | undefined): EChartsOption {
  if (!caption) return option
  const shift = captionHeight(caption)
  const down = (box: unknown, fallback: number): unknown => {
    if (!box || typeof box !== 'object') return box
    const b = box as Record<string, unknown>
    return { ...b, top: (typeof b.top === 'number' ? b.top : fallback) + shift }
  }
  const each = (v: unknown, fallback: number): unknown =>
    Array.isArray(v) ? v.map((x) => down(x, fallback)) : down(v ?? {}, fallback)
  return {
    ...option,
    title: {
      text: caption.title,
      subtext: caption.sub ?? '',
      left: 12,
      top: 6,
      textStyle: { fontSize: 14, fontWeight: 600, color: '#1d2433' },
      subtextStyle: { fontSize: 11, color: '#5d6677' }
    },
    grid: each(option.grid, 60),
    ...(option.legend ? { legend: each(option.legend, 0) } : {})
  } as EChartsOption
}

/** The chart of `option` as an SVG document of the given size (rendered off-screen; tooltips left out). */
export function chartSvg(option: EChartsOption, width: number, height: number): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({ backgroundColor: '#ffffff', ...option, animation: false })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** The chart of `option` as a PNG data URL at twice the given size (rendered on a detached canvas). */
export function chartPng(option: EChartsOption, width: number, height: number): string {
  const chart = init(document.createElement('div'), null, { renderer: 'canvas', width, height })
  try {
    chart.setOption({ backgroundColor: '#ffffff', ...option, animation: false })
    return chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' })
  } finally {
    chart.dispose()
  }
}
