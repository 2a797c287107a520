/**
 * Time grids: K + 1 times from t0 to t1 (either direction) under a spacing, or a list of times checked.
 * With u = i/K: uniform u; quadratic 1 − (1 − u)² (steps shrink towards t1, the data end of every sampler
 * here); cosine (1 − cos πu)/2 (short steps at both ends). Karras' σ-spacing is the diffusion model's own
 * (objectives/flows/schedule.ts), since it needs the noise schedule.
 */
import type { GridSpacing } from '../../shared/samplers'

export class GridError extends RangeError {
  override name = 'GridError'
}

function checkSteps(K: number): void {
  if (!(Number.isInteger(K) && K >= 1))
    throw new GridError(`The number of steps must be an integer ≥ 1, got ${K}.`)
}

/** K + 1 equally spaced times from t0 to t1 (K ≥ 1 steps). */
export function uniformGrid(t0: number, t1: number, K: number): number[] {
  return spacedGrid('uniform', t0, t1, K)
}

const SPACING: Record<Exclude<GridSpacing, 'karras'>, (u: number) => number> = {
  uniform: (u) => u,
  quadratic: (u) => 1 - (1 - u) ** 2,
  cosine: (u) => (1 - Math.cos(Math.PI * u)) / 2
}

/** K + 1 times from t0 to t1 under `spacing` (not `karras`: that one is the diffusion model's). */
export function spacedGrid(spacing: GridSpacing, t0: number, t1: number, K: number): number[] {
  checkSteps(K)
  if (spacing === 'karras') throw new GridError('The karras spacing needs a noise schedule (ddpm runs only).')
  const f = SPACING[spacing]
  const g = new Array<number>(K + 1)
  for (let i = 0; i <= K; i++) g[i] = t0 + (t1 - t0) * f(i / K)
  g[0] = t0
  g[K] = t1
  return g
}

/**
 * A user's list of times checked against the model's span: at least two, strictly monotone from `start`
 * towards `end`, within [min(start, end), max(start, end)].
 */
export function checkGridList(times: readonly number[], start: number, end: number): number[] {
  if (times.length < 2)
    throw new GridError(`--grid: give at least two times (one step), got ${times.length}.`)
  const dir = Math.sign(end - start)
  const lo = Math.min(start, end)
  const hi = Math.max(start, end)
  times.forEach((t, i) => {
    if (!Number.isFinite(t)) throw new GridError(`--grid: time ${i + 1} is not a number.`)
    if (t < lo - 1e-12 || t > hi + 1e-12)
      throw new GridError(`--grid: time ${t} lies outside this model's span [${lo}, ${hi}].`)
    if (i > 0 && !(dir * (t - times[i - 1]!) > 0))
      throw new GridError(
        `--grid: the times must run strictly from ${start} towards ${end}; ${times[i - 1]} → ${t} does not.`
      )
  })
  return [...times]
}

/** Parses "0,0.1,…,1" or a spacing name. */
export function parseGrid(text: string): GridSpacing | number[] {
  const s = text.trim()
  if (s === 'uniform' || s === 'quadratic' || s === 'cosine' || s === 'karras') return s
  const parts = s.split(',').map((p) => p.trim())
  const times = parts.map(Number)
  const bad = parts.findIndex((p, i) => p === '' || !Number.isFinite(times[i]!))
  if (bad >= 0)
    throw new GridError(
      `--grid "${text}": give uniform, quadratic, cosine, karras or a comma-separated list of times ("${parts[bad]}" is not a number).`
    )
  return times
}
