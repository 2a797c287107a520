/**
 * Energy distance (§2, footnote 4): the mean formulation D₂² with imaginary exponentials and the weight
 * |s|^−(d+1) ds, equal to the MMD with the (conditionally positive) kernel k(x, y) = −‖x − y‖:
 *   E(μ, μ₁) = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖,
 * estimated by the unbiased U-statistic (i ≠ j within samples).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { PushforwardObjective } from '../types'
import { checkBatches, sqdist, sqdistConst, sqdistSelf, untaped } from './ops'
import { mapImageDefaults } from '../image-budget'

/** Added under the square root: keeps ∂‖x − y‖ finite where two points coincide (value bias ≤ 1e-4 there). */
export const ENERGY_EPS = 1e-8

/** Σ_ij sqrt(D_ij + eps). */
function rootSum(d: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.sqrt(tf.add(d, ENERGY_EPS)))
}

/** Unbiased energy distance, x [n, d] (differentiable), y [m, d] (constant) → scalar. */
export function energyDistance(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = x.shape[0]
    const m = y.shape[0]
    const diag = Math.sqrt(ENERGY_EPS)
    const exy = tf.div(rootSum(sqdist(x, y)), n * m)
    // sqdistSelf has an exactly zero diagonal, so the diagonal adds exactly n·sqrt(eps): removed.
    const exx = tf.div(tf.sub(rootSum(sqdistSelf(x)), n * diag), n * (n - 1))
    const eyy = untaped(() => tf.div(tf.sub(rootSum(sqdistConst(y, y, true)), m * diag), m * (m - 1)))
    return tf.sub(tf.sub(tf.mul(exy, 2), exx), eyy) as tf.Scalar
  })
}

export const energy: PushforwardObjective = {
  kind: 'pushforward',
  id: 'energy',
  family: 'statistics',
  title: 'Energy distance',
  paper: '§2, footnote 4',
  summary:
    'Unbiased energy distance 2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖: the MMD of the kernel −‖x−y‖.\n' +
    'No bandwidth to tune and a metric on measures with a first moment; scale-equivariant.',
  params: {},
  defaults: { steps: 2000, batch: 512, lr: 2e-3 },
  imageDefaults: mapImageDefaults(3000, 256),
  loss(x, y) {
    checkBatches('energy', x, y)
    return energyDistance(x, y)
  }
}
