/**
 * Benchmark charts, as ECharts options built from a saved report (pure functions):
 * - latency against network evaluations per sample (NFE, log–log: Heun's K steps are 2K calls), one line per
 *   multi-step (run, sampler), one-step maps as dashed horizontal lines — at one batch size;
 * - the quality–latency Pareto plane: held-out energy distance (fd for image runs) against p50 latency, each
 *   axis on a log scale where its values span a decade or more (pareto.ts); the Pareto front drawn as a line,
 *   its points emphasised and named, the configurations it beats faded (named on hover and in the tooltip);
 * - throughput bars (samples/s, log) per batch size: every one-step map next to every multi-step sampler at
 *   its best K.
 * A multi-step configuration is timed fused (one `session.run`) and as K separate calls; charts take the
 * faster of the two, as the engine's summary does. Every chart gives a run one colour and a sampler one symbol
 * (marks.ts), so that a report of twenty (run, sampler) lines stays legible; past six, the legend is a
 * scrolling column beside the plot.
 */
import { fdFeatures, qualityMetric, qualityScore } from '../../../shared/quality'
import type { EChartsOption } from 'echarts'
import type { BenchReportInfo, BenchResultInfo, ObjectiveFamily } from '../../../shared/api'
import { COLORS, escapeHtml, FONT, valueAxis } from './theme'
import { lineSymbol, runColors } from './marks'
import { axisScale, dominator, logBounds, paretoFront, type AxisScale } from './pareto'

export { paretoFront } from './pareto'

/** One (run, sampler) of a report: a one-step map, or a multi-step sampler over its K grid. */
export interface BenchLine {
  key: string
  label: string
  run: string
  sampler: BenchResultInfo['sampler']
  onestep: boolean
  /** The run's colour (every line of a run shares it). */
  color: string
  /** The sampler's symbol; a one-step map's tells its objective's family where the view knows it. */
  symbol: string
  /** The faster way of each K at the chosen batch, K ascending. */
  points: BenchResultInfo[]
}

/**
 * A report's row, with the run's name where the view knows it (the Runs list; absent for a deleted run) and its
 * objective's family (the engine's registry).
 */
export type NamedResult = BenchResultInfo & { name?: string; family?: ObjectiveFamily }

/**
 * Short name of a run in legends: the name the user gave it, else its objective — with the run id's tail where
 * two runs would read the same.
 */
export function runLabels(table: readonly NamedResult[]): Map<string, string> {
  const base = new Map<string, string>()
  for (const r of table) {
    if (base.has(r.run)) continue
    const given = r.name && r.name !== `${r.objective} on ${r.dataset}` ? r.name : null
    base.set(r.run, given ?? r.objective)
  }
  const count = new Map<string, number>()
  for (const label of base.values()) count.set(label, (count.get(label) ?? 0) + 1)
  const out = new Map<string, string>()
  for (const [id, label] of base) out.set(id, count.get(label)! > 1 ? `${label} (${id.slice(-6)})` : label)
  return out
}

/**
 * How the headline and the plane name one configuration: `energy · one step`, `cfm · heun K=8` (`labels` from
 * `runLabels`).
 */
export function configLabel(
  labels: ReadonlyMap<string, string>,
  c: Pick<BenchResultInfo, 'run' | 'sampler' | 'steps'>
): string {
  return `${labels.get(c.run) ?? c.run} · ${c.sampler === 'onestep' ? 'one step' : `${c.sampler} K=${c.steps}`}`
}

/**
 * The lines of a report at one batch size, one-step maps first, each point the faster way of its K; a colour per
 * run and a symbol per sampler, dealt over the whole report so that they do not change with the batch size.
 */
export function benchLines(report: Pick<BenchReportInfo, 'table'>, batch: number): BenchLine[] {
  const table = report.table as readonly NamedResult[]
  const labels = runLabels(table)
  const family = new Map(table.map((r) => [r.run, r.family]))
  const symbols = new Map<string, string[]>()
  for (const r of table) {
    const s = lineSymbol(r.sampler, family.get(r.run))
    const list = symbols.get(r.run) ?? []
    if (!list.includes(s)) list.push(s)
    symbols.set(r.run, list)
  }
  // Runs with a one-step map first, as their lines are.
  const onestepFirst = [...table.filter((r) => r.sampler === 'onestep'), ...table]
  const order = [...new Set(onestepFirst.map((r) => r.run))]
  const colors = runColors(order.map((run) => ({ run, symbols: symbols.get(run)! })))
  const lines = new Map<string, BenchLine>()
  for (const r of report.table) {
    if (r.batch !== batch) continue
    const key = `${r.run}|${r.sampler}`
    let line = lines.get(key)
    if (!line) {
      const onestep = r.sampler === 'onestep'
      line = {
        key,
        label: onestep ? `${labels.get(r.run)} · one step` : `${labels.get(r.run)} · ${r.sampler}`,
        run: r.run,
        sampler: r.sampler,
        onestep,
        color: colors.get(r.run)!,
        symbol: lineSymbol(r.sampler, family.get(r.run)),
        points: []
      }
      lines.set(key, line)
    }
    const i = line.points.findIndex((p) => p.steps === r.steps)
    if (i < 0) line.points.push(r)
    else if (r.latencyMs.p50 < line.points[i]!.latencyMs.p50) line.points[i] = r
  }
  const out = [...lines.values()].sort((a, b) => Number(b.onestep) - Number(a.onestep))
  for (const l of out) l.points.sort((a, b) => a.steps - b.steps)
  return out
}

/** Batch sizes of a report, ascending. */
export function reportBatches(report: Pick<BenchReportInfo, 'table'>): number[] {
  return [...new Set(report.table.map((r) => r.batch))].sort((a, b) => a - b)
}

/** 612k, 4.1M, 950: a rate for a bar label. */
export function compactRate(v: number): string {
  if (!Number.isFinite(v)) return ''
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)}k`
  return v.toPrecision(3)
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3))

/** A configuration's tooltip: run · sampler, K, NFE, latency, how it was timed, throughput and quality. */
function pointTip(r: BenchResultInfo, label: string): string {
  const how =
    r.sampler === 'onestep' ? 'one call' : r.fused ? 'fused graph, one call' : `${r.steps} separate calls`
  const q = r.metrics
    ? (r.metrics.fd !== undefined ? `<br/>fd ${r.metrics.fd.toPrecision(3)}` : '') +
      `<br/>energy ${r.metrics.energy.toPrecision(3)} · recall ${r.metrics.recall.toFixed(2)}`
    : ''
  return (
    `<b>${escapeHtml(label)}</b>${r.sampler === 'onestep' ? '' : ` · K = ${r.steps}`} · ${r.evaluations} NFE<br/>` +
    `p50 ${ms(r.latencyMs.p50)} ms (p10 ${ms(r.latencyMs.p10)}, p90 ${ms(r.latencyMs.p90)}) · ${how}` +
    `<br/>${Math.round(r.samplesPerSec).toLocaleString('en-US')} samples/s at batch ${r.batch}${q}`
  )
}

/** Tooltips show the `tip` each data item carries (see `pointTip`). */
const itemTooltip = {
  trigger: 'item',
  formatter: (p: unknown) => (p as { data?: { tip?: string } }).data?.tip ?? ''
}

/** Past this many entries the legend leaves the row above the plot for a scrolling column beside it. */
export const LEGEND_ROW_MAX = 6
/** The width of that column, in pixels: the grid's right margin grows by it. */
export const LEGEND_COLUMN = 190

const legendText = { color: COLORS.text, fontSize: 11 }

/**
 * What every benchmark chart shares: font, no animation, item tooltips, its own grid, and a legend of `entries`
 * names — a row above the plot for a few, a scrolling column beside it (names cut to its width, whole on
 * hover) for more, so that a crowded report's legend never takes the plot's height. `order` fixes the
 * legend's order where it is not the series'.
 */
function frame(grid: Record<string, number>, entries: number, order?: string[]): Record<string, unknown> {
  const column = entries > LEGEND_ROW_MAX
  const legend = column
    ? {
        type: 'scroll',
        orient: 'vertical',
        right: 4,
        top: 8,
        bottom: 8,
        width: LEGEND_COLUMN - 16,
        itemWidth: 18,
        itemHeight: 10,
        itemGap: 7,
        textStyle: { ...legendText, width: LEGEND_COLUMN - 52, overflow: 'truncate' },
        tooltip: { show: true },
        ...(order ? { data: order } : {})
      }
    : {
        type: 'scroll',
        top: 0,
        left: 60,
        right: 16,
        itemWidth: 16,
        itemHeight: 8,
        textStyle: legendText,
        ...(order ? { data: order } : {})
      }
  return {
    textStyle: FONT,
    animation: false,
    legend,
    grid: column ? { ...grid, top: 16, right: grid.right! + LEGEND_COLUMN } : grid,
    tooltip: itemTooltip
  }
}

/** The lines in legend order: grouped by run (its one-step map, then its samplers), runs in the lines' order. */
function byRun(lines: readonly BenchLine[]): BenchLine[] {
  const runs = [...new Set(lines.map((l) => l.run))]
  return runs.flatMap((run) => lines.filter((l) => l.run === run))
}

/**
 * Latency p50 against network evaluations per sample (log–log) at one batch size, so that samplers of
 * different orders share one cost axis; one-step maps as dashed horizontal lines.
 */
export function latencyVsStepsOption(
  report: Pick<BenchReportInfo, 'table'>,
  batch: number
): EChartsOption | null {
  const lines = benchLines(report, batch)
  if (lines.length === 0) return null
  const multi = lines.filter((l) => !l.onestep)
  const nfes = multi.flatMap((l) => l.points.map((p) => p.evaluations))
  const kMax = Math.max(2, ...nfes)
  const series = lines.map((l) =>
    l.onestep
      ? {
          type: 'line',
          name: l.label,
          // The map's symbol at NFE 1 tells apart maps that share a colour (they differ in family).
          data: [
            { value: [1, l.points[0]!.latencyMs.p50], symbol: l.symbol, symbolSize: 10 },
            [kMax, l.points[0]!.latencyMs.p50]
          ],
          symbol: 'none',
          lineStyle: { type: 'dashed', width: 2, color: l.color },
          itemStyle: { color: l.color },
          tooltip: { show: false },
          endLabel: { show: true, formatter: '1 call', color: l.color, fontSize: 11 },
          labelLayout: { hideOverlap: true },
          emphasis: { focus: 'series' }
        }
      : {
          type: 'line',
          name: l.label,
          data: l.points.map((p) => ({ value: [p.evaluations, p.latencyMs.p50], tip: pointTip(p, l.label) })),
          symbol: l.symbol,
          symbolSize: 7,
          lineStyle: { width: 2, color: l.color },
          itemStyle: { color: l.color },
          emphasis: { focus: 'series' }
        }
  )
  return {
    ...frame(
      { left: 64, right: 56, top: 36, bottom: 46 },
      lines.length,
      byRun(lines).map((l) => l.label)
    ),
    xAxis: valueAxis('network evaluations per sample, NFE (log scale)', {
      type: 'log',
      min: 1,
      max: kMax,
      logBase: 10
    }),
    yAxis: valueAxis(`p50 latency, ms, batch ${batch} (log scale)`, { type: 'log', nameGap: 48 }),
    series
  } as EChartsOption
}

const METRIC_AXIS = {
  energy: 'held-out energy distance (lower is better',
  fd: 'fd, classifier features (lower is better',
  fdClusters: 'fd, cluster-classifier features (lower is better'
} as const

/** One point of the quality–latency plane. */
export interface ParetoPoint {
  latency: number
  /** Its score in the report's metric (energy, or fd for image runs). */
  score: number
  /** The configuration as the headline names it (`configLabel`). */
  label: string
  result: BenchResultInfo
}

/** Opacity of the configurations the front beats (full again when their line is hovered). */
export const DOMINATED_OPACITY = 0.35
/** The front's line, the rim of its points and the shade over the region it beats. */
const FRONT_COLOR = '#344054'

/** A plane axis: log within the 1–2–5 bounds of its values, or linear fitted to them (zero left out). */
function planeAxis(scale: AxisScale, values: readonly number[]): Record<string, unknown> {
  if (scale === 'value') return { scale: true }
  const [min, max] = logBounds(values)
  return { type: 'log', min, max }
}

/**
 * The quality–latency plane at one batch size: held-out energy distance (fd for image runs) against p50
 * latency, each axis on a log scale only where its values span a decade (`axisScale`). The Pareto front (the
 * best quality for its latency) is a solid staircase carried to the slowest configuration, the region it beats
 * lightly shaded; its points are drawn larger with a dark rim and named as the headline names configurations
 * (overlapping names move apart, or hide); every other configuration is faded and unnamed — hovering a point or a
 * legend entry brings its line back with its K. One colour per run, one symbol per sampler (one-step maps: by
 * family). Null when the report has no quality.
 */
export function paretoOption(report: Pick<BenchReportInfo, 'table'>, batch: number): EChartsOption | null {
  const lines = benchLines(report, batch)
  const metric = qualityMetric(report.table)
  const labels = runLabels(report.table)
  const points = new Map<BenchResultInfo, ParetoPoint>()
  for (const l of lines)
    for (const r of l.points) {
      const score = qualityScore(r, metric)
      // A log axis has no room for a score at or below zero (the unbiased energy can dip under it).
      if (score !== null && score > 0)
        points.set(r, { latency: r.latencyMs.p50, score, label: configLabel(labels, r), result: r })
    }
  if (points.size === 0) return null
  const all = [...points.values()]
  const front = paretoFront(all)
  const onFront = new Set(front)
  const xScale = axisScale(all.map((p) => p.latency))
  const yScale = axisScale(all.map((p) => p.score))
  const tip = (p: ParetoPoint, line: BenchLine): string => {
    const beaten = onFront.has(p) ? null : dominator(p, front)
    const note = onFront.has(p)
      ? 'On the Pareto front: nothing measured is both faster and better.'
      : beaten
        ? `Beaten on latency and ${metric} by ${escapeHtml(beaten.label)}.`
        : ''
    return `${pointTip(p.result, line.label)}${note ? `<br/><i>${note}</i>` : ''}`
  }
  const series: Record<string, unknown>[] = lines.map((l) => {
    const mine = l.points.map((r) => points.get(r)).filter((p): p is ParetoPoint => p !== undefined)
    // A star fills less of its box than a diamond: one size up.
    const size = (l.onestep ? 13 : 8) + (l.symbol.startsWith('path://') ? 3 : 0)
    const data = mine.map((p) =>
      onFront.has(p)
        ? {
            value: [p.latency, p.score],
            tip: tip(p, l),
            k: p.result.steps,
            front: true,
            symbolSize: size + 4,
            itemStyle: { opacity: 1, borderColor: FRONT_COLOR, borderWidth: 1.5 },
            // Below-right of a front point lies only the region under the staircase, which nothing reaches.
            label: {
              show: true,
              formatter: p.label,
              position: 'bottom',
              align: 'left',
              distance: 4,
              color: COLORS.text,
              fontWeight: 600,
              textBorderColor: '#fff',
              textBorderWidth: 3
            }
          }
        : {
            value: [p.latency, p.score],
            tip: tip(p, l),
            k: p.result.steps,
            front: false,
            itemStyle: { opacity: DOMINATED_OPACITY }
          }
    )
    const onIt = data.some((d) => d.front)
    return {
      type: l.onestep ? 'scatter' : 'line',
      name: l.label,
      data,
      symbol: l.symbol,
      symbolSize: size,
      ...(l.onestep ? {} : { lineStyle: { width: 1.5, color: l.color, opacity: onIt ? 0.5 : 0.25 } }),
      itemStyle: { color: l.color, borderColor: '#fff', borderWidth: 1 },
      // Unnamed off the front; on hover a one-step map shows its run, a K-step path each point's K.
      label: {
        show: false,
        position: 'right',
        distance: 6,
        fontSize: 11,
        color: l.color,
        formatter: l.onestep
          ? (labels.get(l.run) ?? l.run)
          : (p: unknown) => `K=${(p as { data: { k: number } }).data.k}`
      },
      labelLine: { show: true, lineStyle: { color: COLORS.axis, width: 1 } },
      labelLayout: { hideOverlap: true, moveOverlap: 'shiftY' },
      emphasis: {
        focus: 'series',
        itemStyle: { opacity: 1 },
        lineStyle: { opacity: 1, width: 2 },
        label: { show: true, opacity: 1 }
      },
      z: onIt ? 4 : 3
    }
  })
  // The front as the best score reachable within each latency, out to the slowest configuration measured.
  const slowest = Math.max(...all.map((p) => p.latency))
  const last = front[front.length - 1]!
  const stairs = front.map((p) => [p.latency, p.score])
  if (slowest > last.latency) stairs.push([slowest, last.score])
  series.push({
    type: 'line',
    name: 'Pareto front',
    data: stairs,
    step: 'end',
    symbol: 'none',
    lineStyle: { width: 2, color: FRONT_COLOR },
    itemStyle: { color: FRONT_COLOR },
    areaStyle: { origin: 'end', color: FRONT_COLOR, opacity: 0.05 },
    tooltip: { show: false },
    emphasis: { disabled: true },
    silent: true,
    z: 2
  })
  const logNote = (s: AxisScale): string => (s === 'log' ? ', log scale' : '')
  const metricAxis =
    METRIC_AXIS[metric === 'fd' && fdFeatures(report.table) === 'clusters' ? 'fdClusters' : metric]
  const legendNames = [...byRun(lines).map((l) => l.label), 'Pareto front']
  return {
    ...frame({ left: 72, right: 24, top: 36, bottom: 46 }, legendNames.length, legendNames),
    xAxis: valueAxis(
      `p50 latency, ms, batch ${batch}${xScale === 'log' ? ' (log scale)' : ''}`,
      planeAxis(
        xScale,
        all.map((p) => p.latency)
      )
    ),
    yAxis: valueAxis(`${metricAxis}${logNote(yScale)})`, {
      ...planeAxis(
        yScale,
        all.map((p) => p.score)
      ),
      nameGap: 52
    }),
    series
  } as EChartsOption
}

/**
 * The configuration a throughput bar shows for a multi-step line: the K with the lowest energy (fd for image
 * runs: the best the sampler does; ties: the smaller K), or the largest K without quality.
 */
export function bestK(points: readonly BenchResultInfo[]): number {
  const scored = points.filter((p) => p.metrics)
  if (scored.length === 0) return Math.max(...points.map((p) => p.steps))
  const metric = qualityMetric(scored)
  return scored.reduce((a, b) => (qualityScore(b, metric)! < qualityScore(a, metric)! ? b : a)).steps
}

/** White stripes over a bar (ECharts decal), rotated per sampler. */
const STRIPES = {
  symbol: 'rect',
  symbolSize: 1,
  dashArrayX: [1, 0],
  dashArrayY: [2, 4],
  color: 'rgba(255, 255, 255, 0.55)'
}

/** Samples/s (log) by batch size: one-step maps next to each multi-step sampler at its best K. */
export function throughputOption(report: Pick<BenchReportInfo, 'table'>): EChartsOption | null {
  const batches = reportBatches(report)
  if (batches.length === 0) return null
  // Grouped by run, so that a run's bars (one colour: plain, then striped) stand together.
  const largest = byRun(benchLines(report, batches[batches.length - 1]!))
  const series = largest.map((l) => {
    const k = l.onestep ? 1 : bestK(l.points)
    const name = l.onestep ? l.label : `${l.label} K=${k}`
    // A run's bars share its colour: its second and later samplers are striped, each at its own angle.
    const nth = largest.filter((x) => x.run === l.run).indexOf(l)
    return {
      type: 'bar',
      name,
      barMaxWidth: 36,
      itemStyle: {
        color: l.color,
        ...(nth > 0 ? { decal: { ...STRIPES, rotation: (nth * Math.PI) / 4 } } : {})
      },
      label: {
        show: true,
        position: 'top',
        fontSize: 10,
        color: COLORS.text,
        formatter: (p: unknown) => compactRate((p as { value: number }).value)
      },
      labelLayout: { hideOverlap: true },
      data: batches.map((b) => {
        const r = benchLines(report, b)
          .find((x) => x.key === l.key)
          ?.points.find((p) => p.steps === k)
        return r ? { value: r.samplesPerSec, tip: pointTip(r, l.label) } : { value: null }
      })
    }
  })
  return {
    ...frame({ left: 72, right: 16, top: 36, bottom: 46 }, largest.length),
    xAxis: {
      type: 'category',
      name: 'batch size',
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { color: COLORS.text, fontSize: 12 },
      data: batches.map(String),
      axisLabel: { color: COLORS.text },
      axisLine: { lineStyle: { color: COLORS.axis } }
    },
    yAxis: valueAxis('samples/s (log scale)', {
      type: 'log',
      nameGap: 56,
      // Bars grow from the axis floor: start a decade below the smallest bar, not at 1.
      min: (v: { min: number }) => 10 ** Math.floor(Math.log10(Math.max(v.min, 1e-9)) - 0.5)
    }),
    series
  } as EChartsOption
}
