/**
 * How a flow objective's batch pairs its noise rows x₀ with its data rows x₁ on the straight paths: as drawn
 * (the independent coupling of cfm), or by mini-batch optimal transport in blocks (`blockOtPairing`), which
 * puts each row's path near the trajectory of the marginal flow, so the targets that follow it vary less.
 * `ct` and `shortcut` take it as parameters (COUPLING_PARAMS); `ot-cfm` pairs whole batches of 128 exactly.
 */
import { choice, int, onlyWhen, type ParamValues } from '../../params'
import { gatherRows } from './cfm'
import { blockOtPairing } from './ot-pairing'

export type Coupling = { kind: 'independent' } | { kind: 'ot'; block: number }

/** Rows per exact assignment by default: blocks of 16 to 256 rows scored alike for ct on moons, 64 is cheap. */
export const OT_BLOCK = 64

export const COUPLING_PARAMS = {
  coupling: choice(
    'ot',
    ['independent', 'ot'],
    'How noise meets data on a path: independent (as drawn) or ot (each block of the batch re-paired by the exact optimal assignment, so paths cross less and the targets vary less).'
  ),
  otBlock: onlyWhen(
    int(
      OT_BLOCK,
      2,
      1024,
      'Rows per exact OT assignment (the batch is paired block by block; cost grows as its cube).'
    ),
    'coupling',
    'ot'
  )
}

/** What a configuration stored before the coupling existed trained with (`storedDefaults`). */
export const COUPLING_BEFORE: ParamValues = { coupling: 'independent' }

/** The coupling of resolved parameters. */
export function readCoupling(p: ParamValues): Coupling {
  return p.coupling === 'ot' ? { kind: 'ot', block: Number(p.otBlock ?? OT_BLOCK) } : { kind: 'independent' }
}

/** The data rows [B, d] in the order that pairs row i with noise row x0_i under `c`. */
export function coupledData(
  c: Coupling,
  x0: Float32Array,
  data: Float32Array,
  B: number,
  d: number
): Float32Array {
  return c.kind === 'ot' ? gatherRows(data, blockOtPairing(x0, data, B, d, c.block), d) : data
}

/** The coupling as a model stores it in its weights' JSON (restored for sampling, where it does not matter). */
export function couplingJSON(c: Coupling): Record<string, unknown> {
  return c.kind === 'ot' ? { coupling: 'ot', otBlock: c.block } : { coupling: 'independent' }
}
