/**
 * DDIM with η = 0 (Song et al. 2021) for a noise predictor: x_s = α_s·x̂₀ + σ_s·ε̂, x̂₀ = (x − σ_t·ε̂)/α_t —
 * the probability-flow ODE integrated exactly for a constant ε̂ (first-order DPM-Solver). One evaluation per
 * step; the last step may go to t = 0 (ᾱ = 1), where it returns x̂₀.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { dataPrediction, type Sampler } from './types'

export const ddim: Sampler = {
  id: 'ddim',
  title: SAMPLER_TITLES.ddim,
  order: 1,
  nfePerStep: 1,
  fields: ['eps'],
  toDataEnd: true,
  step(ops, x, c) {
    const e = ops.net(x, c.t)
    return ops.lin([
      [dataPrediction(ops, c.field, x, e, c.t), c.field.alpha(c.s)],
      [e, c.field.sigma(c.s)]
    ])
  }
}
