/**
 * DPM-Solver++ (2M), the multistep second-order solver of Lu et al. 2022 (diffusers'
 * DPMSolverMultistepScheduler, `algorithm_type="dpmsolver++"`, `solver_order=2`), in the data-prediction
 * form that works for any path x_t = α_t·data + σ_t·noise — a noise predictor (ε → x̂₀) or a flow-matching
 * velocity (v → x̂₁ = x + (1 − t)·v, α = t, σ = 1 − t). With λ = log(α/σ) and h = λ_s − λ_t:
 *   x_s = (σ_s/σ_t)·x + α_s·(1 − e^{−h})·D,
 *   D = x̂_t                                  first step, and the last step onto σ = 0 (lower_order_final),
 *   D = (1 + 1/(2r))·x̂_t − 1/(2r)·x̂_prev,    r = h_prev / h, otherwise.
 * e^{−h} = σ_s·α_t/(σ_t·α_s) is computed directly, so paths that start at α = 0 (flow matching at t = 0) or end
 * at σ = 0 need no infinite λ. One evaluation per step, never at the data end.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { dataPrediction, type Sampler } from './types'

export const dpmpp2m: Sampler = {
  id: 'dpmpp-2m',
  title: SAMPLER_TITLES['dpmpp-2m'],
  order: 2,
  nfePerStep: 1,
  fields: ['velocity', 'eps'],
  toDataEnd: true,
  step(ops, x, c) {
    const f = c.field
    const [at, as, st, ss] = [f.alpha(c.t), f.alpha(c.s), f.sigma(c.t), f.sigma(c.s)]
    const d = dataPrediction(ops, f, x, ops.net(x, c.t), c.t)
    const expMinusH = (ss * at) / (st * as)
    const h = Math.log(as / ss) - Math.log(at / st)
    const prev = c.memory.get('data')
    const hPrev = c.memory.get('h')
    c.memory.set('data', d)
    c.memory.set('h', h)
    let D = d
    if (prev !== undefined && typeof hPrev === 'number' && ss > 0 && Number.isFinite(hPrev)) {
      const q = 1 / (2 * (hPrev / h))
      D = ops.lin([
        [d, 1 + q],
        [prev as typeof x, -q]
      ])
    }
    return ops.lin([
      [x, ss / st],
      [D, as * (1 - expMinusH)]
    ])
  }
}
