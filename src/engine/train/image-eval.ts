/** The image metrics of a run: its data set's classifier (trained once, cached) and the run's split. */
import * as path from 'node:path'
import { applyStandardization } from '../data'
import { ImageClassifier, ImageEvaluator, type ClassifierOptions } from '../metrics'
import type { Rng } from '../rng'
import type { Dataset, Points, Standardization } from '../types'

/** Classifiers are cached beside the runs: `<runs root>/.classifiers/classifier-<hash>.json`. */
export const classifierDir = (runsRoot: string): string => path.join(runsRoot, '.classifiers')

/**
 * The evaluator of a labelled image set (null for anything else): the classifier is trained on all the
 * standardised images (its own seeded 80/20 split gives its test accuracy), the yard-sticks on the run's split.
 */
export async function imageEvaluator(
  ds: Pick<Dataset, 'n' | 'd' | 'data' | 'image' | 'labels' | 'classes'>,
  stats: Standardization,
  split: { train: Points; heldout: Points },
  rng: Rng,
  opts: {
    cacheDir?: string
    log?: (msg: string) => void
    classifier?: Pick<ClassifierOptions, 'steps' | 'batch'>
  } = {}
): Promise<ImageEvaluator | null> {
  if (!ds.image || !ds.labels || !ds.classes || ds.classes.length < 2) return null
  const t0 = performance.now()
  const x = applyStandardization(ds, stats)
  const clf = await ImageClassifier.forData(x, ds.labels, ds.classes.length, {
    ...opts.classifier,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {})
  })
  const ev = new ImageEvaluator(clf, split.train, split.heldout, rng)
  opts.log?.(
    `image metrics: classifier test accuracy ${(100 * clf.accuracy).toFixed(1)} % (${clf.testSize} images); ` +
      `fdGaussian ${ev.fdGaussian.toPrecision(4)}, fdData ${ev.fdData.toPrecision(4)} ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)`
  )
  return ev
}
