/** The spacing and tolerance a form holds, as a request's grid options for `sampler`. */
import type { SamplerGridOptions } from '../../../shared/api'
import type { GridSpacing, SamplerId } from '../../../shared/samplers'

export const DEFAULT_TOLERANCE = 1e-3

export function samplerGrid(
  sampler: SamplerId,
  spacing: GridSpacing | null,
  tolerance: number
): SamplerGridOptions {
  if (sampler === 'onestep') return {}
  if (sampler === 'dopri5') return { tolerance }
  return spacing ? { spacing } : {}
}

/** `dopri5 · tol 1e-3`, `dpmpp-2m · logsnr grid`: what a panel or export asked for beyond K ('' if nothing). */
export function samplerGridLabel(grid: SamplerGridOptions): string {
  if (grid.tolerance !== undefined) return `tol ${grid.tolerance.toExponential(0)}`
  return grid.spacing ? `${grid.spacing} grid` : ''
}
