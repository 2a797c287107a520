/**
 * Heun's method (explicit trapezoid), order 2: y = x + h·f(x, t), x ← x + h/2·(f(x, t) + f(y, s)), written
 * as ½x + ½y + h/2·f(y, s) so the corrector reads y and its own evaluation only (one fused update in a graph).
 * Two evaluations per step, the second at the step's end.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { velocity, type Sampler } from './types'

export const heun: Sampler = {
  id: 'heun',
  title: SAMPLER_TITLES.heun,
  order: 2,
  nfePerStep: 2,
  fields: ['velocity', 'data', 'eps'],
  step(ops, x, c) {
    const h = c.s - c.t
    const y = ops.lin([
      [x, 1],
      [velocity(ops, c, x, c.t), h]
    ])
    return ops.lin([
      [x, 0.5],
      [y, 0.5],
      [velocity(ops, c, y, c.s), 0.5 * h]
    ])
  }
}
