/**
 * DPM-Solver++ (2M), the multistep second-order solver of Lu et al. 2022 (the data-prediction form of
 * diffusers' DPMSolverMultistepScheduler, `solver_order=2`), for any path x_t = α_t·data + σ_t·noise — a noise
 * predictor (ε → x̂₀) or a flow-matching velocity (v → x̂₁ = x + (1 − t)·v, α = t, σ = 1 − t). With
 * λ = log(α/σ), h = λ_s − λ_t and r = h_prev / h (one network evaluation per step):
 *   x_s = (σ_s/σ_t)·x + α_s·(1 − e^{−h})·D,    D = (1 + 1/(2r))·x̂_t − 1/(2r)·x̂_prev.
 * The first step has no history and takes D = x̂_t (DDIM; on the straight path, Euler). e^{−h} = σ_s·α_t/(σ_t·α_s)
 * is computed directly, so a start at α = 0 (flow matching at t = 0) needs no infinite λ; the step after it
 * has h_prev = ∞, where the formula's limit is D = x̂_t (1/(2r) → 0, as in diffusers).
 *
 * The last step onto σ = 0 (the data end: t = 1 of a flow, t = 0 of a diffusion) has h = ∞, where the
 * λ-extrapolation of x̂ is singular (1/(2r) → ∞); diffusers drops to first order there (`lower_order_final`).
 * Here it stays second order, written in u = σ/α = e^{−λ}, which is finite (0) at the data end: x/α = x̂ + u·ε̂
 * solves d(x/α)/du = ε̂ (the noise prediction ε̂ = (x − α·x̂)/σ), and the two-step Adams–Bashforth step in u,
 *   x_s = (α_s/α_t)·x + α_s·H·((1 + q)·ε̂_t − q·ε̂_prev),   H = u_s − u_t = −u_t,   q = H / (2·(u_t − u_prev)),
 * lands on u = 0 without an evaluation there (q = 0 when u_prev = ∞, a flow's K = 2). This is the flow
 * form's last step: on the straight path u = (1 − t)/t is smooth at the data end, so the last step in u is
 * as long as the grid's. (Extrapolating x̂ linearly in t instead measured worse: there x̂ = x + (1 − t)·v
 * changes like (1 − t)·dv/dt.) A VP diffusion keeps diffusers' first-order last step: there u ~ √t near the
 * data, the last step in u is long against the one before, and the extrapolation lost accuracy on the
 * Gaussian closed form of the conformance suite (its default Karras grid ends at tMin, where that step is
 * short anyway).
 * On a cfm run of moons at K = 8 this step and the logsnr grid lowered the energy on each of six noise batches
 * against the first-order last step on a uniform grid, to Heun's K = 8 level (mean below it, within the
 * estimator's noise) with half the evaluations (docs/benchmarks.md).
 *
 * Its default grid on a flow-matching model is `logsnr` (grids.ts): uniform in λ between clipped ends, the
 * spacing DPM-Solver is derived for.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import type { Ops } from './ops'
import { dataPrediction, noisePrediction, type Sampler, type StepContext } from './types'

export const dpmpp2m: Sampler = {
  id: 'dpmpp-2m',
  title: SAMPLER_TITLES['dpmpp-2m'],
  order: 2,
  nfePerStep: 1,
  fields: ['velocity', 'data', 'eps'],
  toDataEnd: true,
  spacing: 'logsnr',
  step<R>(ops: Ops<R>, x: R, c: StepContext<R>): R {
    const f = c.field
    const { t, s } = c
    const [at, as, st, ss] = [f.alpha(t), f.alpha(s), f.sigma(t), f.sigma(s)]
    const e = ops.net(x, t)
    const tPrev = c.memory.get('t') as number | undefined
    const prev =
      tPrev === undefined ? undefined : { t: tPrev, x: c.memory.get('x') as R, e: c.memory.get('e') as R }
    c.memory.set('t', t)
    c.memory.set('x', x)
    c.memory.set('e', e)
    if (prev !== undefined && ss === 0 && f.kind !== 'eps') {
      // a flow's last step: Adams–Bashforth 2 in u = σ/α on the noise prediction, onto u = 0
      const u = (z: number): number => f.sigma(z) / f.alpha(z)
      const H = -u(t)
      const uPrev = u(prev.t)
      const q = Number.isFinite(uPrev) ? H / (2 * (u(t) - uPrev)) : 0
      return ops.lin([
        [x, as / at],
        [noisePrediction(ops, f, x, e, t), as * H * (1 + q)],
        [noisePrediction(ops, f, prev.x, prev.e, prev.t), -as * H * q]
      ])
    }
    const d = dataPrediction(ops, f, x, e, t)
    const expMinusH = (ss * at) / (st * as)
    const lambda = (u: number): number => Math.log(f.alpha(u) / f.sigma(u))
    const hPrev = prev === undefined ? Infinity : lambda(t) - lambda(prev.t)
    let D = d
    if (prev !== undefined && ss > 0 && Number.isFinite(hPrev)) {
      const k = (lambda(s) - lambda(t)) / (2 * hPrev)
      D = ops.lin([
        [d, 1 + k],
        [dataPrediction(ops, f, prev.x, prev.e, prev.t), -k]
      ])
    }
    return ops.lin([
      [x, ss / st],
      [D, as * (1 - expMinusH)]
    ])
  }
}
