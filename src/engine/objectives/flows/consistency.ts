/**
 * Consistency models (Song et al. 2023; improved training, Song & Dhariwal 2024) on the flows' straight path
 * (t = 0 noise, t = 1 data, x_t = (1 − t) x₀ + t x₁). The consistency function is parameterised through the
 * jump network with its horizon at the data end,
 *   f_θ(x, t) = x + (1 − t)·u_θ(x, t, 1 − t),      so f_θ(x, 1) = x exactly (the boundary condition),
 * and trained so that f agrees at neighbouring times of one trajectory:
 *   L = λ_i · d(f_θ(x_{t_i}, t_i), f_⁻(x̂_{t_{i+1}}, t_{i+1})),
 * f_⁻ a stop-gradient (the online network for `ct`, the moving average for `cd`), x̂_{t_{i+1}} the same
 * (x₀, x₁) at t_{i+1} (`ct`) or one teacher ODE step from x_{t_i} (`cd`).
 *
 * The grid is the Karras et al. σ-grid (σ_min 0.002, σ_max 80, ρ = 7) mapped to t = 1/(1 + σ) — x_t/t is
 * EDM's x + σ·ε — with its ends set to t = 0 (pure noise, where one-step sampling starts) and t = 1.
 * The distance d is the pseudo-Huber √(‖Δ‖² + c²) − c (`huber` c > 0) or ‖Δ‖²; both are trained as a
 * weighted square of the u residual with the weight taken at the current residual (the pseudo-Huber's
 * gradient is that of ½‖Δ‖²/√(‖Δ₀‖² + c²) at Δ = Δ₀), so one regression step serves every family.
 */
import { erf } from '../../math'
import { float } from '../../params'
import type { Rng } from '../../rng'
import type { JumpNet } from '../../models/jump'
import { JumpModel, type JumpBatch } from './jump'

export const SIGMA_MIN = 0.002
export const SIGMA_MAX = 80
export const RHO = 7

export const CONSISTENCY_PARAMS = {
  huber: float(0.03, 0, 10, 'Pseudo-Huber constant c of the distance √(‖Δ‖² + c²) − c (0: squared distance).')
}

/** The N + 1 times t_0 = 0 < … < t_N = 1 of the Karras σ-grid with N intervals. */
export function consistencyGrid(N: number): Float64Array {
  const t = new Float64Array(N + 1)
  const a = Math.pow(SIGMA_MAX, 1 / RHO)
  const b = Math.pow(SIGMA_MIN, 1 / RHO)
  for (let i = 0; i <= N; i++) {
    const sigma = Math.pow(a + (i / N) * (b - a), RHO)
    t[i] = 1 / (1 + sigma)
  }
  t[0] = 0
  t[N] = 1
  return t
}

/**
 * Interval probabilities of improved CT's lognormal time sampling: p(i) ∝ Φ((ln σ_i − P_mean)/P_std) −
 * Φ((ln σ_{i+1} − P_mean)/P_std), P_mean = −1.1, P_std = 2 (σ_i = (1 − t_i)/t_i, σ_0 = ∞).
 */
export function lognormalWeights(grid: ArrayLike<number>, mean = -1.1, std = 2): Float64Array {
  const N = grid.length - 1
  const cdf = (t: number): number => {
    if (t <= 0) return 1
    if (t >= 1) return 0
    const z = (Math.log((1 - t) / t) - mean) / (std * Math.SQRT2)
    return 0.5 * (1 + erf(z))
  }
  const p = new Float64Array(N)
  let s = 0
  for (let i = 0; i < N; i++) s += p[i] = Math.max(0, cdf(grid[i]!) - cdf(grid[i + 1]!))
  for (let i = 0; i < N; i++) p[i]! /= s
  return p
}

/** B interval indices drawn from probabilities p (uniform when null). */
export function drawIntervalIndices(p: Float64Array | null, N: number, B: number, rng: Rng): Uint32Array {
  const idx = new Uint32Array(B)
  for (let r = 0; r < B; r++) {
    if (!p) {
      idx[r] = rng.int(N)
      continue
    }
    let u = rng.uniform()
    let i = 0
    while (i < N - 1 && u >= p[i]!) u -= p[i++]!
    idx[r] = i
  }
  return idx
}

/** f(x, t) = x + (1 − t)·u(x, t, 1 − t) with `net`, off the tape. x [n, d]; t [n]. */
export function consistencyFn(net: JumpNet, x: Float32Array, t: Float32Array): Float32Array {
  const d = net.spec.dim
  const left = t.map((ti) => 1 - ti)
  const u = net.predict(x, t, left)
  return x.map((xi, k) => xi + left[Math.floor(k / d)]! * u[k]!)
}

/**
 * The regression batch of a consistency step: rows x at times t (the earlier time t_i), targets for u with the
 * weights that make the weighted squared u residual the chosen distance on f. No per-interval weight λ_i:
 * improved CT's 1/(σ_i − σ_{i+1}), as 1/(t_{i+1} − t_i), put the batch's weight on the tiny intervals next to
 * the data and left the noise end — where one-step sampling starts — untrained (ct on 8gaussians,
 * 1500 × 256: 1.56 × the Gaussian yard-stick with it, 0.10 without).
 * `fTarget` are f_⁻(x̂_{t_{i+1}}, t_{i+1}) [B, d]; `online` evaluates the current network for the pseudo-Huber.
 */
export function consistencyBatch(
  online: JumpNet,
  x: Float32Array,
  t: Float32Array,
  fTarget: Float32Array,
  huber: number
): JumpBatch {
  const d = online.spec.dim
  const B = t.length
  const h = t.map((ti) => 1 - ti)
  const target = new Float32Array(B * d)
  for (let k = 0; k < target.length; k++) {
    const i = Math.floor(k / d)
    target[k] = (fTarget[k]! - x[k]!) / h[i]!
  }
  const weight = new Float32Array(B)
  const fNow = huber > 0 ? consistencyFn(online, x, t) : null
  let gap = 0
  for (let i = 0; i < B; i++) {
    let sq = 0
    for (let j = 0; j < d; j++) sq += ((fNow ? fNow[i * d + j]! : 0) - fTarget[i * d + j]!) ** 2
    gap += Math.sqrt(sq)
    // ‖Δf‖² = (1 − t)²‖Δu‖²; the pseudo-Huber's 1/(2√(‖Δf‖² + c²)).
    const dist = fNow ? 1 / (2 * Math.sqrt(sq + huber * huber)) : 1
    weight[i] = h[i]! * h[i]! * dist
  }
  const mean = weight.reduce((s, w) => s + w, 0) / B
  for (let i = 0; i < B; i++) weight[i]! /= mean
  return { x, t, h, target, weight, extra: fNow ? { consistencyGap: gap / B } : {} }
}

/** A consistency model whose self-consistency (horizon 1 − t) shapes the sampling jumps. */
export abstract class ConsistencyModel extends JumpModel {
  /** Every jump reaches for the data end: K-step sampling is DDIM along the straight path. */
  protected override horizon(t: number): number {
    return 1 - t
  }
}
