/** Exact OT pairing: the Hungarian solver against brute force over all permutations (B ≤ 7). */
import { describe, expect, it } from 'vitest'
import { hungarian, otPairing, sqdistMatrix } from '../../../src/engine/objectives/flows/ot-pairing'
import { exactOtPairing } from '../../../src/engine/objectives/flows/ot-cfm'
import { Rng } from '../../../src/engine/rng'

function permutations(n: number): number[][] {
  if (n === 0) return [[]]
  const out: number[][] = []
  for (const p of permutations(n - 1))
    for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)])
  return out
}

const total = (c: ArrayLike<number>, n: number, p: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < n; i++) s += c[i * n + p[i]!]!
  return s
}

function bruteForce(c: ArrayLike<number>, n: number): number {
  let best = Infinity
  for (const p of permutations(n)) best = Math.min(best, total(c, n, p))
  return best
}

const isPermutation = (p: ArrayLike<number>, n: number): boolean =>
  new Set(Array.from(p)).size === n && Array.from(p).every((v) => v >= 0 && v < n)

describe('exact OT pairing', () => {
  it.each([1, 2, 3, 4, 5, 6, 7])('is optimal on random point clouds of size %i', (n) => {
    const rng = new Rng(100 + n)
    for (let rep = 0; rep < 20; rep++) {
      const d = 1 + rng.int(3)
      const x0 = rng.normals(n * d)
      const x1 = rng.normals(n * d).map((v) => 2 * v + 1)
      const p = otPairing(x0, x1, n, d)
      expect(isPermutation(p, n)).toBe(true)
      const c = sqdistMatrix(x0, x1, n, d)
      expect(total(c, n, p)).toBeCloseTo(bruteForce(c, n), 9)
    }
  })

  it('is optimal on integer costs with many ties', () => {
    const rng = new Rng(5)
    for (let rep = 0; rep < 50; rep++) {
      const n = 2 + rng.int(6)
      const c = new Float64Array(n * n).map(() => rng.int(3))
      const p = hungarian(c, n)
      expect(isPermutation(p, n)).toBe(true)
      expect(total(c, n, p)).toBe(bruteForce(c, n))
    }
  })

  it('solves a textbook case', () => {
    const c = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2])
    const p = hungarian(c, 3)
    expect(Array.from(p)).toEqual([1, 0, 2])
    expect(total(c, 3, p)).toBe(5)
  })

  it('pairs a shifted copy with itself, and returns a valid permutation on a 256 batch', () => {
    const rng = new Rng(9)
    const n = 256
    const x1 = rng.normals(n * 2)
    const perm = rng.permutation(n)
    const x0 = new Float32Array(n * 2)
    // x0_i = x1_perm(i) + small shift: the optimal pairing recovers perm.
    for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) x0[i * 2 + j] = x1[perm[i]! * 2 + j]! + 1e-3
    const p = exactOtPairing(x0, x1, n, 2)!
    expect(Array.from(p)).toEqual(Array.from(perm))
    const q = otPairing(rng.normals(n * 2), x1, n, 2)
    expect(isPermutation(q, n)).toBe(true)
  })
})
