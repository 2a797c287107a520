import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { medianBandwidth, mmd2 } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'
import { dist, fromRows, gaussian, overSeeds, twoSample } from './helpers'

const BANDWIDTHS = [0.5, 1, 2]

/** The bandwidth-averaged Gaussian kernel, as a reference for `twoSample`. */
const avgKernel =
  (hs: number[]) =>
  (a: Points, i: number, b: Points, j: number): number => {
    const r2 = dist(a, i, b, j) ** 2
    return hs.reduce((s, h) => s + Math.exp(-r2 / (2 * h * h)), 0) / hs.length
  }

/**
 * E k_h(X, Y) for X ~ N(a, I), Y ~ N(b, I) in d dims: X − Y ~ N(a − b, 2I), and per coordinate
 * E exp(−Z²/(2h²)) for Z ~ N(μ, 2) is (h²/(h² + 2))^{1/2} exp(−μ²/(2(h² + 2))).
 */
function expectedKernel(h: number, d: number, dist2: number): number {
  const h2 = h * h
  return (h2 / (h2 + 2)) ** (d / 2) * Math.exp(-dist2 / (2 * (h2 + 2)))
}

/** Population MMD² between N(0, I) and N(δ, I), averaged over bandwidths. */
function mmd2Closed(hs: number[], d: number, delta2: number): number {
  return (
    hs.reduce((s, h) => s + 2 * expectedKernel(h, d, 0) - 2 * expectedKernel(h, d, delta2), 0) / hs.length
  )
}

describe('mmd2', () => {
  it.each([1, 2, 4])('matches the naive unbiased estimator exactly in %i-D', (d) => {
    const rng = new Rng(11 + d)
    const x = gaussian(47, Array(d).fill(0), rng)
    const y = gaussian(63, Array(d).fill(0.4), rng, 0.7)
    expect(mmd2(x, y)).toBeCloseTo(twoSample(x, y, avgKernel(BANDWIDTHS)).u, 12)
    expect(mmd2(x, y, [0.3])).toBeCloseTo(twoSample(x, y, avgKernel([0.3])).u, 12)
    // ladders of doubling bandwidths are evaluated by repeated squaring, the others by exp: mix both
    const mixed = [2, 0.7, 0.25, 1, 1, 0.5, 3]
    expect(mmd2(x, y, mixed)).toBeCloseTo(twoSample(x, y, avgKernel(mixed)).u, 12)
  })

  it.each([
    [2, [0.5, 0]],
    [3, [0.4, -0.3, 0.2]],
    [5, [0.6, 0, 0, 0, 0.3]]
  ])('agrees with the closed form for N(0, I) vs N(δ, I) in %i-D within its noise', (d, delta) => {
    const rng = new Rng(100 + d)
    const x = gaussian(1500, Array(d).fill(0), rng)
    const y = gaussian(1500, delta, rng)
    const truth = mmd2Closed(
      BANDWIDTHS,
      d,
      delta.reduce((s, v) => s + v * v, 0)
    )
    const { se } = twoSample(x, y, avgKernel(BANDWIDTHS))
    expect(se).toBeLessThan(0.2 * truth)
    expect(Math.abs(mmd2(x, y) - truth)).toBeLessThan(4 * se)
  })

  it('is unbiased for a distribution against itself, unlike the V-statistic', () => {
    const n = 30
    const draw = (rng: Rng): [Points, Points] => [gaussian(n, [0, 0], rng), gaussian(n, [0, 0], rng)]
    const u = overSeeds(200, (rng) => mmd2(...draw(rng)))
    const v = overSeeds(200, (rng) => twoSample(...draw(rng), avgKernel(BANDWIDTHS)).v)
    // V keeps the diagonal k(x, x) = 1: E V = (1/n + 1/m)·(1 − E k(X, X')), averaged over bandwidths.
    const bias =
      BANDWIDTHS.reduce((s, h) => s + (2 / n) * (1 - expectedKernel(h, 2, 0)), 0) / BANDWIDTHS.length
    expect(Math.abs(u.mean)).toBeLessThan(4 * u.se)
    expect(Math.abs(u.mean)).toBeLessThan(bias / 5)
    expect(Math.abs(v.mean - bias)).toBeLessThan(4 * v.se)
    expect(v.mean).toBeGreaterThan(10 * v.se)
  })

  it('rejects bad bandwidths', () => {
    const x = fromRows([[0], [1]])
    expect(() => mmd2(x, x, [])).toThrow(ConfigError)
    expect(() => mmd2(x, x, [1, 0])).toThrow(/bandwidth 0 must be a positive number/)
    expect(() => mmd2(x, x, [NaN])).toThrow(ConfigError)
  })
})

describe('medianBandwidth', () => {
  // For 2-D N(0, I), X − X' ~ N(0, 2I): ‖X − X'‖/√2 is Rayleigh(1) with median √(2 ln 2), so the
  // median distance is 2√(ln 2) ≈ 1.665.
  const truth = 2 * Math.sqrt(Math.LN2)

  it('uses every pair when there are few: the exact median of the pooled distances', () => {
    const rng = new Rng(9)
    const x = gaussian(40, [0, 0], rng)
    const y = gaussian(31, [0, 0], rng)
    const pooled: Points = { n: 71, d: 2, data: Float32Array.from([...x.data, ...y.data]) }
    const all: number[] = []
    for (let i = 0; i < 71; i++) for (let j = i + 1; j < 71; j++) all.push(dist(pooled, i, pooled, j))
    all.sort((a, b) => a - b)
    // 71·70/2 = 2485 pairs (odd): the median is the middle one
    expect(medianBandwidth(x, y, rng, 100_000)).toBeCloseTo(all[1242]!, 6)
  })

  it('finds it from random pairs when there are too many', () => {
    const rng = new Rng(10)
    const x = gaussian(3000, [0, 0], rng)
    const y = gaussian(3000, [0, 0], rng)
    expect(Math.abs(medianBandwidth(x, y, rng, 20_000) - truth)).toBeLessThan(0.04)
  })

  it('is exact on a tiny example and never returns 0', () => {
    const rng = new Rng(1)
    // pairs of {0, 1, 3}: distances 1, 3, 2 → median 2
    expect(medianBandwidth(fromRows([[0], [1]]), fromRows([[3]]), rng)).toBe(2)
    const same = fromRows([
      [1, 1],
      [1, 1],
      [1, 1]
    ])
    expect(medianBandwidth(same, same, rng)).toBe(1)
  })
})
