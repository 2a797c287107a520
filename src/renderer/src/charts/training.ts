/** Training curves: the loss by step and the held-out metrics at evaluation steps, as ECharts options. */
import type { EChartsOption } from 'echarts'
import type { MetricsInfo } from '../../../shared/api'
import { COLORS, FONT, METRIC_COLORS, valueAxis } from './theme'

/** Metrics where lower is better (distances to the held-out data), with their display names. */
export const DISTANCE_METRICS: { key: keyof MetricsInfo; label: string }[] = [
  { key: 'energy', label: 'Energy distance' },
  { key: 'mmd', label: 'MMD²' },
  { key: 'slicedW2', label: 'Sliced W₂²' }
]

/** k-NN fidelity / diversity metrics in [0, 1] (higher is better). */
export const KNN_METRICS: { key: keyof MetricsInfo; label: string }[] = [
  { key: 'precision', label: 'Precision' },
  { key: 'recall', label: 'Recall' },
  { key: 'coverage', label: 'Coverage' }
]

/** Keeps at most `max` points, evenly spaced, always keeping the last one. */
export function thin<T>(points: T[], max = 2000): T[] {
  if (points.length <= max) return points
  const stride = points.length / max
  const out: T[] = []
  for (let k = 0; k < max - 1; k++) out.push(points[Math.floor(k * stride)]!)
  out.push(points[points.length - 1]!)
  return out
}

/** The loss curve. The y axis is logarithmic when every loss is positive and they span over two decades. */
export function lossCurveOption(
  curve: [number, number][],
  opts: { totalSteps?: number } = {}
): EChartsOption {
  const finite = curve.filter(([s, l]) => Number.isFinite(s) && Number.isFinite(l))
  const data = thin(finite)
  const positive = data.length > 0 && data.every(([, l]) => l > 0)
  const ratio = positive ? Math.max(...data.map(([, l]) => l)) / Math.min(...data.map(([, l]) => l)) : 1
  const log = positive && ratio > 100
  return {
    textStyle: FONT,
    animation: false,
    grid: { left: 64, right: 20, top: 16, bottom: 44 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toPrecision(4) : '')
    },
    xAxis: valueAxis('step', { min: 0, max: opts.totalSteps ?? 'dataMax', nameGap: 26 }),
    yAxis: valueAxis(log ? 'loss (log scale)' : 'loss', {
      type: log ? 'log' : 'value',
      scale: true,
      nameGap: 50
    }),
    series: [
      {
        type: 'line',
        name: 'loss',
        data,
        showSymbol: false,
        lineStyle: { width: 1.5, color: COLORS.samples[0] },
        itemStyle: { color: COLORS.samples[0] },
        animation: false
      }
    ]
  } as EChartsOption
}

/**
 * Held-out metric curves in two panels side by side: distances to the held-out data (lower is better) on the
 * left, k-NN precision / recall / coverage (in [0, 1], higher is better) on the right.
 */
export function metricCurvesOption(
  evalCurve: { step: number; metrics: Partial<MetricsInfo> }[],
  opts: { totalSteps?: number } = {}
): EChartsOption {
  const line = (key: keyof MetricsInfo, label: string, axis: number): Record<string, unknown> => ({
    type: 'line',
    name: label,
    xAxisIndex: axis,
    yAxisIndex: axis,
    data: evalCurve
      .filter((e) => typeof e.metrics[key] === 'number' && Number.isFinite(e.metrics[key]))
      .map((e) => [e.step, e.metrics[key] as number]),
    symbolSize: 5,
    lineStyle: { width: 1.5, color: METRIC_COLORS[key] },
    itemStyle: { color: METRIC_COLORS[key] },
    animation: false
  })
  const xMax = opts.totalSteps ?? 'dataMax'
  const legend = (names: string[], left: string): Record<string, unknown> => ({
    data: names,
    top: 0,
    left,
    itemWidth: 14,
    itemHeight: 8,
    textStyle: { color: COLORS.text, fontSize: 11 }
  })
  return {
    textStyle: FONT,
    animation: false,
    legend: [
      legend(
        DISTANCE_METRICS.map((m) => m.label),
        '64'
      ),
      legend(
        KNN_METRICS.map((m) => m.label),
        '56%'
      )
    ],
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : '')
    },
    grid: [
      { left: 64, right: '53%', top: 40, bottom: 44 },
      { left: '56%', right: 16, top: 40, bottom: 44 }
    ],
    xAxis: [
      valueAxis('step', { gridIndex: 0, min: 0, max: xMax, nameGap: 26 }),
      valueAxis('step', { gridIndex: 1, min: 0, max: xMax, nameGap: 26 })
    ],
    yAxis: [
      valueAxis('distance (lower is better)', { gridIndex: 0, scale: true, nameGap: 48 }),
      valueAxis('k-NN rate (higher is better)', { gridIndex: 1, min: 0, max: 1, nameGap: 34 })
    ],
    series: [
      ...DISTANCE_METRICS.map((m) => line(m.key, m.label, 0)),
      ...KNN_METRICS.map((m) => line(m.key, m.label, 1))
    ]
  } as EChartsOption
}
