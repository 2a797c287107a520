/**
 * DDIM with η = 0 (Song et al. 2021): x_s = α_s·x̂ + σ_s·ε̂, with the data prediction x̂ and the noise
 * prediction ε̂ = (x − α_t·x̂)/σ_t at (x, t) — the ODE integrated exactly while x̂ stays constant (first-order
 * DPM-Solver). One evaluation per step, at its start, so the last step lands on the data end (σ = 0: t = 0
 * of a diffusion, t = 1 of a flow) and returns x̂ there without evaluating the network at σ = 0.
 *
 * - A noise predictor (ddpm): the classic DDIM.
 * - A velocity flow on the straight path: x_s = x + (s − t)·v, Euler exactly.
 * - A data-predicting flow (DATA_FIELD): x_s = ((1 − s)·x + (s − t)·x̂)/(1 − t), the exact solution of
 *   dx/dt = (x̂ − x)/(1 − t) — no 1/(1 − t) gain to clamp near the data end (DATA_FIELD_MIN_GAP is what the
 *   explicit samplers need), and the last step is the clean-sample prediction itself. On the mnist image
 *   budget's cfm it scores the fd of Heun K = 100 (since Heun lands on x̂ too) with half the evaluations
 *   (docs/benchmarks.md).
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { dataPrediction, noisePrediction, type Sampler } from './types'

export const ddim: Sampler = {
  id: 'ddim',
  title: SAMPLER_TITLES.ddim,
  order: 1,
  nfePerStep: 1,
  fields: ['velocity', 'data', 'eps'],
  toDataEnd: true,
  step(ops, x, c) {
    const e = ops.net(x, c.t)
    return ops.lin([
      [dataPrediction(ops, c.field, x, e, c.t), c.field.alpha(c.s)],
      // on the last step σ(s) = 0: the noise term stays with coefficient 0, so that step records the same
      // ops as the others (the Loop form, ops.ts)
      [noisePrediction(ops, c.field, x, e, c.t), c.field.sigma(c.s)]
    ])
  }
}
