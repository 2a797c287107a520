/** Rows per class of a labelled data set, as a horizontal bar chart (the Datasets view's image sets). */
import type { EChartsOption } from 'echarts'
import { COLORS, FONT, valueAxis } from './theme'

/** One bar per class, in class order top to bottom, labelled with its count and share. */
export function classCountsOption(counts: readonly { name: string; count: number }[]): EChartsOption | null {
  if (counts.length === 0) return null
  const total = counts.reduce((s, c) => s + c.count, 0)
  const names = counts.map((c) => c.name)
  return {
    textStyle: FONT,
    animation: false,
    grid: { left: 8, right: 72, top: 8, bottom: 36, containLabel: true },
    xAxis: valueAxis('rows', { minInterval: 1 }),
    yAxis: {
      type: 'category',
      data: names,
      inverse: true,
      axisLabel: { color: COLORS.text, fontSize: 11 },
      axisLine: { lineStyle: { color: COLORS.axis } },
      axisTick: { show: false }
    },
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'bar',
        name: 'rows',
        data: counts.map((c) => c.count),
        itemStyle: { color: COLORS.samples[0] },
        barMaxWidth: 16,
        label: {
          show: true,
          position: 'right',
          color: COLORS.text,
          fontSize: 11,
          formatter: (p: { value?: unknown }) =>
            `${Number(p.value).toLocaleString()} (${((100 * Number(p.value)) / Math.max(total, 1)).toFixed(1)} %)`
        }
      }
    ]
  }
}

/** One line under the chart: `10 classes · 892–1,135 rows each` (empty without classes). */
export function classCountsSummary(counts: readonly { count: number }[]): string {
  if (counts.length === 0) return ''
  const lo = Math.min(...counts.map((c) => c.count))
  const hi = Math.max(...counts.map((c) => c.count))
  const rows = lo === hi ? lo.toLocaleString('en') : `${lo.toLocaleString('en')}–${hi.toLocaleString('en')}`
  return `${counts.length} ${counts.length === 1 ? 'class' : 'classes'} · ${rows} rows each`
}
