/**
 * Explicit Euler, order 1: x ← x + h·f(x, t), h = s − t. One evaluation per step, never at the last time; the
 * last step onto the data end of a data or noise prediction lands on x̂(x, t) (`landOrStep`).
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { landOrStep, velocityOf, type Sampler } from './types'

export const euler: Sampler = {
  id: 'euler',
  title: SAMPLER_TITLES.euler,
  order: 1,
  nfePerStep: 1,
  fields: ['velocity', 'data', 'eps'],
  step(ops, x, c) {
    const e = ops.net(x, c.t)
    const update = ops.lin([
      [x, 1],
      [velocityOf(ops, c.field, x, e, c.t), c.s - c.t]
    ])
    return landOrStep(ops, c, x, e, update)
  }
}
