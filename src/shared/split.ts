/**
 * The train/held-out split sizes of a run, shared by the engine (which splits) and the renderer (which warns
 * before queueing a run whose batch exceeds its training rows). Plain functions, no imports.
 */

/** Default minimum held-out size (when the data allow it). */
export const MIN_HELDOUT = 2000

/** The default held-out fraction of a run. */
export const DEFAULT_HELDOUT = 0.2

/** How many of `n` rows a run holds out: max(round(fraction · n), min(minHeldout, ⌊n/2⌋)), at most n − 1. */
export function heldoutSize(n: number, heldoutFraction: number, minHeldout = MIN_HELDOUT): number {
  return Math.min(n - 1, Math.max(Math.round(heldoutFraction * n), Math.min(minHeldout, Math.floor(n / 2))))
}

/** The rows a run of `n` rows trains on with the default split. */
export function trainingRows(n: number, heldoutFraction = DEFAULT_HELDOUT): number {
  return n - heldoutSize(n, heldoutFraction)
}
