/**
 * Dormand–Prince 5(4) (the `dopri5` of torchdiffeq and scipy's RK45): seven stages, the fifth-order solution
 * propagated, the embedded fourth-order one giving the error estimate that the adaptive driver
 * (integrate.ts) turns into step sizes under rtol/atol. First same as last: the seventh stage, f(x_s, s), is
 * the next step's first, so an adaptive run costs 1 + 6 evaluations per attempted step. On a given grid
 * (replaying the steps an adaptive run took, as the ONNX export does) it is a fixed-step fifth-order method
 * of 6 evaluations per step.
 */
import { SAMPLER_TITLES } from '../../shared/samplers'
import { velocity, type Sampler } from './types'

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1]
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
]
/** Fifth-order weights (also the seventh stage's row). */
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]
/** Fifth minus fourth order: the error estimate's weights over k₁ … k₇. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]

export const dopri5: Sampler = {
  id: 'dopri5',
  title: SAMPLER_TITLES.dopri5,
  order: 5,
  nfePerStep: 6,
  fields: ['velocity', 'data', 'eps'],
  adaptive: true,
  step(ops, x, c) {
    const h = c.s - c.t
    const first = c.memory.get('k1')
    const k: (typeof x)[] = [first !== undefined ? (first as typeof x) : velocity(ops, c, x, c.t)]
    for (let i = 1; i < 6; i++) {
      const y = ops.lin([[x, 1], ...A[i]!.map((a, j) => [k[j]!, h * a] as const)])
      k.push(velocity(ops, c, y, c.t + C[i]! * h))
    }
    const next = ops.lin([[x, 1], ...B.map((b, j) => [k[j]!, h * b] as const)])
    c.memory.delete('k1')
    if (c.wantError) {
      const k7 = velocity(ops, c, next, c.s)
      c.error = ops.lin([...k, k7].map((kj, j) => [kj, h * E[j]!] as const))
      c.memory.set('k1', k7)
    }
    return next
  }
}
