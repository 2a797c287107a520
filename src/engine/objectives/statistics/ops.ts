/**
 * Tensor pieces shared by the §2 statistics-matching objectives.
 *
 * Speed on tfjs-backend-wasm (single thread under Node) drives the design:
 * - tfjs's built-in matMul gradient multiplies with `transposeA`/`transposeB`, a ~10× slower path on wasm
 *   (models/dense.ts). Every differentiable product here has a hand-written gradient that materialises the
 *   transpose (or avoids it) and then multiplies plainly.
 * - Pairwise squared distances are one augmented product [−2a, ‖a‖², 1]·[bᵀ; 1; ‖b‖²ᵀ] fused with the ReLU
 *   that clamps rounding below 0, so an [n, m] matrix costs one kernel forward and one product backward.
 * - Work that needs no gradient (data–data terms, Sinkhorn iterations, heuristics) runs through `untaped`,
 *   so the gradient tape neither records it nor keeps its intermediates alive until the backward pass.
 */
import * as tf from '@tensorflow/tfjs-core'
import { check } from '../../errors'
import type { Rng } from '../../rng'
import type { ParamSpecs, ParamValues } from '../../params'

type CustomFn = Parameters<typeof tf.customGrad>[0]
type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]

/** One-input op with a hand-written gradient; the value may depend on tensors captured as constants. */
function custom<T extends tf.Tensor>(
  f: (a: tf.Tensor2D, save: tf.GradSaveFunc) => { value: T; gradFunc: Grad }
): (a: tf.Tensor2D) => T {
  return tf.customGrad(f as unknown as CustomFn) as unknown as (a: tf.Tensor2D) => T
}

/**
 * Evaluates `fn` off the gradient tape: its result is a constant for differentiation, and the intermediates
 * are released as soon as it returns (a custom-gradient op with no inputs; tfjs does not record inside ops).
 */
export function untaped<T extends tf.Tensor>(fn: () => T): T {
  const op = tf.customGrad((() => ({ value: fn(), gradFunc: () => [] })) as unknown as CustomFn)
  return op() as unknown as T
}

/** A copy of `x` cut from the gradient tape (same values, no gradient flows back through it). */
export function detach<T extends tf.Tensor>(x: T): T {
  return untaped(() => tf.clone(x))
}

/** Row norms ‖a_i‖² as [n, 1]. */
function sqNorms(a: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.square(a), 1, true) as tf.Tensor2D
}

/** max(‖a_i‖² + ‖b_j‖² − 2⟨a_i, b_j⟩, 0) as one fused product. */
function sqdistValue(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const ones = (n: number): tf.Tensor2D => tf.ones([n, 1])
  const left = tf.concat([tf.mul(a, -2), sqNorms(a), ones(a.shape[0])], 1)
  const right = tf.transpose(tf.concat([b, ones(b.shape[0]), sqNorms(b)], 1))
  return tf.fused.matMul({ a: left, b: right, activation: 'relu' }) as tf.Tensor2D
}

/**
 * Pairwise squared Euclidean distances D_ij = ‖a_i − b_j‖², a [n, d] (differentiable), b [m, d] (constant:
 * no gradient flows to it) → [n, m]. Gradient: ∂/∂a_i = 2(Σ_j G_ij a_i − Σ_j G_ij b_j), computed as one plain
 * product G·[b, 1].
 */
export function sqdist(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  check(a.shape[1] === b.shape[1], () => `Point clouds of dimensions ${a.shape[1]} and ${b.shape[1]} differ.`)
  return custom<tf.Tensor2D>((a2, save) => {
    save([a2, b])
    return {
      value: sqdistValue(a2, b),
      gradFunc: (dy, [sa, sb]) => [rowGrad(dy as tf.Tensor2D, sa as tf.Tensor2D, sb as tf.Tensor2D)]
    }
  })(a)
}

/** 2(rowsum(G)·a − G·b) with one product G·[b, 1]. */
function rowGrad(g: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const d = a.shape[1]
  const gb = tf.matMul(g, tf.concat([b, tf.ones([b.shape[0], 1])], 1))
  const [gB, rows] = tf.split(gb, [d, 1], 1) as [tf.Tensor2D, tf.Tensor2D]
  return tf.mul(tf.sub(tf.mul(rows, a), gB), 2)
}

/** An [n, n] matrix of ones with a zero diagonal (excludes i = j terms from U-statistics). */
export function offDiagonal(n: number): tf.Tensor2D {
  const m = new Float32Array(n * n).fill(1)
  for (let i = 0; i < n; i++) m[i * n + i] = 0
  return tf.tensor2d(m, [n, n])
}

/**
 * Pairwise squared distances within one cloud, x [n, d] (differentiable) → [n, n], with an exactly zero
 * diagonal (so kernels evaluate to their value at 0 there). Gradient through both slots:
 * ∂/∂x_i = 2(Σ_j S_ij x_i − Σ_j S_ij x_j), S = (G + Gᵀ) off the diagonal.
 */
export function sqdistSelf(x: tf.Tensor2D): tf.Tensor2D {
  const mask = offDiagonal(x.shape[0])
  return custom<tf.Tensor2D>((x2, save) => {
    save([x2, mask])
    return {
      value: tf.mul(sqdistValue(x2, x2), mask),
      gradFunc: (dy, [sx, sm]) => {
        const s = tf.mul(tf.add(dy, tf.transpose(dy)), sm!) as tf.Tensor2D
        return [rowGrad(s, sx as tf.Tensor2D, sx as tf.Tensor2D)]
      }
    }
  })(x)
}

/** Constant-only version: ‖a_i − b_j‖² with no gradient (for data–data terms). */
export function sqdistConst(a: tf.Tensor2D, b: tf.Tensor2D, zeroDiagonal = false): tf.Tensor2D {
  return untaped(() => {
    const d = sqdistValue(a, b)
    return zeroDiagonal ? tf.mul(d, offDiagonal(a.shape[0])) : d
  })
}

/** x·W for a constant W [d, k]: [n, d] → [n, k]; gradient dy·Wᵀ with an explicit transpose. */
export function matMulConst(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return custom<tf.Tensor2D>((x2, save) => {
    save([w])
    return {
      value: tf.matMul(x2, w),
      gradFunc: (dy, [sw]) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(sw as tf.Tensor2D))]
    }
  })(x)
}

/** `k` directions uniform on the unit sphere of ℝ^d, as the columns of a [d, k] array (row-major). */
export function unitDirections(rng: Rng, d: number, k: number): Float32Array {
  const w = rng.normals(d * k)
  for (let j = 0; j < k; j++) {
    let s = 0
    for (let i = 0; i < d; i++) s += w[i * k + j]! ** 2
    const inv = 1 / Math.sqrt(s || 1)
    for (let i = 0; i < d; i++) w[i * k + j] *= inv
  }
  return w
}

/**
 * Features [cos P | sin P] of phases P [n, k] → [n, 2k]. Forward in plain JS (V8's Math.cos/sin are several
 * times faster than the wasm kernels); the gradient dP = cos P ⊙ dS − sin P ⊙ dC reuses the saved features
 * instead of recomputing them as tfjs's Cos/Sin gradients would.
 */
export function cis(p: tf.Tensor2D): tf.Tensor2D {
  return custom<tf.Tensor2D>((p2, save) => {
    const [n, k] = p2.shape
    const v = p2.dataSync()
    const out = new Float32Array(n * 2 * k)
    for (let i = 0; i < n; i++) {
      const o = 2 * i * k
      for (let j = 0; j < k; j++) {
        const a = v[i * k + j]!
        out[o + j] = Math.cos(a)
        out[o + k + j] = Math.sin(a)
      }
    }
    const value = tf.tensor2d(out, [n, 2 * k])
    save([value])
    return {
      value,
      gradFunc: (dy, [cs]) => {
        const [c, s] = tf.split(cs!, 2, 1)
        const [dc, ds] = tf.split(dy, 2, 1)
        return [tf.sub(tf.mul(c!, ds!), tf.mul(s!, dc!))]
      }
    }
  })(p)
}

/** Checks the two batches of a pushforward loss: same dimension, at least two points each. */
export function checkBatches(id: string, x: tf.Tensor2D, y: tf.Tensor2D): void {
  check(
    x.rank === 2 && y.rank === 2 && x.shape[1] === y.shape[1],
    () =>
      `${id}: generated [${x.shape.join(', ')}] and data [${y.shape.join(', ')}] batches must be [B, d] alike.`
  )
  check(x.shape[0] >= 2 && y.shape[0] >= 2, () => `${id}: the unbiased estimate needs batches of at least 2.`)
}

/** Given values over the declared defaults (the training loop passes resolved values; tests may pass a few). */
export function withDefaults(specs: ParamSpecs, p: ParamValues): ParamValues {
  const out: ParamValues = {}
  for (const [k, s] of Object.entries(specs)) out[k] = k in p ? p[k]! : s.default
  return out
}
