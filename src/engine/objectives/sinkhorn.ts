/**
 * Debiased Sinkhorn divergence (§2, Kantorovich duality W_c = D_∞(·, ·; J_Π), entropically regularised):
 *   S_ε(μ, μ₁) = OT_ε(μ, μ₁) − ½ OT_ε(μ, μ) − ½ OT_ε(μ₁, μ₁),
 *   OT_ε(α, β) = min_π ⟨π, C⟩ + ε KL(π | α⊗β) = max_{f,g} ⟨α, f⟩ + ⟨β, g⟩ − ε⟨α⊗β, e^{(f⊕g−C)/ε} − 1⟩,
 * C(x, y) = ‖x − y‖² (so S_ε → W₂² as ε → 0, and S_ε(μ, μ shifted by δ) = ‖δ‖² exactly).
 *
 * Dual potentials by log-domain Sinkhorn iterations on the uniform empirical weights, with ε-scaling (ε starts
 * at the squared diameter of the batches and decreases geometrically to `epsilon` over the first half of the
 * `iterations`). Gradient: envelope theorem. The iterations run off the gradient tape on detached points; one
 * last differentiable Sinkhorn update f_i = −ε log Σ_j β_j e^{(g_j − C(x_i, y_j))/ε} (and the same for the
 * symmetric x–x problem, through its first slot) gives ∇_{x_i} OT_ε = Σ_j π_ij ∇_x C(x_i, y_j) — not the
 * gradient through the unrolled loop, which would cost `iterations` times more memory and time.
 */
import * as tf from '@tensorflow/tfjs-core'
import { float, int } from '../params'
import type { PushforwardObjective } from './types'
import { checkBatches, detach, sqdist, sqdistConst, untaped, withDefaults } from './ops'

/** c-transform with uniform weights 1/m: −ε log (1/m) Σ_j exp((g_j − C_ij)/ε), C [n, m], g [m] → [n]. */
function softmin(c: tf.Tensor2D, g: tf.Tensor1D, eps: number): tf.Tensor1D {
  const m = c.shape[1]
  return tf.mul(tf.sub(tf.logSumExp(tf.mul(tf.sub(g, c), 1 / eps), 1), Math.log(m)), -eps)
}

/** ε schedule: geometric from the squared diameter down to ε over the first half, then ε. */
export function epsilonSchedule(diameter2: number, eps: number, iterations: number): number[] {
  const half = Math.max(1, Math.ceil(iterations / 2))
  const start = Math.max(diameter2, eps)
  const q = Math.pow(eps / start, 1 / half)
  return Array.from({ length: iterations }, (_, k) => Math.max(eps, start * Math.pow(q, k)))
}

/**
 * Converged potentials (constants): f, g of the x–y problem, and the symmetric potentials of x–x and y–y,
 * concatenated [n + m + n + m].
 */
function potentials(cxy: tf.Tensor2D, cxx: tf.Tensor2D, cyy: tf.Tensor2D, eps: number, iterations: number) {
  return untaped(() => {
    const [n, m] = cxy.shape
    const cyx = tf.transpose(cxy)
    const diam2 = Math.max(tf.max(cxy).dataSync()[0]!, tf.max(cxx).dataSync()[0]!, tf.max(cyy).dataSync()[0]!)
    let f: tf.Tensor1D = tf.zeros([n])
    let g: tf.Tensor1D = tf.zeros([m])
    let fx: tf.Tensor1D = tf.zeros([n])
    let gy: tf.Tensor1D = tf.zeros([m])
    for (const e of epsilonSchedule(diam2, eps, iterations)) {
      const next = tf.tidy(() => {
        const f1 = softmin(cxy, g, e)
        const g1 = softmin(cyx, f1, e)
        // Symmetric problems: averaged updates converge without oscillating.
        const fx1 = tf.mul(tf.add(fx, softmin(cxx, fx, e)), 0.5)
        const gy1 = tf.mul(tf.add(gy, softmin(cyy, gy, e)), 0.5)
        return [f1, g1, fx1, gy1] as tf.Tensor1D[]
      })
      tf.dispose([f, g, fx, gy])
      ;[f, g, fx, gy] = next as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]
    }
    return tf.concat([f, g, fx, gy])
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
    const cxyConst = sqdistConst(xd, y)
    const cyy = sqdistConst(y, y, true)
    const cxxConst = sqdistConst(xd, xd, true)
    const pots = potentials(cxyConst, cxxConst, cyy, eps, iterations)
    const [f, g, fx, gy] = tf.split(pots, [n, m, n, m]) as tf.Tensor1D[]
    // Last update, differentiable in x through the cost only (envelope theorem).
    const fxy = softmin(sqdist(x, y), g!, eps)
    const gxy = untaped(() => softmin(tf.transpose(cxyConst), f!, eps))
    const fxx = softmin(sqdist(x, xd), fx!, eps)
    const gyy = untaped(() => softmin(cyy, gy!, eps))
    return tf.sub(tf.add(tf.mean(fxy), tf.mean(gxy)), tf.add(tf.mean(fxx), tf.mean(gyy))) as tf.Scalar
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
    iterations: int(20, 1, 1000, 'Sinkhorn iterations per step (ε-scaled over the first half).')
  },
  defaults: { steps: 1500, batch: 256, lr: 2e-3 },
  loss(x, y, p) {
    checkBatches('sinkhorn', x, y)
    const q = withDefaults(sinkhorn.params, p)
    return sinkhornDivergence(x, y, Number(q.epsilon), Number(q.iterations))
  }
}
