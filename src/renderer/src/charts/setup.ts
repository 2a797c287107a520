/**
 * Registers the ECharts pieces the app uses (tree-shaken build) and re-exports `connect` for linked panels.
 * The SVG renderer is there for exports (a chart saved as SVG is rendered off-screen, server-side style).
 */
import { connect, disconnect, init, use } from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import { BarChart, LineChart, ScatterChart } from 'echarts/charts'
import type { EChartsOption } from 'echarts'
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'

use([
  CanvasRenderer,
  SVGRenderer,
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent
])

export { connect, disconnect }

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
