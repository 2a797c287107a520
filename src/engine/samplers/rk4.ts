/**
 * The classical Runge–Kutta method, order 4: k₁ = f(x, t), k₂ = f(x + h/2·k₁, t + h/2),
 * k₃ = f(x + h/2·k₂, t + h/2), k₄ = f(x + h·k₃, s), x ← x + h/6·(k₁ + 2k₂ + 2k₃ + k₄). Four evaluations.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { velocity, type Sampler } from './types'

export const rk4: Sampler = {
  id: 'rk4',
  title: SAMPLER_TITLES.rk4,
  order: 4,
  nfePerStep: 4,
  fields: ['velocity', 'data', 'eps'],
  step(ops, x, c) {
    const h = c.s - c.t
    const mid = c.t + h / 2
    const at = (k: typeof x, f: number): typeof x =>
      ops.lin([
        [x, 1],
        [k, f * h]
      ])
    const k1 = velocity(ops, c, x, c.t)
    const k2 = velocity(ops, c, at(k1, 0.5), mid)
    const k3 = velocity(ops, c, at(k2, 0.5), mid)
    const k4 = velocity(ops, c, at(k3, 1), c.s)
    return ops.lin([
      [x, 1],
      [k1, h / 6],
      [k2, h / 3],
      [k3, h / 3],
      [k4, h / 6]
    ])
  }
}
