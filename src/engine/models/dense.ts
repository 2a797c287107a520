/**
 * Dense layers y = act(x·W + b) with a hand-written gradient, fused with their activation.
 *
 * Why (tfjs-backend-wasm, single thread under Node; CPU time per call at [512, 256], docs/benchmarks.md):
 * - tfjs's built-in matMul gradient multiplies with `transposeA`/`transposeB`, which wasm runs on a naive
 *   loop (~1 GFLOP/s against ~10 for the plain XNNPACK product). Here every product is plain: Wᵀ and xᵀ are
 *   materialised first, and for a narrow layer (the 3-wide input, the 2-wide output) the narrow side is the
 *   one transposed: ∂W = (∂zᵀ·x)ᵀ when x is wider than ∂z.
 * - The bias rides in the product (`fused.matMul`, XNNPACK adds it in the kernel), and its gradient is the
 *   product 1ᵀ·∂z (~25 µs) rather than `sum(∂z, 0)` (~500 µs on wasm).
 * - SiLU's gradient is σ(z)·(1 + z·(1 − σ(z))) = s + y·(1 − s), four element-wise ops on saved s and y,
 *   where differentiating `z·sigmoid(z)` through the tape takes six plus an add of the two paths.
 * - The layer that reads the network input needs no ∂x: `inputGrad: false` skips that product.
 * Gradients equal tfjs's built-in ones (tests/engine/models/dense.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core'

/** Activations with a fused hand-written gradient ('linear' = none). */
export type FusedActivation = 'linear' | 'silu' | 'relu' | 'tanh' | 'leaky-relu'
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = ['linear', 'silu', 'relu', 'tanh', 'leaky-relu']

/** Slope of leaky-relu for x < 0 (the one `activate` in mlp.ts uses). */
export const LEAKY_SLOPE = 0.2

export interface DenseOptions {
  /** Activation fused into the layer (default 'linear'). */
  activation?: FusedActivation
  /** Whether ∂x is needed (default true). False for a layer fed by constant data: ∂x is returned as zeros. */
  inputGrad?: boolean
}

type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D
type CustomFn = Parameters<typeof tf.customGrad>[0]

/** Forward: (z = x·W + b) → y, plus the tensors the activation's gradient needs. */
function forward(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  act: FusedActivation
): { y: tf.Tensor2D; keep: tf.Tensor[] } {
  const affine = (activation?: 'relu'): tf.Tensor2D =>
    tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D
  switch (act) {
    case 'linear':
      return { y: affine(), keep: [] }
    case 'relu': {
      const y = affine('relu')
      return { y, keep: [y] }
    }
    case 'silu': {
      const z = affine()
      const s = tf.sigmoid(z)
      const y = tf.mul<tf.Tensor2D>(z, s)
      z.dispose()
      return { y, keep: [s, y] }
    }
    case 'tanh': {
      const z = affine()
      const y = tf.tanh(z)
      z.dispose()
      return { y, keep: [y] }
    }
    case 'leaky-relu': {
      const z = affine()
      const y = tf.leakyRelu(z, LEAKY_SLOPE)
      z.dispose()
      return { y, keep: [y] }
    }
  }
}

/** ∂z from ∂y and the saved activation tensors. */
function activationGrad(dy: tf.Tensor2D, act: FusedActivation, kept: tf.Tensor[]): tf.Tensor2D {
  switch (act) {
    case 'linear':
      return dy
    case 'relu':
      // step(y) is 1 where z > 0, else 0 (tfjs's own relu gradient uses step(z) the same way).
      return tf.mul(dy, tf.step(kept[0]!))
    case 'leaky-relu':
      // step(y, α) is 1 where z > 0, else α.
      return tf.mul(dy, tf.step(kept[0]!, LEAKY_SLOPE))
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(kept[0]!)))
    case 'silu': {
      const [s, y] = kept as [tf.Tensor2D, tf.Tensor2D]
      return tf.mul(dy, tf.add(s, tf.mul(y, tf.sub(1, s))))
    }
  }
}

/** ∂W = xᵀ·∂z, transposing whichever of x, ∂z is narrower. */
function weightGrad(x: tf.Tensor2D, dz: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[1] <= dz.shape[1]) return tf.matMul(tf.transpose(x), dz)
  return tf.transpose(tf.matMul(tf.transpose(dz), x)) as tf.Tensor2D
}

function makeDense(act: FusedActivation, inputGrad: boolean): DenseFn {
  const f = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const { y, keep } = forward(x, w, b, act)
    save([x, w, ...keep])
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ws, ...kept] = saved as [tf.Tensor2D, tf.Tensor2D, ...tf.Tensor[]]
      const dz = activationGrad(dy, act, kept)
      const n = dz.shape[0]
      const dx = inputGrad ? tf.matMul(dz, tf.transpose(ws)) : tf.zerosLike(xs)
      const dw = weightGrad(xs, dz)
      const db = tf.reshape<tf.Rank.R1>(tf.matMul(tf.ones([1, n]), dz), [dz.shape[1]])
      return [dx, dw, db]
    }
    return { value: y, gradFunc }
  }
  return tf.customGrad(f as unknown as CustomFn) as unknown as DenseFn
}

const cache = new Map<string, DenseFn>()

/**
 * y = act(x·W + b) with a hand-written gradient. Shapes: x [n, in], W [in, out], b [out] → [n, out].
 * `activation` defaults to 'linear'.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, opts: DenseOptions = {}): tf.Tensor2D {
  const act = opts.activation ?? 'linear'
  const inputGrad = opts.inputGrad ?? true
  const key = `${act}/${inputGrad}`
  let fn = cache.get(key)
  if (!fn) {
    fn = makeDense(act, inputGrad)
    cache.set(key, fn)
  }
  return fn(x, w, b)
}
