/**
 * Exponential moving averages of a network's weights (Polyak averaging of the iterates): what samples in the
 * flow objectives and the adversarial generators. The decay warms up as min(decay, (1 + k)/(10 + k)) at the
 * k-th update, so the early weights fade quickly.
 */
import * as tf from '@tensorflow/tfjs-core'

/** The averaging decay at the k-th applied update (0-based). */
export function emaDecay(decay: number, k: number): number {
  return Math.min(decay, (1 + k) / (10 + k))
}

/** avg ← decay · avg + (1 − decay) · src, variable by variable (same order, same shapes). */
export function emaUpdate(avg: readonly tf.Variable[], src: readonly tf.Tensor[], decay: number): void {
  tf.tidy(() => avg.forEach((a, i) => a.assign(tf.add(tf.mul(a, decay), tf.mul(src[i]!, 1 - decay)))))
}
