/**
 * A dense layer y = x·W + b whose gradient uses explicit transposes.
 *
 * Why: tfjs-backend-wasm's matMul with `transposeA`/`transposeB` takes a slow path (~2 GFLOP/s against
 * ~23 GFLOP/s for the plain product, measured here), and tfjs's built-in matMul gradient uses those flags.
 * Materialising Wᵀ and xᵀ first and multiplying plainly is ~5× faster end to end (../shared/bench/README.md).
 */
import * as tf from '@tensorflow/tfjs-core'

type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D

const denseFn: DenseFn = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w])
  const value = tf.add(tf.matMul(x, w), b) as tf.Tensor2D
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D]
    const dx = tf.matMul(dy, tf.transpose(ws))
    const dw = tf.matMul(tf.transpose(xs), dy)
    const db = tf.sum(dy, 0)
    return [dx, dw, db]
  }
  return { value, gradFunc }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as DenseFn

/** y = x·W + b, shapes x [n, in], W [in, out], b [out] → [n, out]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return denseFn(x, w, b)
}
