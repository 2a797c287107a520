/**
 * Running a sampler record: on a fixed grid with any `Ops` (values or a trace), or adaptively (dopri5) with
 * error control on values. Every run counts its network evaluations.
 */
import type { Rng } from '../rng'
import type { Field } from './field'
import { EagerOps, Tracer, type NetFn, type Ops, type Plan } from './ops'
import type { Sampler, StepContext } from './types'

export class SamplerError extends RangeError {
  override name = 'SamplerError'
}

function checkFits(sampler: Sampler, field: Field, grid: readonly number[]): void {
  if (!sampler.fields.includes(field.kind))
    throw new SamplerError(
      `The ${sampler.id} sampler integrates ${sampler.fields.join(' / ')} fields, not a ${field.kind} field.`
    )
  if (grid.length < 2) throw new SamplerError('A sampler needs a grid of at least two times (one step).')
}

/** The sampler's steps on `grid` (K + 1 times in the direction of integration), with any Ops. */
export function stepGrid<R>(
  ops: Ops<R>,
  sampler: Sampler,
  field: Field,
  x0: R,
  grid: readonly number[],
  onStep?: (x: R) => void
): R {
  checkFits(sampler, field, grid)
  const memory = new Map<string, R | number>()
  const K = grid.length - 1
  let x = x0
  for (let k = 0; k < K; k++) {
    onStep?.(x)
    x = sampler.step(ops, x, { k, K, t: grid[k]!, s: grid[k + 1]!, field, memory, wantError: false })
  }
  return x
}

/** The sampler on `grid` as a plan (straight-line code on the network): the graph and separate-call form. */
export function tracePlan(sampler: Sampler, field: Field, grid: readonly number[]): Plan {
  if (sampler.stochastic)
    throw new SamplerError(
      `The ${sampler.id} sampler draws fresh noise at every step, so it has no deterministic graph.`
    )
  const tr = new Tracer()
  // Each step starts from a materialised state, so that every step is the same code (the Loop form).
  const out = stepGrid(tr, sampler, field, tr.input(), grid, (x) => {
    tr.materialise(x)
    tr.beginStep()
  })
  return tr.finish(out)
}

export interface Tolerances {
  rtol: number
  atol: number
}

export const DEFAULT_TOLERANCES: Tolerances = { rtol: 1e-3, atol: 1e-4 }

/** What a JS run returns: the samples, the evaluations made and the grid stepped on. */
export interface IntegrateResult {
  x: Float32Array
  nfe: number
  grid: number[]
}

/**
 * Integrates z [n, d] with `sampler` on `net`: on `grid` as given, or — an adaptive sampler without `fixed` —
 * from grid[0] to grid[last] choosing its own steps (the grid returned is the one it took).
 */
export function integrateField(
  sampler: Sampler,
  field: Field,
  net: NetFn,
  z: Float32Array,
  grid: readonly number[],
  opts: { rng?: Rng | null; tolerances?: Tolerances; fixed?: boolean } = {}
): IntegrateResult {
  const ops = new EagerOps(net, opts.rng ?? null)
  if (sampler.adaptive && !opts.fixed) return adaptive(ops, sampler, field, z, grid, opts.tolerances)
  const x = stepGrid(ops, sampler, field, Float32Array.from(z), grid)
  return { x, nfe: ops.nfe, grid: [...grid] }
}

/** Largest number of attempted steps before an adaptive run gives up. */
const MAX_ATTEMPTS = 10_000

/**
 * Adaptive step-size control (Hairer–Nørsett–Wanner II.4): the error estimate e of a step from x to x' is
 * scaled by atol + rtol·max(|x|, |x'|) per entry; the step is accepted when the RMS of the scaled error is
 * ≤ 1, and the next step is h·clamp(0.9·err^(−1/5), 0.2, 5). Starts at an eighth of the span.
 */
function adaptive(
  ops: EagerOps,
  sampler: Sampler,
  field: Field,
  z: Float32Array,
  span: readonly number[],
  tol: Tolerances = DEFAULT_TOLERANCES
): IntegrateResult {
  checkFits(sampler, field, span)
  if (!(tol.rtol > 0 && tol.atol > 0))
    throw new SamplerError(`rtol and atol must be > 0, got ${tol.rtol} and ${tol.atol}.`)
  const t0 = span[0]!
  const t1 = span[span.length - 1]!
  const dir = Math.sign(t1 - t0)
  const grid = [t0]
  let x: Float32Array = Float32Array.from(z)
  let t = t0
  let h = (t1 - t0) / 8
  let memory = new Map<string, Float32Array | number>()
  for (let attempt = 0; dir * (t1 - t) > 1e-12 * Math.abs(t1 - t0); attempt++) {
    if (attempt >= MAX_ATTEMPTS)
      throw new SamplerError(`${sampler.id} took over ${MAX_ATTEMPTS} steps: loosen rtol/atol.`)
    if (dir * (t + h - t1) > 0) h = t1 - t
    const s = dir * (t1 - (t + h)) < 1e-9 * Math.abs(t1 - t0) ? t1 : t + h
    const saved = new Map(memory)
    const c: StepContext<Float32Array> = { k: grid.length - 1, K: 0, t, s, field, memory, wantError: true }
    const next = sampler.step(ops, x, c)
    const err = scaledError(c.error!, x, next, tol)
    if (err <= 1) {
      x = next
      t = s
      grid.push(s)
    } else memory = saved
    h = (s - c.t) * Math.min(5, Math.max(0.2, 0.9 * (err === 0 ? Infinity : err ** -0.2)))
    if (err > 1) h = Math.min(Math.abs(h), 0.9 * Math.abs(s - c.t)) * dir
  }
  return { x, nfe: ops.nfe, grid }
}

function scaledError(e: Float32Array, x: Float32Array, y: Float32Array, tol: Tolerances): number {
  let s = 0
  for (let i = 0; i < e.length; i++) {
    const w = tol.atol + tol.rtol * Math.max(Math.abs(x[i]!), Math.abs(y[i]!))
    s += (e[i]! / w) ** 2
  }
  return Math.sqrt(s / Math.max(1, e.length))
}
