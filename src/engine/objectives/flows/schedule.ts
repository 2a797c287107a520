/**
 * Variance-preserving noise schedules for `ddpm` (§4, eq. (5) with E(x) = ‖x‖²/2).
 *
 * Eq. (5) with U = ∇E = x is the Ornstein–Uhlenbeck process dX = −X ds + √2 dB, whose marginal given X₀ = x₀
 * is N(e^{−s} x₀, (1 − e^{−2s}) I). A schedule is a time change s = ½∫₀^t β(r) dr from diffusion time
 * t ∈ [0, 1] to OU time s, i.e. the VP SDE dX = −½β(t) X dt + √β(t) dB with
 *   ᾱ(t) = exp(−∫₀^t β) = e^{−2s},   X_t | X₀ = x₀ ~ N(√ᾱ(t) x₀, (1 − ᾱ(t)) I).
 * - `linear` (Song et al. 2021, continuous DDPM): β(t) = β_min + t (β_max − β_min), β_min = 0.1, β_max = 20,
 *   so ᾱ(t) = exp(−β_min t − ½(β_max − β_min) t²) and ᾱ(1) ≈ 4.3·10⁻⁵.
 * - `cosine` (Nichol & Dhariwal 2021): ᾱ(t) = f(tT)/f(0), f(u) = cos²((u + s₀)/(1 + s₀) · π/2), s₀ = 0.008,
 *   with T < 1 chosen so that ᾱ(1) = 10⁻⁴ (the cosine reaches 0 at u = 1, where x̂₀ is undefined);
 *   β(t) = −d log ᾱ/dt = tan((tT + s₀)/(1 + s₀) · π/2) · Tπ/(1 + s₀).
 * At t = 1 the forward marginal is N(0, I) up to √ᾱ(1) ≤ 0.01 of the data, so sampling starts from z ~ N(0, I).
 */
export type VpScheduleId = 'linear' | 'cosine'
export const VP_SCHEDULES: readonly VpScheduleId[] = ['linear', 'cosine']

export interface VpSchedule {
  id: VpScheduleId
  /** ᾱ(t) = exp(−∫₀^t β), t ∈ [0, 1]; ᾱ(0) = 1. */
  alphaBar(t: number): number
  /** β(t) = −d log ᾱ(t)/dt. */
  beta(t: number): number
  /** The inverse of ᾱ: the time t ∈ [0, 1] at which ᾱ(t) = a (closed form). */
  timeOf(a: number): number
}

const BETA_MIN = 0.1
const BETA_MAX = 20

const linear: VpSchedule = {
  id: 'linear',
  alphaBar: (t) => Math.exp(-BETA_MIN * t - 0.5 * (BETA_MAX - BETA_MIN) * t * t),
  beta: (t) => BETA_MIN + t * (BETA_MAX - BETA_MIN),
  // ½Δ t² + β_min t + log a = 0, Δ = β_max − β_min.
  timeOf: (a) => {
    const D = BETA_MAX - BETA_MIN
    return clamp01((-BETA_MIN + Math.sqrt(BETA_MIN * BETA_MIN - 2 * D * Math.log(a))) / D)
  }
}

const clamp01 = (t: number): number => Math.min(1, Math.max(0, t))

const S0 = 0.008
const COS_ALPHA_MIN = 1e-4
const f = (u: number): number => Math.cos(((u + S0) / (1 + S0)) * (Math.PI / 2)) ** 2
const F0 = f(0)
/** T such that f(T)/f(0) = COS_ALPHA_MIN. */
const COS_T = ((1 + S0) * 2 * Math.acos(Math.sqrt(COS_ALPHA_MIN * F0))) / Math.PI - S0

const cosine: VpSchedule = {
  id: 'cosine',
  alphaBar: (t) => f(t * COS_T) / F0,
  beta: (t) => Math.tan(((t * COS_T + S0) / (1 + S0)) * (Math.PI / 2)) * ((COS_T * Math.PI) / (1 + S0)),
  timeOf: (a) => clamp01((((1 + S0) * 2 * Math.acos(Math.sqrt(Math.min(1, a * F0)))) / Math.PI - S0) / COS_T)
}

export function vpSchedule(id: VpScheduleId): VpSchedule {
  return id === 'cosine' ? cosine : linear
}

/** σ_t = √(1 − ᾱ(t)): the noise level of x_t (TorchCFM's `sigma_t`). */
export function vpStd(schedule: VpSchedule, t: number): number {
  return Math.sqrt(Math.max(0, 1 - schedule.alphaBar(t)))
}

/** The OU time s = −½ log ᾱ(t) of eq. (5) (unit rate) that diffusion time t maps to. */
export function ouTime(t: number, schedule: VpScheduleId = 'linear'): number {
  return -0.5 * Math.log(vpSchedule(schedule).alphaBar(t))
}

/**
 * Closed-form forward marginal of eq. (5) (E = ‖x‖²/2) at diffusion time t: X_t | X₀ = x₀ ~ N(mean, std² I),
 * mean = √ᾱ(t) x₀ (same layout as x₀), std = √(1 − ᾱ(t)).
 */
export function ouMarginal(
  x0: ArrayLike<number>,
  t: number,
  schedule: VpScheduleId = 'linear'
): { mean: Float32Array; std: number } {
  const s = vpSchedule(schedule)
  const a = Math.sqrt(s.alphaBar(t))
  const mean = new Float32Array(x0.length)
  for (let i = 0; i < x0.length; i++) mean[i] = a * x0[i]!
  return { mean, std: vpStd(s, t) }
}

/** The noise-to-signal ratio σ̃(t) = √((1 − ᾱ)/ᾱ) (the σ of the equivalent variance-exploding process). */
export function noiseToSignal(schedule: VpSchedule, t: number): number {
  const a = schedule.alphaBar(t)
  return Math.sqrt((1 - a) / a)
}

/**
 * Karras et al. (2022, "EDM") step grid: K + 1 times from tMax down to tMin, equally spaced in σ̃^{1/ρ}
 * (ρ = 7), mapped back to diffusion time. Steps crowd towards low noise, where the score changes fastest,
 * and stay off the stiff end of the cosine schedule near t = 1 (β(1) ≈ 300).
 */
export function karrasGrid(schedule: VpSchedule, K: number, tMax: number, tMin: number, rho = 7): number[] {
  if (!(Number.isInteger(K) && K >= 1))
    throw new RangeError(`The number of steps must be an integer ≥ 1, got ${K}.`)
  const hi = noiseToSignal(schedule, tMax) ** (1 / rho)
  const lo = noiseToSignal(schedule, tMin) ** (1 / rho)
  const g = new Array<number>(K + 1)
  for (let i = 0; i <= K; i++) {
    const sig = (hi + (i / K) * (lo - hi)) ** rho
    g[i] = schedule.timeOf(1 / (1 + sig * sig))
  }
  g[0] = tMax
  g[K] = tMin
  return g
}
