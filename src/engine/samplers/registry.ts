/**
 * The sampler records, one per id of SAMPLER_IDS (but `onestep`, a one-step map's single evaluation). Adding a
 * sampler: one file with its record, its entry here and in src/shared/samplers.ts; the conformance suite
 * (tests/engine/samplers/conformance.test.ts) then covers it.
 */
import { SAMPLER_IDS, type SamplerId } from '../../shared/samplers'
import { ddim } from './ddim'
import { ddpm } from './ddpm'
import { dopri5 } from './dopri5'
import { dpmpp2m } from './dpmpp-2m'
import { euler } from './euler'
import { heun } from './heun'
import { SamplerError } from './integrate'
import { rk4 } from './rk4'
import type { Sampler } from './types'

export const SAMPLERS: readonly Sampler[] = [euler, heun, rk4, dopri5, dpmpp2m, ddim, ddpm]

/** The record of a multi-step sampler id. */
export function findSampler(id: SamplerId | string): Sampler {
  const s = SAMPLERS.find((x) => x.id === id)
  if (!s)
    throw new SamplerError(
      `Unknown sampler "${id}" (known: ${SAMPLER_IDS.filter((x) => x !== 'onestep').join(', ')}).`
    )
  return s
}
