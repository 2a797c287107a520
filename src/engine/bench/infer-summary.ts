/** The summary of an inference benchmark's result table: one-step against multi-step, fused against separate. */
import { qualityMetric, qualityScore } from '../../shared/quality'
import { round } from './infer-timing'
import type {
  BatchComparison,
  BenchResult,
  BenchSummary,
  ConfigRef,
  DatasetComparison,
  FusedGain
} from './infer-types'

/** The summary of a result table (pure). */
export function summarize(results: readonly BenchResult[]): BenchSummary {
  const notes: string[] = []
  const comparisons: DatasetComparison[] = []
  const datasets = [...new Set(results.map((r) => r.dataset))]
  for (const ds of datasets) {
    const rows = results.filter((r) => r.dataset === ds)
    // Image runs rank by fd (where every scored row has it), everything else by held-out energy.
    const metric = qualityMetric(rows)
    const energyOf = (r: BenchResult): number | null => qualityScore(r, metric)
    const ref = (r: BenchResult): ConfigRef => ({
      run: r.run,
      objective: r.objective,
      sampler: r.sampler,
      steps: r.steps,
      energy: r.metrics?.energy ?? null,
      ...(metric === 'fd' ? { fd: r.metrics?.fd ?? null } : {})
    })
    const one = rows.filter((r) => r.sampler === 'onestep')
    const multi = rows.filter((r) => r.sampler !== 'onestep')
    if (one.length === 0 || multi.length === 0) {
      notes.push(`${ds}: no ${one.length === 0 ? 'one-step' : 'multi-step'} run to compare with.`)
      continue
    }
    // The one-step run: lowest energy (fd) (the first without quality).
    const oneRuns = [...new Set(one.map((r) => r.run))]
    const oneBest = oneRuns
      .map((id) => one.find((r) => r.run === id)!)
      .reduce((a, b) => ((energyOf(b) ?? Infinity) < (energyOf(a) ?? Infinity) ? b : a))
    // The best multi-step configuration: lowest energy at the largest K.
    const kMax = Math.max(...multi.map((r) => r.steps))
    const atMax = multi.filter((r) => r.steps === kMax)
    const bestRow = atMax.reduce((a, b) => ((energyOf(b) ?? Infinity) < (energyOf(a) ?? Infinity) ? b : a))
    const same = (a: BenchResult, b: BenchResult): boolean =>
      a.run === b.run && a.sampler === b.sampler && a.steps === b.steps
    const e1 = energyOf(oneBest)
    const eBest = energyOf(bestRow)
    const configs = new Map<string, BenchResult[]>()
    for (const r of multi) {
      const key = `${r.run}|${r.sampler}|${r.steps}`
      configs.set(key, [...(configs.get(key) ?? []), r])
    }
    const byBatch: BatchComparison[] = []
    for (const batch of [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b)) {
      const o = one.find((r) => r.run === oneBest.run && r.batch === batch)
      const bestTimed = multi.filter((r) => same(r, bestRow) && r.batch === batch)
      if (!o || bestTimed.length === 0) continue
      const fastest = (rs: BenchResult[]): BenchResult =>
        rs.reduce((a, b) => (b.latencyMs.p50 < a.latencyMs.p50 ? b : a))
      const b = fastest(bestTimed)
      let matched: BatchComparison['matched'] = null
      if (e1 !== null) {
        const ok = multi.filter((r) => r.batch === batch && energyOf(r) !== null && energyOf(r)! <= e1)
        if (ok.length > 0) {
          const m = fastest(ok)
          matched = {
            ...ref(m),
            fused: m.fused,
            form: m.form,
            p50: m.latencyMs.p50,
            speedup: round(m.latencyMs.p50 / o.latencyMs.p50, 2)
          }
        }
      }
      byBatch.push({
        batch,
        onestepP50: o.latencyMs.p50,
        best: { fused: b.fused, form: b.form, p50: b.latencyMs.p50 },
        latencyRatio: round(b.latencyMs.p50 / o.latencyMs.p50, 2),
        matched
      })
    }
    if (e1 !== null && byBatch.every((b) => b.matched === null))
      notes.push(
        `${ds}: no multi-step configuration of the grid reaches the one-step map's ${metric} ${fmt(e1)}; ` +
          `the matched-quality speed-up is above every latency ratio measured.`
      )
    comparisons.push({
      dataset: ds,
      onestep: ref(oneBest),
      best: ref(bestRow),
      metric,
      energyRatio: e1 !== null && eBest !== null ? round(e1 / eBest, 3) : null,
      byBatch
    })
  }
  const fusedVsSeparate: FusedGain[] = []
  const pairs = new Map<string, BenchResult[]>()
  for (const r of results) {
    if (r.sampler === 'onestep') continue
    const key = `${r.run}|${r.sampler}`
    pairs.set(key, [...(pairs.get(key) ?? []), r])
  }
  for (const rs of pairs.values()) {
    const kMax = Math.max(...rs.map((r) => r.steps))
    for (const batch of [...new Set(rs.map((r) => r.batch))].sort((a, b) => a - b)) {
      const fs = rs.filter((r) => r.steps === kMax && r.batch === batch && r.fused)
      const s = rs.find((r) => r.steps === kMax && r.batch === batch && !r.fused)
      if (fs.length === 0 || !s) continue
      const f = fs.reduce((a, b) => (b.latencyMs.p50 < a.latencyMs.p50 ? b : a))
      fusedVsSeparate.push({
        run: f.run,
        sampler: f.sampler,
        steps: kMax,
        batch,
        form: f.form,
        fusedP50: f.latencyMs.p50,
        separateP50: s.latencyMs.p50,
        speedup: round(s.latencyMs.p50 / f.latencyMs.p50, 2)
      })
    }
  }
  return { comparisons, fusedVsSeparate, notes }
}

function fmt(v: number): string {
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3)
}
