/**
 * Losses a data-parallel replica can compute. Each must be a mean over samples, so that the weighted
 * average of shard gradients is the full-batch gradient. Pair statistics (energy distance, MMD, Sinkhorn…)
 * are not: on shards they become a different, higher-variance estimator.
 * A worker finds its loss here by id (functions do not cross thread boundaries).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Mlp } from '../../models/mlp'

type CustomFn = Parameters<typeof tf.customGrad>[0]
type MseFn = (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar

/**
 * mean((pred − target)²) over all n·d entries, with a hand-written gradient 2(pred − target)/(n·d): three
 * element-wise ops forward and one backward (tfjs's `squaredDifference` + `mean` gradients take six).
 */
export const mse: MseFn = tf.customGrad(((pred: tf.Tensor2D, target: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const diff = tf.sub(pred, target)
  save([diff])
  return {
    value: tf.mean(tf.square(diff)),
    gradFunc: (dy: tf.Scalar, [d]: tf.Tensor[]) => {
      const g = tf.mul(d!, tf.mul(dy, 2 / d!.size))
      return [g, tf.neg(g)]
    }
  }
}) as unknown as CustomFn) as unknown as MseFn

/** Loss of the network on a shard: inputs x [n, inDim] (data), targets y [n, outDim]. */
export type ParallelLoss = (phi: Mlp, x: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar

export const PARALLEL_LOSSES: Record<string, ParallelLoss> = {
  /** Regression onto targets: flow matching's velocity loss ‖v(x_t, t) − (x₁ − x₀)‖² (mean over entries). */
  mse: (phi, x, y) => mse(phi.apply(x, { inputGrad: false }), y)
}
