/**
 * DDPM's ancestral sampler (DDIM with η = 1) for a noise predictor: x_s drawn from the Gaussian posterior
 * q(x_s | x_t, x̂₀): x_s = α_s·x̂₀ + √(σ_s² − ς²)·ε̂ + ς·ξ, ς = (σ_s/σ_t)·√(1 − ᾱ_t/ᾱ_s). Stochastic:
 * no transport map and no graph.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { dataPrediction, type Sampler } from './types'

export const ddpm: Sampler = {
  id: 'ddpm',
  title: SAMPLER_TITLES.ddpm,
  order: 1,
  nfePerStep: 1,
  fields: ['eps'],
  stochastic: true,
  toDataEnd: true,
  step(ops, x, c) {
    const f = c.field
    const e = ops.net(x, c.t)
    const at = f.alpha(c.t) ** 2
    const as = f.alpha(c.s) ** 2
    const ss = f.sigma(c.s)
    const st = f.sigma(c.t)
    const sd = (ss / st) * Math.sqrt(Math.max(0, 1 - at / as))
    return ops.lin([
      [dataPrediction(ops, f, x, e, c.t), f.alpha(c.s)],
      [e, Math.sqrt(Math.max(0, ss * ss - sd * sd))],
      [ops.noise(x), sd]
    ])
  }
}
