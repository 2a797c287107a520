/**
 * Diagnostics that tell transport maps apart beyond sample quality (standardised units, on fresh noise):
 * - transport cost E‖χ(z) − z‖² of a map z ↦ χ(z) — the quantity optimal transport minimises, so OT-CFM's and
 *   reflow's couplings should score lower than plain CFM's on the same data;
 * - path straightness of a flow, E_t E‖v(χ_t, t) − (χ₁ − χ₀)‖² along its sampled (Euler) trajectories: 0 for
 *   straight paths at constant speed, which one Euler step integrates exactly (Liu et al. 2023, eq. (5)).
 */
import type { Rng } from '../../rng'

/** Fresh noise rows per diagnostic in low dimension. */
export const DIAGNOSTIC_POINTS = 2000

/**
 * Noise rows per diagnostic in d dimensions: DIAGNOSTIC_POINTS while rows × d stays under 2·10⁵ values, then
 * fewer (at least 128; 255 at 784-D). The figures are means over rows and coordinates, so a 784-D row carries
 * far more averaging than a 2-D one, and 2 000 rows × 32 Euler steps of a 784-D network cost ≈ 40 s.
 */
export function diagnosticPoints(d: number): number {
  return Math.max(128, Math.min(DIAGNOSTIC_POINTS, Math.floor(200_000 / d)))
}
/** Euler steps along which straightness is measured. */
export const STRAIGHTNESS_STEPS = 32

/** E‖x − z‖² over the rows of z, x [n, d]. */
export function transportCost(z: Float32Array, x: Float32Array, d: number): number {
  let s = 0
  for (let i = 0; i < z.length; i++) s += (x[i]! - z[i]!) ** 2
  return s / (z.length / d)
}

/**
 * Transport cost and straightness of the flow dx/dt = v(x, t) from z [n, d] on K Euler steps (t = 0 → 1).
 */
export function pathDiagnostics(
  v: (x: Float32Array, t: number) => Float32Array,
  z: Float32Array,
  d: number,
  K = STRAIGHTNESS_STEPS
): { transportCost: number; straightness: number } {
  const x = new Float32Array(z)
  const vs: Float32Array[] = []
  for (let k = 0; k < K; k++) {
    const u = v(x, k / K)
    vs.push(u)
    for (let i = 0; i < x.length; i++) x[i]! += u[i]! / K
  }
  const n = z.length / d
  let dev = 0
  for (const u of vs) for (let i = 0; i < x.length; i++) dev += (u[i]! - (x[i]! - z[i]!)) ** 2
  return { transportCost: transportCost(z, x, d), straightness: dev / (K * n) }
}

/** The figures of a one-step map `map` on fresh noise. */
export function mapDiagnostics(
  map: (z: Float32Array) => Float32Array,
  d: number,
  rng: Rng
): { transportCost: number } {
  const z = rng.normals(diagnosticPoints(d) * d)
  return { transportCost: transportCost(z, map(z), d) }
}
