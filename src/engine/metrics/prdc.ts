/**
 * Precision, recall, density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics
 * for Generative Models", eqs. 1–4 and §3), with exact k-NN by brute force.
 *
 * Let r_i (i < N) be real points, f_j (j < M) fake ones, R_i the distance from r_i to its k-th nearest
 * other real point and F_j the same within the fake set. Balls are open, as in the authors' code:
 *
 *   precision = (1/M) Σ_j 1[∃ i: ‖f_j − r_i‖ < R_i]          (fakes that land on the real manifold)
 *   recall    = (1/N) Σ_i 1[∃ j: ‖r_i − f_j‖ < F_j]          (reals that land on the fake manifold)
 *   density   = (1/(kM)) Σ_j Σ_i 1[‖f_j − r_i‖ < R_i]        (≈ 1 when fake ~ real; can exceed 1)
 *   coverage  = (1/N) Σ_i 1[min_j ‖r_i − f_j‖ < R_i]          (real balls that hold at least one fake)
 *
 * Cost: O((N² + M² + NM)·d) time, O((N + M)·k) memory — no distance matrix is stored.
 */
import { check } from '../errors'
import type { Points } from '../types'
import { checkPoints, checkSameDim } from './points'

const NAME = 'PRDC'

export interface Prdc {
  precision: number
  recall: number
  density: number
  coverage: number
}

/** PRDC of `fake` against `real` with k nearest neighbours; both need more than k points. */
export function prdc(real: Points, fake: Points, k = 5): Prdc {
  check(Number.isInteger(k) && k >= 1, () => `${NAME}: k must be a positive whole number (got ${k}).`)
  checkPoints(NAME, 'the real set', real, k + 1)
  checkPoints(NAME, 'the fake set', fake, k + 1)
  checkSameDim(NAME, ['the real set', 'the fake set'], real, fake)
  const realR2 = knnRadiiSquared(real, k)
  const fakeR2 = knnRadiiSquared(fake, k)

  const { d } = real
  const N = real.n
  const M = fake.n
  const R = real.data
  const F = fake.data
  const fakeOnReal = new Uint8Array(M)
  const realOnFake = new Uint8Array(N)
  const realCovered = new Uint8Array(N)
  let inside = 0
  for (let i = 0; i < N; i++) {
    const oi = i * d
    const ri = realR2[i]!
    let onFake = 0
    let covered = 0
    for (let j = 0; j < M; j++) {
      const oj = j * d
      let s = 0
      for (let c = 0; c < d; c++) {
        const t = R[oi + c]! - F[oj + c]!
        s += t * t
      }
      if (s < ri) {
        inside++
        fakeOnReal[j] = 1
        covered = 1
      }
      if (s < fakeR2[j]!) onFake = 1
    }
    realOnFake[i] = onFake
    realCovered[i] = covered
  }
  return {
    precision: count(fakeOnReal) / M,
    recall: count(realOnFake) / N,
    density: inside / (k * M),
    coverage: count(realCovered) / N
  }
}

/**
 * Squared distance from each point to its k-th nearest *other* point (exact, brute force over i < j pairs;
 * a repeated point counts as a neighbour at distance 0). Needs n > k.
 */
export function knnRadiiSquared(p: Points, k: number): Float64Array {
  const { n, d, data } = p
  // best[i*k .. i*k+k−1]: the k smallest squared distances seen for point i, ascending.
  const best = new Float64Array(n * k).fill(Infinity)
  const last = k - 1
  for (let i = 0; i < n; i++) {
    const oi = i * d
    const bi = i * k
    for (let j = i + 1; j < n; j++) {
      const oj = j * d
      let s = 0
      for (let c = 0; c < d; c++) {
        const t = data[oi + c]! - data[oj + c]!
        s += t * t
      }
      if (s < best[bi + last]!) insert(best, bi, last, s)
      const bj = j * k
      if (s < best[bj + last]!) insert(best, bj, last, s)
    }
  }
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = best[i * k + last]!
  return out
}

/** Inserts `v` into the ascending run best[base .. base+last], dropping the largest. */
function insert(best: Float64Array, base: number, last: number, v: number): void {
  let q = base + last
  while (q > base && best[q - 1]! > v) {
    best[q] = best[q - 1]!
    q--
  }
  best[q] = v
}

function count(flags: Uint8Array): number {
  let s = 0
  for (let i = 0; i < flags.length; i++) s += flags[i]!
  return s
}
