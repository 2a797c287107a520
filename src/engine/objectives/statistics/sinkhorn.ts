/**
 * Debiased Sinkhorn divergence (§2, Kantorovich duality W_c = D_∞(·, ·; J_Π), entropically regularised):
 *   S_ε(μ, μ₁) = OT_ε(μ, μ₁) − ½ OT_ε(μ, μ) − ½ OT_ε(μ₁, μ₁),
 *   OT_ε(α, β) = min_π ⟨π, C⟩ + ε KL(π | α⊗β) = max_{f,g} ⟨α, f⟩ + ⟨β, g⟩ − ε⟨α⊗β, e^{(f⊕g−C)/ε} − 1⟩,
 * C(x, y) = ‖x − y‖² (so S_ε → W₂² as ε → 0, and S_ε(μ, μ shifted by δ) = ‖δ‖² exactly).
 *
 * Dual potentials by log-domain Sinkhorn iterations on the uniform empirical weights, with ε-scaling (ε starts
 * at the squared diameter of the batches and shrinks 4× per update down to `epsilon`, GeomLoss's schedule).
 * Gradient: the envelope theorem — the converged potentials are treated as constants, so ∇_{x_i} OT_ε =
 * Σ_j π_ij ∇_x C(x_i, y_j) — not the gradient through the unrolled loop (which would cost `iterations` times
 * the memory and time). The whole loss is one custom-gradient op: iterations off the tape, an [n, d] backward.
 */
import * as tf from '@tensorflow/tfjs-core'
import { float, int } from '../../params'
import type { PushforwardObjective } from '../types'
import { checkBatches, withDefaults } from './ops'
import { mapImageDefaults } from '../image-budget'

/**
 * ε schedule (ε-scaling): from the squared diameter of the batches down to ε by factors of 4 (the blur √ε
 * halves each update), then ε for the remaining updates; faster when `iterations` is too few to get there.
 */
export function epsilonSchedule(diameter2: number, eps: number, iterations: number): number[] {
  const start = Math.max(diameter2, eps)
  const needed = Math.ceil(Math.log(start / eps) / Math.log(4))
  const q = iterations < 2 ? 0 : needed <= iterations - 1 ? 0.25 : Math.pow(eps / start, 1 / (iterations - 1))
  return Array.from({ length: iterations }, (_, k) => Math.max(eps, start * Math.pow(q, k)))
}

/** Squared diameter of the bounding box of two clouds [·, d] (plain JS). */
function diameter2(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let s = 0
  for (let j = 0; j < d; j++) {
    let lo = Infinity
    let hi = -Infinity
    for (const v of [a, b])
      for (let i = j; i < v.length; i += d) {
        const t = v[i]!
        if (t < lo) lo = t
        if (t > hi) hi = t
      }
    s += (hi - lo) ** 2
  }
  return s
}

/** A point cloud with the pieces the scaled kernel needs: [a, 1], ‖a‖², 2aᵀ. */
class Cloud {
  readonly n: number
  readonly withOnes: tf.Tensor2D
  readonly norms: tf.Tensor2D
  readonly twiceT: tf.Tensor2D
  constructor(readonly pts: tf.Tensor2D) {
    this.n = pts.shape[0]
    this.withOnes = tf.concat([pts, tf.ones([this.n, 1])], 1)
    this.norms = tf.sum(tf.square(pts), 1, true) as tf.Tensor2D
    this.twiceT = tf.transpose(tf.mul(pts, 2)) as tf.Tensor2D
  }
}

/**
 * The scaled kernel K_ij = exp((f_i + g_j − ‖a_i − b_j‖²)/ε) = n·m·π_ij for potentials f [n, 1], g [m, 1], as
 * one plain product [a, 1, f − ‖a‖²]/ε · [2bᵀ; g − ‖b‖²; 1] and one exp (the argument is clipped at 80:
 * with ε-scaling the potentials keep it near or below log(n·m), so the clip only guards float overflow).
 */
function scaledKernel(a: Cloud, b: Cloud, f: tf.Tensor2D, g: tf.Tensor2D, eps: number): tf.Tensor2D {
  const left = tf.mul(tf.concat([a.withOnes, tf.sub(f, a.norms)], 1), 1 / eps)
  const right = tf.concat([b.twiceT, tf.reshape(tf.sub(g, b.norms), [1, b.n]), tf.ones([1, b.n])], 0)
  return tf.exp(tf.clipByValue(tf.matMul(left, right), -1e30, 80)) as tf.Tensor2D
}

/** −ε log of the row means of K [n, m] → [n, 1] (floored, so an underflowed row cannot give ∞). */
function logRowMean(k: tf.Tensor2D, eps: number): tf.Tensor2D {
  const m = k.shape[1]
  return tf.mul(tf.log(tf.maximum(tf.matMul(k, tf.fill([m, 1], 1 / m)), 1e-30)), -eps)
}

/** −ε log of the column means of K [n, m] → [m, 1]. */
function logColMean(k: tf.Tensor2D, eps: number): tf.Tensor2D {
  const n = k.shape[0]
  return tf.reshape(tf.mul(tf.log(tf.maximum(tf.matMul(tf.fill([1, n], 1 / n), k), 1e-30)), -eps), [-1, 1])
}

/**
 * T(g)_i = f_i − ε log mean_j K_ij (the c-transform of g, with f as stabilising shift) and the barycentric
 * projection Σ_j π_ij b_j / Σ_j π_ij, from one product K·[b, 1].
 */
function transformAndBarycentre(k: tf.Tensor2D, f: tf.Tensor2D, b: Cloud, eps: number) {
  const d = b.pts.shape[1]
  const kb = tf.matMul(k, b.withOnes)
  const [num, rows] = tf.split(kb, [d, 1], 1) as [tf.Tensor2D, tf.Tensor2D]
  const safe = tf.maximum(rows, 1e-30)
  const t = tf.add(f, tf.mul(tf.log(tf.div(safe, b.n)), -eps))
  return { t, bary: tf.div(num, safe) as tf.Tensor2D }
}

/**
 * S_ε and its envelope gradient, off the tape. Potentials start at 0 and take symmetric, averaged updates
 * (GeomLoss): x–y f ← ½(f + T(g)), g ← ½(g + T(f)) — both transforms from one kernel, its row and column
 * means — and f_xx ← ½(f_xx + T(f_xx)), g_yy likewise. A last full update at ε gives the value
 *   S = ⟨α, T(g)⟩ + ⟨β, T(f)⟩ − ⟨α, T(f_xx)⟩ − ⟨β, T(g_yy)⟩
 * and, as ∂T(g)_i/∂x_i = 2(x_i − ŷ_i) with ŷ_i = Σ_j π_ij y_j / Σ_j π_ij (and likewise through the first slot of
 * the x–x problem), the gradient ∂S/∂x_i = (2/n)(x̂_i − ŷ_i).
 */
function sinkhornValueAndGradient(x: tf.Tensor2D, y: tf.Tensor2D, eps: number, iterations: number) {
  const [n, d] = x.shape
  const m = y.shape[0]
  const X = new Cloud(x)
  const Y = new Cloud(y)
  let f: tf.Tensor2D = tf.zeros([n, 1])
  let g: tf.Tensor2D = tf.zeros([m, 1])
  let fx: tf.Tensor2D = tf.zeros([n, 1])
  let gy: tf.Tensor2D = tf.zeros([m, 1])
  for (const e of epsilonSchedule(diameter2(x.dataSync(), y.dataSync(), d), eps, iterations)) {
    const next = tf.tidy(() => {
      const kxy = scaledKernel(X, Y, f, g, e)
      const half = (p: tf.Tensor2D, shift: tf.Tensor2D): tf.Tensor2D => tf.add(p, tf.mul(shift, 0.5))
      return [
        half(f, logRowMean(kxy, e)),
        half(g, logColMean(kxy, e)),
        half(fx, logRowMean(scaledKernel(X, X, fx, fx, e), e)),
        half(gy, logRowMean(scaledKernel(Y, Y, gy, gy, e), e))
      ]
    })
    tf.dispose([f, g, fx, gy])
    ;[f, g, fx, gy] = next as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
  }
  const kxy = scaledKernel(X, Y, f, g, eps)
  const cross = transformAndBarycentre(kxy, f, Y, eps)
  const gLast = tf.add(g, logColMean(kxy, eps))
  const self = transformAndBarycentre(scaledKernel(X, X, fx, fx, eps), fx, X, eps)
  const gyLast = tf.add(gy, logRowMean(scaledKernel(Y, Y, gy, gy, eps), eps))
  const value = tf.sub(tf.add(tf.mean(cross.t), tf.mean(gLast)), tf.add(tf.mean(self.t), tf.mean(gyLast)))
  const grad = tf.mul(tf.sub(self.bary, cross.bary), 2 / n)
  return { value: tf.reshape(value, []) as tf.Scalar, grad }
}

/**
 * Debiased Sinkhorn divergence, x [n, d] (differentiable), y [m, d] (constant) → scalar. One custom op:
 * the iterations run inside its forward (off the tape), and its backward is the envelope gradient — no [n, m]
 * work in the backward pass.
 */
export function sinkhornDivergence(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  eps: number,
  iterations: number
): tf.Scalar {
  const op = tf.customGrad(((xs: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const { value, grad } = sinkhornValueAndGradient(xs, y, eps, iterations)
    save([grad])
    return { value, gradFunc: (dy: tf.Scalar, [gr]: tf.Tensor[]) => [tf.mul(dy, gr!)] }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return op(x) as tf.Scalar
}

export const sinkhorn: PushforwardObjective = {
  kind: 'pushforward',
  id: 'sinkhorn',
  family: 'statistics',
  title: 'Sinkhorn divergence (debiased)',
  paper: '§2, Kantorovich duality (entropic)',
  summary:
    'S_ε = OT_ε(x,y) − ½OT_ε(x,x) − ½OT_ε(y,y) with cost ‖x−y‖²: entropic optimal transport, debiased.\n' +
    'Tends to W₂² as ε → 0; ε sets the blur √ε below which detail is ignored. Log-domain, ε-scaled.',
  params: {
    epsilon: float(
      0.01,
      1e-4,
      10,
      'Entropic regularisation ε, in squared standardised units (blur √ε).',
      true
    ),
    iterations: int(
      10,
      1,
      1000,
      'Sinkhorn updates per step; ε starts at the squared diameter and shrinks 4× per update to epsilon.'
    )
  },
  defaults: { steps: 1000, batch: 256, lr: 1e-3 },
  // Squared distances between images are ≈ 400 standardised units: ε = 10 blurs at √10 ≈ 3, a stroke's scale.
  imageDefaults: mapImageDefaults(1500, 256, { epsilon: 10 }),
  loss(x, y, p) {
    checkBatches('sinkhorn', x, y)
    const q = withDefaults(sinkhorn.params, p)
    return sinkhornDivergence(x, y, Number(q.epsilon), Number(q.iterations))
  }
}
