import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { knnRadiiSquared, prdc } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'
import { dist, fromRows, gaussian, mixture8 } from './helpers'

/** Naeem et al. 2020 straight from the definitions, with full distance matrices. */
function naivePrdc(real: Points, fake: Points, k: number) {
  const radius = (p: Points, i: number): number => {
    const ds: number[] = []
    for (let j = 0; j < p.n; j++) if (j !== i) ds.push(dist(p, i, p, j))
    ds.sort((a, b) => a - b)
    return ds[k - 1]!
  }
  const R = Array.from({ length: real.n }, (_, i) => radius(real, i))
  const F = Array.from({ length: fake.n }, (_, j) => radius(fake, j))
  const D = Array.from({ length: real.n }, (_, i) =>
    Array.from({ length: fake.n }, (_, j) => dist(real, i, fake, j))
  )
  const rows = [...Array(real.n).keys()]
  const cols = [...Array(fake.n).keys()]
  return {
    precision: cols.filter((j) => rows.some((i) => D[i]![j]! < R[i]!)).length / fake.n,
    recall: rows.filter((i) => cols.some((j) => D[i]![j]! < F[j]!)).length / real.n,
    density: cols.reduce((s, j) => s + rows.filter((i) => D[i]![j]! < R[i]!).length, 0) / (k * fake.n),
    coverage: rows.filter((i) => Math.min(...D[i]!) < R[i]!).length / real.n,
    R
  }
}

describe('prdc', () => {
  it.each([
    [1, 2],
    [3, 2],
    [5, 3]
  ])('matches the definitions computed naively (k = %i, %i-D)', (k, d) => {
    const rng = new Rng(30 + k)
    const real = gaussian(90, Array(d).fill(0), rng)
    const fake = gaussian(70, Array(d).fill(0.5), rng, 1.3)
    const ref = naivePrdc(real, fake, k)
    const got = prdc(real, fake, k)
    expect(got.precision).toBe(ref.precision)
    expect(got.recall).toBe(ref.recall)
    expect(got.density).toBeCloseTo(ref.density, 12)
    expect(got.coverage).toBe(ref.coverage)
    const r2 = knnRadiiSquared(real, k)
    ref.R.forEach((r, i) => expect(Math.sqrt(r2[i]!)).toBeCloseTo(r, 6))
  })

  it('gives precision = recall = coverage = 1 and density = 1 for identical sets', () => {
    // Each real ball holds its own centre and the k − 1 neighbours strictly inside radius R_i, so
    // Σ_j Σ_i 1[‖f_j − r_i‖ < R_i] = N·k exactly when there are no ties.
    const x = mixture8(2000, new Rng(8))
    const r = prdc(x, x)
    expect(r).toEqual({ precision: 1, recall: 1, density: 1, coverage: 1 })
  })

  it('is ≈ 1 for two samples of one law', () => {
    const rng = new Rng(12)
    const r = prdc(mixture8(2000, rng), mixture8(2000, rng))
    expect(r.precision).toBeGreaterThan(0.9)
    expect(r.recall).toBeGreaterThan(0.9)
    expect(Math.abs(r.density - 1)).toBeLessThan(0.1)
    expect(r.coverage).toBeGreaterThan(0.9)
  })

  it('gives 0 for disjoint, far-away sets', () => {
    const rng = new Rng(13)
    const r = prdc(gaussian(500, [0, 0], rng), gaussian(500, [50, 50], rng))
    expect(r).toEqual({ precision: 0, recall: 0, density: 0, coverage: 0 })
  })

  it('halves recall and coverage, not precision, when half the modes are dropped', () => {
    const rng = new Rng(14)
    const real = mixture8(2000, rng)
    const fake = mixture8(2000, rng, [0, 2, 4, 6])
    const r = prdc(real, fake)
    expect(r.precision).toBeGreaterThan(0.9)
    expect(Math.abs(r.recall - 0.5)).toBeLessThan(0.05)
    expect(Math.abs(r.coverage - 0.5)).toBeLessThan(0.05)
    // density counts the real balls around each fake, which depends on the real density where it lands:
    // kept modes look just like the real data there, so density stays ≈ 1 (it does not see dropped modes)
    expect(Math.abs(r.density - 1)).toBeLessThan(0.1)
  })

  it('counts a repeated point as a neighbour at distance 0', () => {
    const p = fromRows([[0], [0], [1], [3]])
    expect([...knnRadiiSquared(p, 1)]).toEqual([0, 0, 1, 4])
    expect([...knnRadiiSquared(p, 2)]).toEqual([1, 1, 1, 9])
  })

  it.each([
    ['k = 0', 0, /k must be a positive whole number/],
    ['k = 2.5', 2.5, /k must be a positive whole number/],
    ['k ≥ n', 4, /the real set has 4 points; it needs at least 5/]
  ])('rejects %s', (_, k, msg) => {
    const x = fromRows([[0], [1], [2], [3]])
    expect(() => prdc(x, x, k)).toThrow(ConfigError)
    expect(() => prdc(x, x, k)).toThrow(msg)
  })
})
