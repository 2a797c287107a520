/**
 * What a benchmark's quality reads: `fd` (Fréchet distance in the workbench classifier's features: of the
 * images' classes, or of k-means clusters for unlabelled images) where every
 * scored row has it — image runs, whose pixel-space energy ranks samplers the wrong way round — and the held-out
 * energy distance otherwise. One rule for the engine's summary and the renderer's charts.
 */
import type { ImageFeatureBasis } from './api'

export type QualityMetric = 'energy' | 'fd'

interface Scored {
  metrics: { energy: number; fd?: number; fdFeatures?: ImageFeatureBasis } | null
}

/** The metric of a set of rows (a data set's rows in the summary, a report's table in the charts). */
export function qualityMetric(rows: readonly Scored[]): QualityMetric {
  const scored = rows.filter((r) => r.metrics)
  return scored.length > 0 && scored.every((r) => r.metrics!.fd !== undefined) ? 'fd' : 'energy'
}

/** What the classifier of a set of rows' `fd` learnt: clusters where a row says so, else the images' classes. */
export function fdFeatures(rows: readonly Scored[]): ImageFeatureBasis {
  return rows.some((r) => r.metrics?.fdFeatures === 'clusters') ? 'clusters' : 'classes'
}

/** How a UI names the feature space of an fd: "the workbench classifier's features" (of clusters when so). */
export function fdFeaturesText(basis: ImageFeatureBasis | undefined): string {
  return basis === 'clusters'
    ? "the features of the workbench's classifier of k-means clusters (the images have no labels)"
    : "the workbench classifier's features"
}

/** A row's score in `metric` (null without quality). */
export function qualityScore(r: Scored, metric: QualityMetric): number | null {
  return r.metrics ? (r.metrics[metric] ?? null) : null
}
