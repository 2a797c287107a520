/** The image metrics of a run: its data set's classifier (trained once, cached) and the run's split. */
import * as path from 'node:path'
import { applyStandardization } from '../data'
import { ImageClassifier, ImageEvaluator, kmeans, type ClassifierOptions } from '../metrics'
import { Rng } from '../rng'
import type { Dataset, Points, Standardization } from '../types'

/** Classifiers are cached beside the runs: `<runs root>/.classifiers/classifier-<hash>.json`. */
export const classifierDir = (runsRoot: string): string => path.join(runsRoot, '.classifiers')

/** Clusters the classifier learns where an image set has no labels (MNIST's digit count). */
export const IMAGE_CLUSTERS = 10

/**
 * The evaluator of an image set (null for anything else): its classifier is trained on all the standardised
 * images (its own seeded 80/20 split gives its test accuracy), the yard-sticks on the run's split. The classifier
 * learns the images' labels, or — for images without labels (a folder, an `.npy`, a table without a label
 * column) — `IMAGE_CLUSTERS` k-means clusters of their pixels (seeded): on mnist with its labels withheld its
 * features rank runs as the labels' classifier does (docs/benchmarks.md), where an autoencoder's code scored a
 * Gaussian fitted to the pixels as close to the data as a trained flow. Fewer than 2 × IMAGE_CLUSTERS unlabelled
 * images get no image metrics (null, and a log line saying why).
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
  if (!ds.image) return null
  const t0 = performance.now()
  const x = applyStandardization(ds, stats)
  const labelled = ds.labels !== undefined && ds.classes !== undefined && ds.classes.length >= 2
  let labels: Int32Array
  let classes: number
  let what: string
  if (labelled) {
    labels = ds.labels!
    classes = ds.classes!.length
    what = 'classifier'
  } else {
    if (x.n < 2 * IMAGE_CLUSTERS) {
      opts.log?.(
        `image metrics: skipped — they cluster unlabelled images into ${IMAGE_CLUSTERS} groups, and ${x.n} images are too few (at least ${2 * IMAGE_CLUSTERS}).`
      )
      return null
    }
    const km = kmeans(x, IMAGE_CLUSTERS, new Rng(0x6b6d65616e73))
    labels = km.labels
    classes = IMAGE_CLUSTERS
    what = `unlabelled images: ${IMAGE_CLUSTERS} k-means clusters of the pixels (${km.sizes.join(', ')} images) as classes; cluster classifier`
  }
  const clf = await ImageClassifier.forData(x, labels, classes, {
    ...opts.classifier,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {})
  })
  const ev = new ImageEvaluator(clf, split.train, split.heldout, rng, labelled ? 'classes' : 'clusters')
  opts.log?.(
    `image metrics: ${what} test accuracy ${(100 * clf.accuracy).toFixed(1)} % (${clf.testSize} images); ` +
      `fdGaussian ${ev.fdGaussian.toPrecision(4)}, fdData ${ev.fdData.toPrecision(4)} ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)`
  )
  return ev
}
