/** Colours and text styles shared by every chart, matching the app's light theme (styles.css). */

export const COLORS = {
  data: '#8a94a6',
  samples: ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#0c8599', '#c92a2a'],
  grid: '#eef0f3',
  axis: '#98a2b3',
  text: '#475467'
} as const

export const METRIC_COLORS: Record<string, string> = {
  energy: '#3b5bdb',
  mmd: '#e8590c',
  slicedW2: '#2b8a3e',
  precision: '#ae3ec9',
  recall: '#0c8599',
  coverage: '#c92a2a',
  density: '#f08c00'
}

export const FONT = { fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' }

/** A value axis with a name in the middle, light split lines and readable labels. */
export function valueAxis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 28,
    nameTextStyle: { color: COLORS.text, fontSize: 12 },
    axisLine: { show: true, lineStyle: { color: COLORS.axis } },
    axisTick: { show: true, lineStyle: { color: COLORS.axis } },
    axisLabel: { color: COLORS.text, fontSize: 11, hideOverlap: true },
    splitLine: { lineStyle: { color: COLORS.grid } },
    ...extra
  }
}

/**
 * A fixed range for a value axis, with tick labels only at multiples of `step`: the end labels are hidden
 * where the range does not end on a tick (they would crowd the last tick's label). ECharts counts an explicit
 * `interval` from `min`, so it is only set when `min` is itself a multiple of `step`. A zoomable axis gets
 * ECharts' own nice ticks and never end labels (a zoom window ends anywhere: 4.37 is no label).
 */
export function rangeAxis(
  min: number,
  max: number,
  step?: number,
  zoomable = false
): Record<string, unknown> {
  if (!step) return { min, max }
  const onTick = (v: number): boolean => Math.abs(v / step - Math.round(v / step)) < 1e-9
  const label = { color: COLORS.text, fontSize: 11, hideOverlap: true }
  if (zoomable) return { min, max, axisLabel: { ...label, showMinLabel: false, showMaxLabel: false } }
  return {
    min,
    max,
    ...(onTick(min) ? { interval: step } : {}),
    axisLabel: { ...label, showMinLabel: onTick(min), showMaxLabel: onTick(max) }
  }
}

/** The sample colour of the `k`-th series. */
export function sampleColor(k: number): string {
  return COLORS.samples[k % COLORS.samples.length]!
}

/**
 * User text (a run's name) as HTML for a tooltip formatter, whose string ECharts renders as markup: names are the
 * user's text, not markup (a name like `<img src=x onerror=…>` would run script).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
