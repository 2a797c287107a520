/**
 * bench:quality on image data sets (`mnist`, `mnist14`, `fashion-mnist`, …): which objectives take part, the
 * one image evaluator a data set's rows share (the run's own, `train/image-eval.ts`, built once: its classifier,
 * yard-sticks and nearest-neighbour reference are the expensive part), and the image table.
 */
import type { ClassifierOptions, ImageEvaluator } from '../metrics'
import type { AnyObjective } from '../objectives/types'
import { imageEvaluator } from '../train/image-eval'
import { imageEvaluatorRng, prepareData } from '../train/train'
import type { Dataset } from '../types'
import type { QualityBenchReport, QualityBenchRow } from './quality-bench'

/** Rows drawn per timed sample on images: an 8 × 8 grid, the batch of the MNIST `pfm bench` tables. */
export const LATENCY_IMAGE_ROWS = 64

/**
 * Why an objective has no row on image data (null: it has one). An objective trains on images at the budget it
 * declares for them (`imageDefaults`: network, steps, batch, rate sized for 784 pixels); its toy budget (a
 * 128 × 3 network at the toys' rate) was never sized or measured for images, so it is not run there.
 */
export function imageSupport(obj: AnyObjective): string | null {
  return obj.imageDefaults
    ? null
    : 'it declares no image budget (imageDefaults); its toy budget was never sized for images.'
}

/** A data set's yard-sticks, printed once above its rows (the same for every row: one evaluator). */
export interface ImageYardsticks {
  dataset: string
  /** fd of a full-covariance Gaussian fitted to the training pixels. */
  fdGaussian: number
  /** fd of training vs held-out images: the floor at this sample size. */
  fdData: number
  /** Images in the data set, and held out of training (the rows are scored against all of these). */
  images: number
  heldout: number
}

/**
 * The evaluator of an image data set on the bench's split, built exactly as each of its runs would build its
 * own (`trainLoop`: the split of `seed`, the evaluation stream, the classifier cached under `cacheDir`), so a
 * row scored with it is the row its run reports. Throws for an image set without labels (no classifier).
 */
export async function benchImageEvaluator(
  ds: Dataset,
  seed: number,
  heldoutShare: number,
  opts: {
    cacheDir: string
    log?: (msg: string) => void
    classifier?: Pick<ClassifierOptions, 'steps' | 'batch'>
  }
): Promise<{ evaluator: ImageEvaluator; yardsticks: ImageYardsticks }> {
  const { train, heldout, stats } = prepareData(ds, { seed, heldout: heldoutShare })
  const evaluator = await imageEvaluator(ds, stats, { train, heldout }, imageEvaluatorRng(seed), opts)
  if (!evaluator)
    throw new Error(`${ds.name} holds no images, so it has no classifier to score images with.`)
  return {
    evaluator,
    yardsticks: {
      dataset: ds.name,
      fdGaussian: evaluator.fdGaussian,
      fdData: evaluator.fdData,
      images: ds.n,
      heldout: heldout.n
    }
  }
}

/** Fixed digits, or an exponent for the astronomical figures of diverged samples (fd 6.2e66 on mnist). */
const f = (v: number | undefined, digits: number): string =>
  v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(digits)
const pct = (v: number | undefined): string =>
  v !== undefined && Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '—'

/** The yard-stick line of one data set (the classifier's test accuracy as its rows report it). */
export function yardstickLine(y: ImageYardsticks, rows: readonly QualityBenchRow[]): string {
  const acc = rows.find((r) => r.dataset === y.dataset && r.metrics.image)?.metrics.image?.classifierAccuracy
  return (
    `${y.dataset}: fdGaussian ${f(y.fdGaussian, 3)}, fdData ${f(y.fdData, 3)} (the floor) — ` +
    `${y.images} images, ${y.heldout} held out and scored against; classifier test accuracy ${pct(acc)}`
  )
}

/**
 * The image rows as one markdown table, below each data set's yard-sticks. Bold: fd above fdGaussian (worse
 * than a Gaussian fitted to the pixels).
 */
export function imageQualityTable(rep: Pick<QualityBenchReport, 'rows' | 'yardsticks'>): string {
  const head =
    '| objective | data | steps × batch | sampler | fd | fd / fdGaussian | KID | class KL | rarest class | memorisation | copies | train s | eval s | ms / 64 samples | trained on |'
  const sep = `|${' --- |'.repeat(15)}`
  const rows = (r: QualityBenchRow): string => {
    const m = r.metrics.image
    const ratio = f(r.ratio, 3)
    return (
      `| \`${r.objective}\` | ${r.dataset} | ${r.steps} × ${r.batch} | ` +
      `${r.sampler}${r.sampler === 'onestep' ? '' : ` K = ${r.samplerSteps}`} | ${f(m?.fd, 2)} | ` +
      `${r.ratio > 1 ? `**${ratio}**` : ratio} | ${f(m?.kid, 2)} | ${f(m?.classKL, 3)} | ` +
      `${pct(m?.minClassShare)} | ${f(m?.memorisation, 2)} | ${pct(m?.copies)} | ${f(r.trainSeconds, 1)} | ` +
      `${f(r.evalSeconds, 1)} | ${r.latency?.rows === LATENCY_IMAGE_ROWS ? f(r.latency.ms, 1) : '—'} | ${r.backend} |`
    )
  }
  const imageRows = rep.rows.filter((r) => r.metrics.image)
  return [
    ...rep.yardsticks.map((y) => yardstickLine(y, imageRows)),
    '',
    head,
    sep,
    ...imageRows.map(rows)
  ].join('\n')
}
