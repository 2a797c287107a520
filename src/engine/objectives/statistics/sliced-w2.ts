/**
 * Sliced Wasserstein-2 (§2, the Kantorovich end of the "Generalization" paragraph, made tractable in 1-D):
 *   SW₂²(μ, μ₁) = E_{θ ∼ U(S^{d−1})} W₂²(⟨θ, ·⟩#μ, ⟨θ, ·⟩#μ₁),
 * where each 1-D W₂² couples the two projected samples in sorted order. `projections` fresh directions per step.
 *
 * Sorting has no gradient in tfjs, but the optimal 1-D coupling is piecewise constant in x: with the ranks
 * read from the detached projections, ∂/∂x of Σ_i (⟨θ, x_i⟩ − q_{rank(i)})² is the exact gradient. So the
 * target q_{rank(i)} (the matching data quantile) is built in plain JS and the loss is a mean squared error
 * against that constant — the value and gradient of "sort, gather, subtract" without a gather (whose
 * gradient, UnsortedSegmentSum, the wasm backend does not implement).
 */
import * as tf from '@tensorflow/tfjs-core'
import { int } from '../../params'
import type { PushforwardObjective } from '../types'
import { checkBatches, matMulConst, unitDirections, withDefaults } from './ops'
import { mapImageDefaults } from '../image-budget'

/**
 * The per-point targets [n, P]: for generated projection column p, the data projection of matching rank
 * (the nearest quantile when n ≠ m). px [n, P] row-major, py [m, P] row-major.
 */
export function sortedTargets(
  px: Float32Array,
  py: Float32Array,
  n: number,
  m: number,
  P: number
): Float32Array {
  const target = new Float32Array(n * P)
  const idx = new Uint32Array(n)
  const col = new Float32Array(n)
  const ys = new Float32Array(m)
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < n; i++) {
      idx[i] = i
      col[i] = px[i * P + p]!
    }
    idx.sort((a, b) => col[a]! - col[b]!)
    for (let j = 0; j < m; j++) ys[j] = py[j * P + p]!
    ys.sort()
    for (let r = 0; r < n; r++) {
      const q = n === m ? r : Math.min(m - 1, Math.floor(((r + 0.5) * m) / n))
      target[idx[r]! * P + p] = ys[q]!
    }
  }
  return target
}

/** SW₂² with the given directions w [d, P]: x [n, d] differentiable, y [m, d] constant. */
export function slicedW2(x: tf.Tensor2D, y: tf.Tensor2D, w: Float32Array, P: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, d] = x.shape
    const m = y.shape[0]
    const W = tf.tensor2d(w, [d, P])
    const px = matMulConst(x, W)
    const py = tf.matMul(y, W)
    const target = tf.tensor2d(
      sortedTargets(px.dataSync() as Float32Array, py.dataSync() as Float32Array, n, m, P),
      [n, P]
    )
    return tf.mean(tf.squaredDifference(px, target)) as tf.Scalar
  })
}

export const slicedW2Objective: PushforwardObjective = {
  kind: 'pushforward',
  id: 'sliced-w2',
  family: 'statistics',
  title: 'Sliced Wasserstein-2',
  paper: '§2, Kantorovich duality (1-D slices)',
  summary:
    'Average over random directions θ of the 1-D W₂² between the projections ⟨θ, x⟩ and ⟨θ, y⟩.\n' +
    'In 1-D optimal transport is sorting, so each step is cheap: project, sort, match in order.',
  params: {
    projections: int(128, 1, 4096, 'Random unit directions θ per step (fresh each step).')
  },
  defaults: { steps: 2000, batch: 512, lr: 2e-3 },
  // One direction in 784 sees little of an image: 1 024 per step (a 256 × 784 × 1 024 product, cheap).
  imageDefaults: mapImageDefaults(3000, 256, { projections: 1024 }),
  loss(x, y, p, ctx) {
    checkBatches('sliced-w2', x, y)
    const P = Number(withDefaults(slicedW2Objective.params, p).projections)
    return slicedW2(x, y, unitDirections(ctx.rng, x.shape[1], P), P)
  }
}
