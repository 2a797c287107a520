/** Standardisation round trip, held-out split sizes / disjointness / determinism, subsampling. */
import { describe, expect, it } from 'vitest'
import { ConfigError, DataFormatError } from '../../../src/engine/errors'
import {
  applyStandardization,
  generateBuiltin,
  invertStandardization,
  splitHeldout,
  standardize,
  subsample
} from '../../../src/engine/data'
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'

const pts = (rows: number[][]): Points => ({
  n: rows.length,
  d: rows[0]!.length,
  data: Float32Array.from(rows.flat())
})

/** n × 2 points whose first coordinate is the row index, so rows can be identified after a shuffle. */
const indexed = (n: number): Points => {
  const data = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    data[2 * i] = i
    data[2 * i + 1] = -i
  }
  return { n, d: 2, data }
}
const ids = (p: Points): number[] => Array.from({ length: p.n }, (_, i) => p.data[i * p.d]!)

describe('standardize', () => {
  it('computes per-feature mean and population std; a constant column gets std 1', () => {
    const { points, stats } = standardize(
      pts([
        [1, 10],
        [3, 10],
        [5, 10]
      ])
    )
    expect(stats.mean).toEqual([3, 10])
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12)
    expect(stats.std[1]).toBe(1)
    const z = Math.fround(2 / Math.sqrt(8 / 3))
    expect(Array.from(points.data)).toEqual([-z, 0, 0, 0, z, 0])
  })

  it('gives zero mean, unit variance, and inverts back to the data', () => {
    const ds = generateBuiltin('swissroll', 5000, 3)
    const { points, stats } = standardize(ds)
    for (let j = 0; j < 2; j++) {
      let m = 0
      let v = 0
      for (let i = 0; i < points.n; i++) m += points.data[i * 2 + j]! / points.n
      for (let i = 0; i < points.n; i++) v += (points.data[i * 2 + j]! - m) ** 2 / points.n
      expect(Math.abs(m)).toBeLessThan(1e-5)
      expect(Math.abs(v - 1)).toBeLessThan(1e-4)
    }
    const back = invertStandardization(points, stats)
    let maxErr = 0
    for (let k = 0; k < back.data.length; k++)
      maxErr = Math.max(maxErr, Math.abs(back.data[k]! - ds.data[k]!))
    expect(maxErr).toBeLessThan(1e-5)
    // apply with the same statistics reproduces standardize
    expect(Array.from(applyStandardization(ds, stats).data)).toEqual(Array.from(points.data))
  })

  it('rejects statistics of the wrong dimension', () => {
    expect(() => applyStandardization(pts([[1, 2]]), { mean: [0], std: [1] })).toThrow(ConfigError)
    expect(() => invertStandardization(pts([[1]]), { mean: [0], std: [0] })).toThrow(ConfigError)
  })
})

describe('splitHeldout', () => {
  it.each([
    // n, fraction, minHeldout, expected held-out size = max(round(f·n), min(minHeldout, ⌊n/2⌋))
    [10000, 0.1, 2000, 2000],
    [100000, 0.1, 2000, 10000],
    [1000, 0.1, 2000, 500],
    [1001, 0.2, 2000, 500],
    [5000, 0.25, 100, 1250],
    [5000, 0, 0, 0],
    [3, 0, 2000, 1],
    [2, 0.9, 2000, 1]
  ])('n=%i fraction=%f min=%i → %i held out', (n, fraction, minHeldout, h) => {
    const { train, heldout } = splitHeldout(indexed(n), fraction, new Rng(1), minHeldout)
    expect(heldout.n).toBe(h)
    expect(train.n).toBe(n - h)
    expect(train.data.length).toBe(2 * train.n)
  })

  it('is a disjoint partition with whole rows kept together', () => {
    const { train, heldout } = splitHeldout(indexed(5000), 0.2, new Rng(9))
    const all = [...ids(train), ...ids(heldout)].sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: 5000 }, (_, i) => i))
    for (let i = 0; i < heldout.n; i++) expect(heldout.data[2 * i + 1]).toBe(-heldout.data[2 * i]!)
  })

  it('is deterministic for a seed and differs across seeds', () => {
    const a = splitHeldout(indexed(3000), 0.3, new Rng(5))
    const b = splitHeldout(indexed(3000), 0.3, new Rng(5))
    const c = splitHeldout(indexed(3000), 0.3, new Rng(6))
    expect(ids(a.heldout)).toEqual(ids(b.heldout))
    expect(ids(a.heldout)).not.toEqual(ids(c.heldout))
  })

  it('rejects a bad fraction or too few rows', () => {
    expect(() => splitHeldout(indexed(10), 1, new Rng(1))).toThrow(ConfigError)
    expect(() => splitHeldout(indexed(10), -0.1, new Rng(1))).toThrow(ConfigError)
    expect(() => splitHeldout({ ...indexed(1), name: 'tiny.csv' }, 0.1, new Rng(1))).toThrow(DataFormatError)
    expect(() => splitHeldout({ ...indexed(1), name: 'tiny.csv' }, 0.1, new Rng(1))).toThrow(
      /^tiny\.csv has 1 row, but a train\/held-out split needs at least 2\.$/
    )
  })
})

describe('subsample', () => {
  it('draws n distinct rows, deterministically', () => {
    const p = indexed(1000)
    const a = subsample(p, 100, new Rng(3))
    expect(a.n).toBe(100)
    const got = ids(a)
    expect(new Set(got).size).toBe(100)
    expect(got.every((i) => Number.isInteger(i) && i >= 0 && i < 1000)).toBe(true)
    expect(ids(subsample(p, 100, new Rng(3)))).toEqual(got)
    expect(ids(subsample(p, 100, new Rng(4)))).not.toEqual(got)
  })

  it('returns every row when n ≥ the number of points', () => {
    const a = subsample(indexed(50), 80, new Rng(1))
    expect(ids(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })
})
