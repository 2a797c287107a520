/**
 * What a benchmark's quality reads: `fd` (Fréchet distance in the workbench classifier's features) where every
 * scored row has it — image runs, whose pixel-space energy ranks samplers the wrong way round — and the held-out
 * energy distance otherwise. One rule for the engine's summary and the renderer's charts.
 */
export type QualityMetric = 'energy' | 'fd'

interface Scored {
  metrics: { energy: number; fd?: number } | null
}

/** The metric of a set of rows (a data set's rows in the summary, a report's table in the charts). */
export function qualityMetric(rows: readonly Scored[]): QualityMetric {
  const scored = rows.filter((r) => r.metrics)
  return scored.length > 0 && scored.every((r) => r.metrics!.fd !== undefined) ? 'fd' : 'energy'
}

/** A row's score in `metric` (null without quality). */
export function qualityScore(r: Scored, metric: QualityMetric): number | null {
  return r.metrics ? (r.metrics[metric] ?? null) : null
}
