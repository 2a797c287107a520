/** Explicit Euler, order 1: x ← x + h·f(x, t), h = s − t. One evaluation per step, never at the last time. */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { velocity, type Sampler } from './types'

export const euler: Sampler = {
  id: 'euler',
  title: SAMPLER_TITLES.euler,
  order: 1,
  nfePerStep: 1,
  fields: ['velocity', 'data', 'eps'],
  step(ops, x, c) {
    return ops.lin([
      [x, 1],
      [velocity(ops, c, x, c.t), c.s - c.t]
    ])
  }
}
