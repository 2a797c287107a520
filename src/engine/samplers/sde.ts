/**
 * Stochastic integrators: Euler–Maruyama for dX = b(X, t) dt + g(t) dB on a time grid (increasing or
 * decreasing; the noise scales with √|h|), and DDIM / ancestral DDPM updates for a variance-preserving
 * diffusion driven by a noise predictor. Pure functions over callbacks on row-major Float32Arrays; every
 * random draw comes from the caller's `Rng`.
 */
import type { Rng } from '../rng'
import type { VelocityField } from './ode'

/**
 * Euler–Maruyama, strong order ½: x_{i+1} = x_i + h_i b(x_i, t_i) + g(t_i) √|h_i| ξ_i, ξ_i ~ N(0, I).
 * Returns a new array.
 */
export function eulerMaruyama(
  drift: VelocityField,
  diffusion: (t: number) => number,
  x0: Float32Array,
  grid: readonly number[],
  rng: Rng
): Float32Array {
  const x = Float32Array.from(x0)
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i]!
    const h = grid[i + 1]! - t
    const b = drift(x, t)
    const g = diffusion(t) * Math.sqrt(Math.abs(h))
    const xi = rng.normals(x.length)
    for (let j = 0; j < x.length; j++) x[j] = x[j]! + h * b[j]! + g * xi[j]!
  }
  return x
}

/** A noise predictor of a VP diffusion: x_t [n, d] at diffusion time t → ε̂ [n, d]. */
export type NoisePredictor = (x: Float32Array, t: number) => Float32Array

/**
 * DDIM (Song et al. 2021) on a decreasing grid of diffusion times t₀ > t₁ > … > t_K with ᾱ = `alphaBar`:
 *   x̂₀ = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t,
 *   x_s = √ᾱ_s x̂₀ + √(1 − ᾱ_s − σ²) ε̂ + σ ξ,   σ = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s).
 * η = 0 is deterministic (the probability-flow ODE (7) integrated in the variables x/√ᾱ against
 * √(1−ᾱ)/√ᾱ, exact for a constant ε̂); η = 1 is DDPM's ancestral sampler: x_s drawn from the Gaussian
 * posterior q(x_s | x_t, x̂₀). K evaluations of ε̂; the last grid time may be 0 (ᾱ = 1), never evaluated.
 * `rng` is required when η > 0.
 */
export function ddim(
  eps: NoisePredictor,
  xT: Float32Array,
  grid: readonly number[],
  alphaBar: (t: number) => number,
  eta = 0,
  rng?: Rng
): Float32Array {
  if (eta > 0 && !rng) throw new RangeError('DDIM with η > 0 draws noise: pass an Rng.')
  const x = Float32Array.from(xT)
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i]!
    const s = grid[i + 1]!
    const at = alphaBar(t)
    const as = alphaBar(s)
    const e = eps(x, t)
    const sqrtAt = Math.sqrt(at)
    const sigT = Math.sqrt(1 - at)
    const sigma = eta > 0 ? eta * Math.sqrt(Math.max(0, ((1 - as) / (1 - at)) * (1 - at / as))) : 0
    const dirCoef = Math.sqrt(Math.max(0, 1 - as - sigma * sigma))
    const sqrtAs = Math.sqrt(as)
    const xi = sigma > 0 ? rng!.normals(x.length) : null
    for (let j = 0; j < x.length; j++) {
      const x0 = (x[j]! - sigT * e[j]!) / sqrtAt
      x[j] = sqrtAs * x0 + dirCoef * e[j]! + (xi ? sigma * xi[j]! : 0)
    }
  }
  return x
}
