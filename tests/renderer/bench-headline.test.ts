import { describe, expect, it } from 'vitest'
import type { BenchReportInfo } from '../../src/shared/api'
import { latencyVsStepsOption } from '../../src/renderer/src/charts/bench'
import { benchHeadlines, nfeOf } from '../../src/renderer/src/charts/bench-headline'
import { captioned, captionHeight } from '../../src/renderer/src/charts/setup'
import { benchReport, benchRow } from './fixtures'

type Obj = Record<string, unknown>

/** The fixture with Heun rows (2 network evaluations per step) next to Euler, at batch 64. */
function withHeun(): BenchReportInfo {
  const r = benchReport()
  const heun = [1, 4].map((steps) =>
    benchRow({
      run: 'run-2',
      objective: 'cfm',
      sampler: 'heun',
      steps,
      evaluations: 2 * steps,
      latencyMs: { p10: 0.18 * steps, p50: 0.2 * steps, p90: 0.24 * steps },
      metrics: { energy: 0.003, mmd: 0.001, precision: 0.9, recall: 0.9, coverage: 0.9 }
    })
  )
  return { ...r, table: [...r.table, ...heun] }
}

describe('benchmark headline', () => {
  it('leads with the matched-quality comparison and shows the best-quality one with both energies', () => {
    const report = benchReport()
    const [h] = benchHeadlines(report, 64)
    expect(h).toMatchObject({
      dataset: '8gaussians',
      batch: 64,
      metric: 'energy',
      onestep: { label: 'energy · one step', score: 0.004, nfe: 1, p50: 0.1 },
      matched: { label: 'cfm · euler K=16', score: 0.002, nfe: 16, p50: 1.6, speedup: 16 },
      best: { label: 'cfm · euler K=16', score: 0.002, latencyRatio: 16, energyRatio: 2 }
    })
    // A batch size the comparison lacks falls back to the largest one measured.
    expect(benchHeadlines(report, 999)[0]!.batch).toBe(64)
  })

  it('matches against the cheapest configuration at least as good, not the best one', () => {
    const report = benchReport()
    const c = report.summary.comparisons[0]!
    const byBatch = c.byBatch.map((b) => ({
      ...b,
      matched: { ...b.matched!, sampler: 'heun' as const, steps: 4, energy: 0.003, p50: 0.8, speedup: 8 }
    }))
    const [h] = benchHeadlines(
      { table: withHeun().table, summary: { ...report.summary, comparisons: [{ ...c, byBatch }] } },
      64
    )
    expect(h!.matched).toMatchObject({ label: 'cfm · heun K=4', nfe: 8, speedup: 8, score: 0.003 })
    expect(h!.best).toMatchObject({ label: 'cfm · euler K=16', nfe: 16, score: 0.002 })
  })

  it("image runs: the sides' scores are fd when the comparison ranks by it", () => {
    const report = benchReport()
    const c = report.summary.comparisons[0]!
    const fd = {
      ...c,
      metric: 'fd' as const,
      onestep: { ...c.onestep, fd: 12 },
      best: { ...c.best, fd: 6 },
      byBatch: c.byBatch.map((b) => ({ ...b, matched: { ...b.matched!, fd: 6 } }))
    }
    const [h] = benchHeadlines({ ...report, summary: { ...report.summary, comparisons: [fd] } }, 64)
    expect(h).toMatchObject({
      metric: 'fd',
      onestep: { score: 12 },
      matched: { score: 6 },
      best: { score: 6 }
    })
  })

  it('says when no K-step configuration reaches the map (matched is null)', () => {
    const report = benchReport()
    const c = report.summary.comparisons[0]!
    const none = { ...c, byBatch: c.byBatch.map((b) => ({ ...b, matched: null })) }
    const [h] = benchHeadlines({ ...report, summary: { ...report.summary, comparisons: [none] } }, 64)
    expect(h!.matched).toBeNull()
    expect(h!.best.score).toBe(0.002)
  })

  it('counts network evaluations from the rows: Heun K=1 is 2 calls', () => {
    const t = withHeun().table
    expect(nfeOf(t, { run: 'run-2', sampler: 'heun', steps: 1 })).toBe(2)
    expect(nfeOf(t, { run: 'run-2', sampler: 'euler', steps: 4 })).toBe(4)
    expect(nfeOf(t, { run: 'run-1', sampler: 'onestep', steps: 1 })).toBe(1)
  })
})

describe('latency chart', () => {
  it('puts network evaluations on the cost axis, not K', () => {
    const o = latencyVsStepsOption(withHeun(), 64) as unknown as { xAxis: Obj; series: Obj[] }
    expect(String(o.xAxis.name)).toContain('NFE')
    expect(o.xAxis.max).toBe(16)
    const heun = o.series.find((s) => s.name === 'cfm · heun')!
    expect((heun.data as { value: number[] }[]).map((d) => d.value[0])).toEqual([2, 8])
    const map = o.series.find((s) => s.name === 'energy · one step')!
    // The first point carries the map's symbol.
    const x = (d: number[] | { value: number[] }): number => (Array.isArray(d) ? d[0]! : d.value[0]!)
    expect((map.data as (number[] | { value: number[] })[]).map(x)).toEqual([1, 16])
  })
})

describe('saved charts', () => {
  it('carry a title block above the plot: grids and legend move down by its height', () => {
    const option = { grid: { left: 60, top: 36 }, legend: { top: 0 }, series: [] }
    const caption = { title: 'Quality–latency Pareto', sub: 'data 8gaussians · batch 64 · 2 × Test CPU' }
    const o = captioned(option, caption) as unknown as Record<string, Obj>
    expect(o.title).toMatchObject({ text: caption.title, subtext: caption.sub })
    expect(o.grid).toMatchObject({ left: 60, top: 36 + captionHeight(caption) })
    expect(o.legend).toMatchObject({ top: captionHeight(caption) })
    const grids = captioned({ grid: [{ top: 10 }, { top: 20 }] }, { title: 't' }) as unknown as {
      grid: Obj[]
    }
    expect(grids.grid.map((g) => g.top)).toEqual([38, 48])
    expect(captioned(option, undefined)).toBe(option)
  })
})
