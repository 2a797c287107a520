/**
 * Samplers of flow and diffusion models (§4): one record per sampler (types.ts), its update rule written once
 * against `Ops` (ops.ts) and run in JS (`integrateField`), traced to a plan for the ONNX graph and the
 * benchmark (`tracePlan`, `runPlan`). Time grids in grids.ts; what a network predicts in field.ts.
 */
export { SAMPLERS, findSampler } from './registry'
export type { Sampler, StepContext } from './types'
export {
  DATA_FIELD,
  DATA_FIELD_MIN_GAP,
  VELOCITY_FIELD,
  dataField,
  epsField,
  fieldVelocity,
  type Field
} from './field'
export {
  EagerOps,
  Tracer,
  TraceError,
  atomUses,
  combine,
  runPlan,
  type Atom,
  type NetFn,
  type Ops,
  type Plan,
  type PlanOp
} from './ops'
export {
  DEFAULT_TOLERANCES,
  SamplerError,
  integrateField,
  stepGrid,
  tracePlan,
  type IntegrateResult,
  type Tolerances
} from './integrate'
export { GridError, checkGridList, logSnrGrid, parseGrid, spacedGrid, uniformGrid } from './grids'
export { eulerMaruyama } from './sde'

import type { NetFn } from './ops'
import { VELOCITY_FIELD, epsField } from './field'
import { ddim as ddimRecord } from './ddim'
import { ddpm as ddpmRecord } from './ddpm'
import type { Rng } from '../rng'
import { integrateField } from './integrate'
import { euler as eulerRecord } from './euler'
import { heun as heunRecord } from './heun'

/** A velocity field dx/dt = v(x, t) on row-major arrays (tests, closed forms). */
export type VelocityField = NetFn

/** Euler on `grid` for a velocity field (the `euler` record). */
export function euler(v: VelocityField, x0: Float32Array, grid: readonly number[]): Float32Array {
  return integrateField(eulerRecord, VELOCITY_FIELD, v, x0, grid).x
}

/** Heun on `grid` for a velocity field (the `heun` record). */
export function heun(v: VelocityField, x0: Float32Array, grid: readonly number[]): Float32Array {
  return integrateField(heunRecord, VELOCITY_FIELD, v, x0, grid).x
}

/** A noise predictor of a VP diffusion: x_t [n, d] at diffusion time t → ε̂ [n, d]. */
export type NoisePredictor = NetFn

/**
 * DDIM on a decreasing grid of diffusion times with ᾱ = `alphaBar`: η = 0 the deterministic `ddim` record,
 * η = 1 the ancestral `ddpm` record (`rng` required).
 */
export function ddim(
  eps: NoisePredictor,
  xT: Float32Array,
  grid: readonly number[],
  alphaBar: (t: number) => number,
  eta: 0 | 1 = 0,
  rng?: Rng
): Float32Array {
  if (eta === 1 && !rng) throw new RangeError('DDIM with η > 0 draws noise: pass an Rng.')
  const field = epsField(alphaBar, () => 0)
  return integrateField(eta === 1 ? ddpmRecord : ddimRecord, field, eps, xT, grid, { rng: rng ?? null }).x
}
