/**
 * `runs.nearest`: the training image nearest to one sample image of an image run — the Gallery's memorisation
 * check, visual. The run's split is rebuilt exactly as its evaluation rebuilds it (`rebuildData`: the same
 * seeded split and pixel scaling), and kept, with its held-out reference distance, for the last few runs asked
 * about, so that the next click costs one search of the training split (N × d multiply-adds), not a reload.
 */
import type { DatasetPreview, NearestImage, NearestImageRequest } from '../shared/api'
import { applyStandardization, invertStandardization, isBuiltin } from '../engine/data'
import { ConfigError, StoreError } from '../engine/errors'
import {
  NEAREST_REFERENCE_QUERIES,
  heldoutNearestMedian,
  nearestTrainingImage
} from '../engine/metrics/nearest'
import type { RunStore } from '../engine/store'
import { rebuildData, runHeldout } from '../engine/train/evaluate'
import type { Points, Standardization } from '../engine/types'
import { previewOf } from './dataset-parse'

/** Runs whose split is kept (an MNIST-sized split is ≈ 25 MB). */
const KEEP = 2

interface Split {
  train: Points
  stats: Standardization
  heldoutMedian: number
  heldoutQueries: number
}

export class NearestImages {
  private readonly splits = new Map<string, Split>()

  constructor(private readonly store: RunStore) {}

  find(req: NearestImageRequest): NearestImage {
    const run = this.store.load(req.runId)
    const { dataset } = run.config
    if (!dataset.image)
      throw new StoreError(`Run "${req.runId}" was not trained on images: it has no nearest training image.`)
    if (req.pixels.length !== dataset.dim)
      throw new ConfigError(
        `Run "${req.runId}" has images of ${dataset.image.shape.join('×')} = ${dataset.dim} values; the request sent ${req.pixels.length}.`
      )
    const split = this.split(req.runId, run.config)
    const sample = applyStandardization(
      { n: 1, d: dataset.dim, data: Float32Array.from(req.pixels) },
      split.stats
    )
    const near = nearestTrainingImage(split.train, sample.data)
    const image = invertStandardization({ n: 1, d: dataset.dim, data: near.image }, split.stats)
    return {
      runId: req.runId,
      index: near.index,
      trainSize: split.train.n,
      image: Array.from(image.data),
      distance: near.distance,
      heldoutMedian: split.heldoutMedian,
      heldoutQueries: split.heldoutQueries
    }
  }

  /**
   * `runs.heldout`: a sample of the run's held-out rows (data units) — the rows its metrics score against — as a
   * dataset preview, for the Gallery's reference panel. A StoreError when the run's data can no longer be read
   * or changed since (the Gallery then falls back to the dataset's own preview).
   */
  heldout(runId: string, n: number): DatasetPreview {
    const { config } = this.store.load(runId)
    const { ds, heldout } = runHeldout(config)
    const rows = { ...ds, n: heldout.n, data: heldout.data, labels: undefined, classes: undefined }
    return {
      info: {
        id: config.dataset.spec,
        kind: isBuiltin(config.dataset.spec) ? 'builtin' : 'imported',
        title: config.dataset.name,
        rows: heldout.n,
        dim: heldout.d,
        ...(ds.image ? { image: { shape: ds.image.shape, range: ds.image.range } } : {})
      },
      ...previewOf(rows, n)
    }
  }

  /** Forgets a run's split (the run was removed). */
  forget(runId: string): void {
    this.splits.delete(runId)
  }

  private split(runId: string, config: Parameters<typeof rebuildData>[0]): Split {
    const kept = this.splits.get(runId)
    if (kept) {
      // Most recently used last.
      this.splits.delete(runId)
      this.splits.set(runId, kept)
      return kept
    }
    const { train, heldout, stats } = rebuildData(config)
    const split: Split = {
      train,
      stats,
      heldoutMedian: heldoutNearestMedian(heldout, train),
      heldoutQueries: Math.min(NEAREST_REFERENCE_QUERIES, heldout.n)
    }
    this.splits.set(runId, split)
    while (this.splits.size > KEEP) this.splits.delete(this.splits.keys().next().value!)
    return split
  }
}
