/**
 * Heun's method (explicit trapezoid), order 2: y = x + h·f(x, t), x ← x + h/2·(f(x, t) + f(y, s)), written
 * as ½x + ½y + h/2·f(y, s) so the corrector reads y and its own evaluation only (one fused update in a graph).
 * Two evaluations per step, the second at the step's end. The last step onto the data end of a data or noise
 * prediction, whose field is singular there, lands on x̂(x, t) instead (`landOrStep`, EDM's rule): on cfm's
 * mnist image budget that closed Heun K = 100's gap to DDIM K = 100 (docs/benchmarks.md).
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { landOrStep, velocity, velocityOf, type Sampler } from './types'

export const heun: Sampler = {
  id: 'heun',
  title: SAMPLER_TITLES.heun,
  order: 2,
  nfePerStep: 2,
  fields: ['velocity', 'data', 'eps'],
  step(ops, x, c) {
    const h = c.s - c.t
    const e = ops.net(x, c.t)
    const y = ops.lin([
      [x, 1],
      [velocityOf(ops, c.field, x, e, c.t), h]
    ])
    const update = ops.lin([
      [x, 0.5],
      [y, 0.5],
      [velocity(ops, c, y, c.s), 0.5 * h]
    ])
    return landOrStep(ops, c, x, e, update)
  }
}
