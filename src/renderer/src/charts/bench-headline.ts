/**
 * The Benchmark headline of one data set at one batch size, from a saved report (pure):
 * - it leads with the matched-quality comparison — the one-step map against the fastest K-step configuration
 *   whose held-out energy (fd for image runs: the comparison's `metric`) is at least as good (the engine's
 *   `matched`), or says that none reaches it;
 * - beside it, the best-quality comparison (the multi-step configuration with the lowest score), both scores
 *   shown, so a speed-up is never read without the quality it costs.
 * Every side carries its network evaluations per sample (NFE: Heun K = 1 is 2 calls) and its p50 latency.
 */
import type { BenchComparisonInfo, BenchReportInfo, BenchResultInfo } from '../../../shared/api'
import { configLabel, runLabels } from './bench'

/** One configuration as the headline shows it. */
export interface HeadlineSide {
  /** `energy · one step`, `cfm · heun K=8`. */
  label: string
  /** Its score in the headline's `metric` (null without quality). */
  score: number | null
  /** Network evaluations per sample. */
  nfe: number
  p50: number
}

export interface BenchHeadline {
  dataset: string
  batch: number
  /** What the scores are: held-out energy distance, or `fd` (image runs). */
  metric: 'energy' | 'fd'
  onestep: HeadlineSide
  /** The cheapest K-step configuration at least as good as the map; null when none is. */
  matched: (HeadlineSide & { speedup: number }) | null
  /** The best-quality K-step configuration, its latency over the map's and the map's score over its. */
  best: HeadlineSide & { latencyRatio: number; energyRatio: number | null }
}

type Ref = Pick<BenchResultInfo, 'run' | 'sampler' | 'steps'>

/** Network evaluations per sample of a configuration, from the report's rows (K when no row has it). */
export function nfeOf(table: readonly BenchResultInfo[], c: Ref): number {
  const row = table.find((r) => r.run === c.run && r.sampler === c.sampler && r.steps === c.steps)
  return row?.evaluations ?? (c.sampler === 'onestep' ? 1 : c.steps)
}

/** The headline of each compared data set at `batch` (the largest batch measured when `batch` is not). */
export function benchHeadlines(
  report: Pick<BenchReportInfo, 'table' | 'summary'>,
  batch: number
): BenchHeadline[] {
  const labels = runLabels(report.table)
  // The plane names its front's points the same way, so that the headline's configurations read alike there.
  const label = (c: Ref): string => configLabel(labels, c)
  const out: BenchHeadline[] = []
  for (const c of report.summary.comparisons as BenchComparisonInfo[]) {
    const at = c.byBatch.find((b) => b.batch === batch) ?? c.byBatch[c.byBatch.length - 1]
    if (!at) continue
    const metric = c.metric ?? 'energy'
    const side = (r: Ref & { energy: number | null; fd?: number | null }, p50: number): HeadlineSide => ({
      label: label(r),
      score: metric === 'fd' ? (r.fd ?? null) : r.energy,
      nfe: nfeOf(report.table, r),
      p50
    })
    out.push({
      dataset: c.dataset,
      batch: at.batch,
      metric,
      onestep: side(c.onestep, at.onestepP50),
      matched: at.matched ? { ...side(at.matched, at.matched.p50), speedup: at.matched.speedup } : null,
      best: { ...side(c.best, at.best.p50), latencyRatio: at.latencyRatio, energyRatio: c.energyRatio }
    })
  }
  return out
}
