/**
 * Image-run metrics in the features of the workbench's classifier (`image-classifier.ts`):
 *
 * - `fd`: Fréchet distance between Gaussians fitted to the samples' and the held-out images' features — "FD in
 *   the features of the workbench's classifier", not FID (no Inception network);
 * - `kid`: unbiased MMD² with the cubic polynomial kernel on the same features;
 * - precision / recall / density / coverage (k = 5) on the features;
 * - class coverage: KL(data ‖ samples) of the predicted-class histograms, and the smallest class share;
 *   for images without labels the classifier learns k-means clusters of the pixels instead (`features:
 *   'clusters'`, train/image-eval.ts), and these figures are about those clusters;
 * - yard-sticks in the same units: `fdGaussian` (a full-covariance Gaussian fitted to the training pixels)
 *   and `fdData` (training vs held-out images: the floor at this sample size);
 * - memorisation (paper §5): median distance of a sample to its nearest training image over the held-out
 *   images' median distance to theirs (≈ 1 is healthy; ≪ 1 copies), and the share of samples closer to a
 *   training image than a tenth of that held-out median (`copies`).
 *
 * The yard-sticks depend only on the data, so an evaluator computes them once and scores many sample sets.
 */
import type { Rng } from '../rng'
import type { ImageFeatureBasis, ImageMetrics, Points } from '../types'
import { gather } from '../data/transform'
import { frechetDistance, kernelInceptionDistance } from './feature-stats'
import { fitGaussian, sampleGaussian } from './gaussian'
import type { ImageClassifier } from './image-classifier'
import { median, nearestDistances } from './nearest'
import { subsample } from './points'
import { prdc } from './prdc'

/**
 * Most images compared in features; larger sets are subsampled. The Fréchet distance's small-sample bias is
 * large at MNIST's size: fdData (training vs held-out, mnist) is 7.8 / 6.0 at n = 500, 3.2 / 3.4 at 1 000,
 * 1.7 / 2.0 at 2 000 (two draws each) and 1.0 for all 2 000 held-out images against all 8 000 training ones
 * (docs/benchmarks.md), so a run's 2 000 held-out images are all used.
 */
export const MAX_EVAL = 2000
/** Most images whose nearest training image is searched (memorisation: m × MAX_TRAIN × d multiply-adds). */
export const MAX_NN_QUERIES = 1000
/** Most training images searched for nearest neighbours and used for the Gaussian fit. */
const MAX_TRAIN = 4000

export class ImageEvaluator {
  private readonly heldout: Points
  private readonly heldFeat: Points
  private readonly train: Points
  private readonly dataHist: Float64Array
  private readonly heldNN: number
  readonly fdGaussian: number
  readonly fdData: number

  /**
   * @param train, heldout standardised images (the run's split)
   * @param rng draws the subsets and the Gaussian yard-stick's samples
   * @param features what the classifier learnt: the images' classes, or k-means clusters of unlabelled images
   */
  constructor(
    /** The classifier whose features it scores in. */
    readonly clf: ImageClassifier,
    train: Points,
    heldout: Points,
    rng: Rng,
    readonly features: ImageFeatureBasis = 'classes'
  ) {
    this.heldout = heldout.n > MAX_EVAL ? subsample(heldout, MAX_EVAL, rng.fork()) : heldout
    this.train = train.n > MAX_TRAIN ? subsample(train, MAX_TRAIN, rng.fork()) : train
    this.heldFeat = clf.features(this.heldout)
    this.dataHist = histogram(clf.predict(this.heldout), clf.classes)
    const n = this.heldout.n
    const trainSub = gather(
      this.train.data,
      this.train.d,
      Array.from({ length: Math.min(n, this.train.n) }, (_, i) => i)
    )
    this.fdData = frechetDistance(clf.features(trainSub), this.heldFeat)
    const gauss = sampleGaussian(fitGaussian(this.train), n, rng.fork())
    this.fdGaussian = frechetDistance(clf.features(gauss), this.heldFeat)
    this.heldNN = median(nearestDistances(head(this.heldout, MAX_NN_QUERIES), this.train))
  }

  /** The image metrics of standardised samples (subsampled to the held-out size). */
  score(samples: Points, rng: Rng): ImageMetrics {
    const s = samples.n > this.heldout.n ? subsample(samples, this.heldout.n, rng.fork()) : samples
    const feat = this.clf.features(s)
    const hist = this.classShares(s)
    let kl = 0
    for (let c = 0; c < hist.length; c++) {
      const p = this.dataHist[c]!
      if (p > 0) kl += p * Math.log(p / Math.max(hist[c]!, 1e-6))
    }
    const nn = nearestDistances(head(s, MAX_NN_QUERIES), this.train)
    const sampleNN = median(nn)
    const copyBelow = 0.1 * this.heldNN
    const { precision, recall, density, coverage } = prdc(this.heldFeat, feat, 5)
    return {
      features: this.features,
      fd: frechetDistance(feat, this.heldFeat),
      fdGaussian: this.fdGaussian,
      fdData: this.fdData,
      n: s.n,
      referenceN: this.heldout.n,
      kid: kernelInceptionDistance(feat, this.heldFeat),
      precision,
      recall,
      density,
      coverage,
      classKL: kl,
      minClassShare: Math.min(...hist),
      memorisation: this.heldNN > 0 ? sampleNN / this.heldNN : NaN,
      copies: nn.filter((d) => d < copyBelow).length / nn.length,
      classifierAccuracy: this.clf.accuracy
    }
  }

  /** Each class's share of the images the classifier predicts as it (sums to 1; `minClassShare` is the least). */
  classShares(images: Points): Float64Array {
    return histogram(this.predict(images), this.clf.classes)
  }

  /** The class (for unlabelled images: the cluster) the classifier predicts for each image. */
  predict(images: Points): Int32Array {
    return this.clf.predict(images)
  }
}

/** The first m rows (a random subsample's head is one too; model samples are independent draws). */
function head(p: Points, m: number): Points {
  return p.n <= m ? p : { n: m, d: p.d, data: p.data.subarray(0, m * p.d) }
}

function histogram(pred: Int32Array, classes: number): Float64Array {
  const h = new Float64Array(classes)
  for (const c of pred) h[c] = h[c]! + 1 / pred.length
  return h
}
