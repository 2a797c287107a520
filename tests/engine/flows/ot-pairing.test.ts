/** Exact OT pairing: the Hungarian solver against brute force over all permutations (B ≤ 7). */
import { describe, expect, it } from 'vitest'
import {
  blockOtPairing,
  hungarian,
  otPairing,
  sqdistMatrix
} from '../../../src/engine/objectives/flows/ot-pairing'
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

  it('pairs in blocks: a permutation that is the exact assignment within each block, never across', () => {
    const rng = new Rng(11)
    const n = 100
    const block = 32 // three full blocks and one of 4 rows
    const x0 = rng.normals(n * 2)
    const x1 = rng.normals(n * 2).map((v) => 3 * v + 1)
    const pi = blockOtPairing(x0, x1, n, 2, block)
    expect(isPermutation(pi, n)).toBe(true)
    const cost = (p: ArrayLike<number>, from: number, to: number): number => {
      let s = 0
      for (let i = from; i < to; i++)
        for (let j = 0; j < 2; j++) s += (x0[i * 2 + j]! - x1[p[i]! * 2 + j]!) ** 2
      return s
    }
    for (let s = 0; s < n; s += block) {
      const k = Math.min(block, n - s)
      const exact = otPairing(x0.subarray(s * 2, (s + k) * 2), x1.subarray(s * 2, (s + k) * 2), k, 2)
      for (let i = 0; i < k; i++) expect(pi[s + i]).toBe(s + exact[i]!)
    }
    // cheaper than the pairing as drawn, dearer than (or as dear as) one exact assignment of the whole batch
    const identity = Int32Array.from({ length: n }, (_, i) => i)
    const whole = otPairing(x0, x1, n, 2)
    expect(cost(pi, 0, n)).toBeLessThan(0.9 * cost(identity, 0, n))
    expect(cost(pi, 0, n)).toBeGreaterThanOrEqual(cost(whole, 0, n) - 1e-9)
    // one block as large as the batch is the exact assignment itself
    expect(Array.from(blockOtPairing(x0, x1, n, 2, n))).toEqual(Array.from(whole))
  })
})
