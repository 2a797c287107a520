/**
 * Sliced Wasserstein-2, squared (Bonneel et al. 2015):
 *
 *   SW₂²(x, y) = E_θ W₂²(θ·x, θ·y),   θ uniform on the unit sphere S^{d−1},
 *
 * estimated with `projections` random directions. Each 1-D W₂² is exact for the two empirical laws:
 * ∫₀¹ (F⁻¹(t) − G⁻¹(t))² dt between the step quantile functions of the sorted projections, which is
 * mean_i (x_(i) − y_(i))² when n = m and otherwise integrates over the merged levels i/n and j/m.
 */
import { check } from '../errors'
import type { Rng } from '../rng'
import type { Points } from '../types'
import { checkPoints, checkSameDim } from './points'

const NAME = 'Sliced W2'

/** Sliced W₂² between `x` [n, d] and `y` [m, d], averaged over `projections` random unit directions. */
export function slicedW2(x: Points, y: Points, rng: Rng, projections = 256): number {
  checkPoints(NAME, 'x', x, 1)
  checkPoints(NAME, 'y', y, 1)
  checkSameDim(NAME, ['x', 'y'], x, y)
  check(
    Number.isInteger(projections) && projections >= 1,
    () => `${NAME}: the number of projections must be a positive whole number (got ${projections}).`
  )
  const d = x.d
  const theta = new Float64Array(d)
  const px = new Float64Array(x.n)
  const py = new Float64Array(y.n)
  let total = 0
  for (let p = 0; p < projections; p++) {
    randomDirection(theta, rng)
    project(x, theta, px)
    project(y, theta, py)
    px.sort()
    py.sort()
    total += w2SquaredSorted(px, py)
  }
  return total / projections
}

/**
 * Exact W₂² between two 1-D empirical laws given their sorted atoms (equal weights within each side):
 * ∫₀¹ (F⁻¹(t) − G⁻¹(t))² dt with F⁻¹(t) = a_(⌊tn⌋), G⁻¹(t) = b_(⌊tm⌋).
 */
export function w2SquaredSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length
  const m = b.length
  if (n === m) {
    let s = 0
    for (let i = 0; i < n; i++) {
      const t = a[i]! - b[i]!
      s += t * t
    }
    return s / n
  }
  // Levels in units of 1/(n·m): a_(i) covers ((i)·m, (i+1)·m], b_(j) covers (j·n, (j+1)·n].
  let i = 0
  let j = 0
  let level = 0
  let s = 0
  while (i < n && j < m) {
    const endA = (i + 1) * m
    const endB = (j + 1) * n
    const end = endA < endB ? endA : endB
    const t = a[i]! - b[j]!
    s += (end - level) * t * t
    level = end
    if (endA === end) i++
    if (endB === end) j++
  }
  return s / (n * m)
}

/** Fills `theta` with a uniform random unit vector (normalised standard normal). */
function randomDirection(theta: Float64Array, rng: Rng): void {
  let norm = 0
  do {
    norm = 0
    for (let k = 0; k < theta.length; k++) {
      const z = rng.normal()
      theta[k] = z
      norm += z * z
    }
  } while (norm === 0)
  const inv = 1 / Math.sqrt(norm)
  for (let k = 0; k < theta.length; k++) theta[k] = theta[k]! * inv
}

function project(p: Points, theta: Float64Array, out: Float64Array): void {
  const { n, d, data } = p
  for (let i = 0; i < n; i++) {
    const o = i * d
    let s = 0
    for (let k = 0; k < d; k++) s += data[o + k]! * theta[k]!
    out[i] = s
  }
}
