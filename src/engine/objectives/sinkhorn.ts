/**
 * Debiased Sinkhorn divergence (§2, Kantorovich duality W_c = D_∞(·, ·; J_Π), entropically regularised):
 *   S_ε(μ, μ₁) = OT_ε(μ, μ₁) − ½ OT_ε(μ, μ) − ½ OT_ε(μ₁, μ₁),
 *   OT_ε(α, β) = min_π ⟨π, C⟩ + ε KL(π | α⊗β) = max_{f,g} ⟨α, f⟩ + ⟨β, g⟩ − ε⟨α⊗β, e^{(f⊕g−C)/ε} − 1⟩,
 * C(x, y) = ‖x − y‖² (so S_ε → W₂² as ε → 0, and S_ε(μ, μ shifted by δ) = ‖δ‖² exactly).
 *
 * Dual potentials by log-domain Sinkhorn iterations on the uniform empirical weights, with ε-scaling (ε starts
 * at the squared diameter of the batches and shrinks 4× per update down to `epsilon`, GeomLoss's schedule). Gradient: envelope theorem. The iterations run off the gradient tape on detached points; one
 * last differentiable Sinkhorn update f_i = −ε log Σ_j β_j e^{(g_j − C(x_i, y_j))/ε} (and the same for the
 * symmetric x–x problem, through its first slot) gives ∇_{x_i} OT_ε = Σ_j π_ij ∇_x C(x_i, y_j) — not the
 * gradient through the unrolled loop, which would cost `iterations` times more memory and time.
 */
import * as tf from '@tensorflow/tfjs-core'
import { float, int } from '../params'
import type { PushforwardObjective } from './types'
import { checkBatches, detach, sqdist, untaped, withDefaults } from './ops'

/** c-transform with uniform weights 1/m: −ε log (1/m) Σ_j exp((g_j − C_ij)/ε), C [n, m], g [m] → [n]. */
function softmin(c: tf.Tensor2D, g: tf.Tensor1D, eps: number): tf.Tensor1D {
  const m = c.shape[1]
  return tf.mul(tf.sub(tf.logSumExp(tf.mul(tf.sub(g, c), 1 / eps), 1), Math.log(m)), -eps)
}

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

/** Squared diameter of the bounding box of two clouds (plain JS). */
function diameter2(
  a: Float32Array | Int32Array | Uint8Array,
  b: Float32Array | Int32Array | Uint8Array,
  d: number
) {
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

/**
 * One cloud's side of the c-transform, kept as the pieces of a single product: for rows a [n, d] against
 * columns b [m, d], (h_j − ‖a_i − b_j‖²)/ε = ([a, 1]·[2bᵀ; h − ‖b‖²]/ε)_ij − ‖a_i‖²/ε. The row term leaves
 * the log-sum-exp unchanged up to a shift, so each update costs one plain [n, d+1]×[d+1, m] product and a
 * log-sum-exp — no [n, m] cost matrix, no broadcast subtraction.
 */
class Side {
  readonly left: tf.Tensor2D
  readonly right2: tf.Tensor2D
  readonly rowNorms: tf.Tensor1D
  readonly colNorms: tf.Tensor1D
  readonly m: number
  constructor(a: tf.Tensor2D, b: tf.Tensor2D) {
    this.left = tf.concat([a, tf.ones([a.shape[0], 1])], 1)
    this.right2 = tf.mul(tf.transpose(b), 2)
    this.rowNorms = tf.sum(tf.square(a), 1) as tf.Tensor1D
    this.colNorms = tf.sum(tf.square(b), 1) as tf.Tensor1D
    this.m = b.shape[0]
  }
  /** T(h)_i = −ε log (1/m) Σ_j exp((h_j − ‖a_i − b_j‖²)/ε). */
  softmin(h: tf.Tensor1D, eps: number): tf.Tensor1D {
    const right = tf.concat([this.right2, tf.reshape(tf.sub(h, this.colNorms), [1, this.m])], 0)
    const arg = tf.matMul(this.left, tf.mul(right, 1 / eps))
    return tf.add(tf.mul(tf.sub(tf.logSumExp(arg, 1), Math.log(this.m)), -eps), this.rowNorms)
  }
}

/**
 * Sinkhorn on detached points, off the tape. Returns [g (m) | f_xx (n) | ⟨β, g⟩ | ½OT_ε(β, β)]: the data-side
 * x–y potential, the symmetric x–x potential, and the two data-side terms of the value (both constants).
 */
function potentials(xd: tf.Tensor2D, y: tf.Tensor2D, eps: number, iterations: number): tf.Tensor1D {
  return untaped<tf.Tensor1D>(() => {
    const [n, d] = xd.shape
    const m = y.shape[0]
    const xy = new Side(xd, y)
    const yx = new Side(y, xd)
    const xx = new Side(xd, xd)
    const yy = new Side(y, y)
    let f: tf.Tensor1D = tf.zeros([n])
    let g: tf.Tensor1D = tf.zeros([m])
    let fx: tf.Tensor1D = tf.zeros([n])
    let gy: tf.Tensor1D = tf.zeros([m])
    const sched = epsilonSchedule(diameter2(xd.dataSync(), y.dataSync(), d), eps, iterations)
    for (const e of sched) {
      const next = tf.tidy(() => {
        // Symmetric, averaged updates (GeomLoss): both potentials from the previous pair. Far faster to
        // converge in value than alternating updates, whose f, g drift apart by a constant for many steps.
        const f1 = tf.mul(tf.add(f, xy.softmin(g, e)), 0.5)
        const g1 = tf.mul(tf.add(g, yx.softmin(f, e)), 0.5)
        const fx1 = tf.mul(tf.add(fx, xx.softmin(fx, e)), 0.5)
        const gy1 = tf.mul(tf.add(gy, yy.softmin(gy, e)), 0.5)
        return [f1, g1, fx1, gy1] as tf.Tensor1D[]
      })
      tf.dispose([f, g, fx, gy])
      ;[f, g, fx, gy] = next as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]
    }
    // Last (extrapolated) updates of the data-side potentials, as in the differentiable step below.
    const gLast = tf.reshape(tf.mean(yx.softmin(f, eps)), [1])
    const gyLast = tf.reshape(tf.mean(yy.softmin(gy, eps)), [1])
    return tf.concat([g, fx, gLast, gyLast]) as tf.Tensor1D
  })
}

/** Debiased Sinkhorn divergence, x [n, d] (differentiable), y [m, d] (constant) → scalar. */
export function sinkhornDivergence(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  eps: number,
  iterations: number
): tf.Scalar {
  return tf.tidy(() => {
    const [n] = x.shape
    const m = y.shape[0]
    const xd = detach(x)
    const pots = potentials(xd, y, eps, iterations)
    const [g, fx, gMean, gyMean] = tf.split(pots, [m, n, 1, 1]) as tf.Tensor1D[]
    // Last update, differentiable in x through the cost only (envelope theorem): f from g on C(x, y), and the
    // symmetric potential through the first slot of C(x, x).
    const fxy = softmin(sqdist(x, y), g!, eps)
    const fxx = softmin(sqdist(x, xd), fx!, eps)
    const value = tf.sub(tf.add(tf.mean(fxy), gMean!), tf.add(tf.mean(fxx), gyMean!))
    return tf.reshape(value, []) as tf.Scalar
  })
}

export const sinkhorn: PushforwardObjective = {
  kind: 'pushforward',
  id: 'sinkhorn',
  family: 'statistics',
  title: 'Sinkhorn divergence (debiased)',
  paper: '§2, Kantorovich duality (entropic)',
  summary:
    'S_ε = OT_ε(x,y) − ½OT_ε(x,x) − ½OT_ε(y,y) with cost ‖x−y‖²: entropic optimal transport, debiased.\n' +
    'Interpolates between W₂² (ε → 0) and an energy-distance-like MMD (ε → ∞); log-domain, ε-scaled.',
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
  defaults: { steps: 1500, batch: 256, lr: 2e-3 },
  loss(x, y, p) {
    checkBatches('sinkhorn', x, y)
    const q = withDefaults(sinkhorn.params, p)
    return sinkhornDivergence(x, y, Number(q.epsilon), Number(q.iterations))
  }
}
