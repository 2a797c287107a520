/** The sampler flags of `pfm eval`, `pfm sample` and `pfm export`, parsed into the engine's sampler options. */
import { ConfigError } from '../engine/errors'
import type { SampleOptions, SamplerId } from '../engine/objectives/types'
import { parseGrid } from '../engine/samplers'
import { SAMPLER_IDS } from '../shared/samplers'
import { num, str } from './io'

/** Their usage line. */
export const SAMPLER_USAGE = `[--sampler ${SAMPLER_IDS.join('|')}] [--steps K] [--grid uniform|quadratic|cosine|karras|t0,t1,…] [--rtol R --atol A]`

/**
 * `--sampler S --steps K [--grid G] [--rtol R --atol A]` → sampler options (validated against the run's model
 * later). G: uniform, quadratic, cosine, karras or a list of times `0,0.1,…,1` (which then fixes K).
 */
export function samplerOptions(values: Record<string, unknown>): Partial<SampleOptions> {
  const sampler = str(values, 'sampler')
  const steps = num(values, 'steps')
  const grid = str(values, 'grid')
  if (sampler !== undefined && !(SAMPLER_IDS as readonly string[]).includes(sampler))
    throw new ConfigError(`--sampler: "${sampler}" is not one of ${SAMPLER_IDS.join(', ')}.`)
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1 || steps > 100_000))
    throw new ConfigError(`--steps: ${steps} must be an integer in [1, 100000].`)
  const tol = (name: 'rtol' | 'atol'): number | undefined => {
    const v = num(values, name)
    if (v !== undefined && !(v > 0 && v < 1)) throw new ConfigError(`--${name}: ${v} must be in (0, 1).`)
    return v
  }
  const rtol = tol('rtol')
  const atol = tol('atol')
  let parsed: SampleOptions['grid']
  try {
    parsed = grid !== undefined ? parseGrid(grid) : undefined
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e))
  }
  return {
    ...(sampler ? { sampler: sampler as SamplerId } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(parsed !== undefined ? { grid: parsed } : {}),
    ...(rtol !== undefined ? { rtol } : {}),
    ...(atol !== undefined ? { atol } : {})
  }
}

export const SAMPLER_FLAGS = {
  sampler: { type: 'string' },
  steps: { type: 'string' },
  grid: { type: 'string' },
  rtol: { type: 'string' },
  atol: { type: 'string' }
} as const
