/**
 * Euler–Maruyama for dX = b(X, t) dt + g(t) dB on a time grid (increasing or decreasing; the noise scales
 * with √|h|): the reverse SDE of eq. (5) in tests. Every random draw comes from the caller's `Rng`.
 */
import type { Rng } from '../rng'
import type { NetFn as VelocityField } from './ops'

/**
 * Euler–Maruyama, strong order ½: x_{i+1} = x_i + h_i b(x_i, t_i) + g(t_i) √|h_i| ξ_i, ξ_i ~ N(0, I).
 * Returns a new array.
 */
export function eulerMaruyama(
  drift: VelocityField,
  diffusion: (t: number) => number,
  x0: Float32Array,
  grid: readonly number[],
  rng: Rng
): Float32Array {
  const x = Float32Array.from(x0)
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i]!
    const h = grid[i + 1]! - t
    const b = drift(x, t)
    const g = diffusion(t) * Math.sqrt(Math.abs(h))
    const xi = rng.normals(x.length)
    for (let j = 0; j < x.length; j++) x[j] = x[j]! + h * b[j]! + g * xi[j]!
  }
  return x
}
