/**
 * Maximum mean discrepancy with Gaussian kernels (§2, MMD form of eq. (2)):
 *   MMD²_k(μ, μ₁) = E k(X, X') + E k(Y, Y') − 2 E k(X, Y),   k_h(x, y) = exp(−‖x − y‖² / (2h²)),
 * estimated by the unbiased U-statistic (i ≠ j in the two within-sample terms) and averaged over bandwidths h.
 */
import * as tf from '@tensorflow/tfjs-core'
import { choice } from '../../params'
import type { Rng } from '../../rng'
import type { PushforwardObjective } from '../types'
import { checkBatches, sqdist, sqdistConst, sqdistSelf, untaped, withDefaults } from './ops'
import { mapImageDefaults } from '../image-budget'

/** Bandwidth sets (standardised units); `median` rescales by the median pairwise distance of the batch. */
export const BANDWIDTH_PRESETS = [
  '0.05,0.1,0.2,0.4,0.8',
  '0.1,0.2,0.4,0.8,1.6',
  '0.025,0.05,0.1,0.2,0.4',
  '0.1,0.2,0.5,1,2',
  '0.5,1,2',
  '1',
  'median',
  'median-multiscale'
] as const

const MEDIAN_SCALES = [0.0625, 0.125, 0.25, 0.5, 1]

/** Median of ‖p − q‖ over random pairs of the pooled batch (detached values). */
export function medianDistance(x: tf.Tensor2D, y: tf.Tensor2D, rng: Rng, pairs = 1024): number {
  const d = x.shape[1]
  const n = x.shape[0]
  const pts = [x.dataSync(), y.dataSync()]
  const total = n + y.shape[0]
  const at = (k: number, j: number): number => (k < n ? pts[0]![k * d + j]! : pts[1]![(k - n) * d + j]!)
  const dist = new Float64Array(pairs)
  for (let p = 0; p < pairs; p++) {
    const a = rng.int(total)
    const b = (a + 1 + rng.int(total - 1)) % total
    let s = 0
    for (let j = 0; j < d; j++) s += (at(a, j) - at(b, j)) ** 2
    dist[p] = Math.sqrt(s)
  }
  dist.sort()
  return dist[pairs >> 1]! || 1
}

/** The bandwidth list a preset stands for (median presets need the batch and a generator). */
export function bandwidthsOf(preset: string, x: tf.Tensor2D, y: tf.Tensor2D, rng: Rng): number[] {
  if (preset === 'median') return [medianDistance(x, y, rng)]
  if (preset === 'median-multiscale') {
    const m = medianDistance(x, y, rng)
    return MEDIAN_SCALES.map((s) => s * m)
  }
  return preset.split(',').map(Number)
}

/**
 * Σ_h exp(−D / 2h²) for a distance matrix D. exp is the costly kernel on wasm (~10× a multiply), so a
 * bandwidth half the previous one reuses it: exp(−4cD) = (exp(−cD)²)², two squarings (1/h² ratios that are
 * other powers of 2, up to 2¹⁶, square likewise; the rest take their own exp). The presets halve h each time.
 */
export function gaussianKernels(d: tf.Tensor2D, hs: number[]): tf.Tensor2D {
  const cs = hs.map((h) => 1 / (2 * h * h)).sort((a, b) => a - b)
  const ks: tf.Tensor2D[] = []
  let prev: tf.Tensor2D | null = null
  let prevC = 0
  for (const c of cs) {
    const squarings = prev ? Math.log2(c / prevC) : NaN
    let k: tf.Tensor2D
    if (prev && Math.abs(squarings - Math.round(squarings)) < 1e-9 && squarings <= 16) {
      k = prev
      for (let i = 0; i < Math.round(squarings); i++) k = tf.square(k)
    } else {
      k = tf.exp(tf.mul(d, -c)) as tf.Tensor2D
    }
    ks.push(k)
    prev = k
    prevC = c
  }
  return ks.length === 1 ? ks[0]! : tf.addN(ks)
}

/** Σ_h Σ_ij exp(−D_ij / 2h²) (a scalar). */
function kernelSum(d: tf.Tensor2D, hs: number[]): tf.Scalar {
  return tf.sum(gaussianKernels(d, hs))
}

/**
 * Unbiased multi-bandwidth Gaussian MMD², x [n, d] (differentiable), y [m, d] (constant) → scalar, averaged
 * over `hs`. The within-sample sums drop the diagonal (k(x_i, x_i) = 1 exactly: sqdistSelf zeroes it).
 */
export function mmd2(x: tf.Tensor2D, y: tf.Tensor2D, hs: number[]): tf.Scalar {
  return tf.tidy(() => {
    const n = x.shape[0]
    const m = y.shape[0]
    const nh = hs.length
    const kxx = tf.div(tf.sub(kernelSum(sqdistSelf(x), hs), nh * n), n * (n - 1))
    const kxy = tf.div(kernelSum(sqdist(x, y), hs), n * m)
    const kyy = untaped(() => tf.div(tf.sub(kernelSum(sqdistConst(y, y, true), hs), nh * m), m * (m - 1)))
    return tf.div(tf.add(tf.sub(kxx, tf.mul(kxy, 2)), kyy), nh) as tf.Scalar
  })
}

export const mmd: PushforwardObjective = {
  kind: 'pushforward',
  id: 'mmd',
  family: 'statistics',
  title: 'Maximum mean discrepancy (Gaussian kernels)',
  paper: '§2, MMD form of eq. (2)',
  summary:
    'Unbiased MMD² between φ#ν and the data with Gaussian kernels, averaged over several bandwidths.\n' +
    'The sup over the RKHS unit ball has a closed form, so there is no adversary: plain minimisation.',
  params: {
    bandwidths: choice(
      '0.05,0.1,0.2,0.4,0.8',
      BANDWIDTH_PRESETS,
      'Kernel bandwidths h in standardised units, MMD² averaged over them; small h resolve fine modes. ' +
        '`median`: h = median pairwise distance of the batch; `median-multiscale`: that × 1/16, ⅛, ¼, ½, 1.'
    )
  },
  defaults: { steps: 1500, batch: 512, lr: 2e-3 },
  // Fixed bandwidths in standardised units mean nothing at 784-D (pairwise distances ≈ 20): the median's.
  imageDefaults: mapImageDefaults(3000, 256, { bandwidths: 'median-multiscale' }),
  loss(x, y, p, ctx) {
    checkBatches('mmd', x, y)
    const hs = bandwidthsOf(String(withDefaults(mmd.params, p).bandwidths), x, y, ctx.rng)
    return mmd2(x, y, hs)
  }
}
