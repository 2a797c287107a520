import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { energyDistance } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import { dist, fromRows, gaussian, normalCdf, overSeeds, twoSample } from './helpers'

const negDist = (
  a: Parameters<typeof dist>[0],
  i: number,
  b: Parameters<typeof dist>[0],
  j: number
): number => -dist(a, i, b, j)

/**
 * E|X − Y| for X − Y ~ N(δ, s²) (folded normal mean): s·√(2/π)·exp(−δ²/(2s²)) + δ·(1 − 2Φ(−δ/s)).
 */
function foldedNormalMean(delta: number, s: number): number {
  return (
    s * Math.sqrt(2 / Math.PI) * Math.exp(-(delta * delta) / (2 * s * s)) +
    delta * (1 - 2 * normalCdf(-delta / s))
  )
}

describe('energyDistance', () => {
  it('uses a correct reference Φ (table values)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7)
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6)
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6)
  })

  it.each([1, 2, 3])('matches the naive U-statistic exactly in %i-D', (d) => {
    const rng = new Rng(7 + d)
    const x = gaussian(57, Array(d).fill(0), rng)
    const y = gaussian(41, Array(d).fill(0.3), rng, 1.5)
    expect(energyDistance(x, y)).toBeCloseTo(twoSample(x, y, negDist).u, 10)
  })

  it('agrees with the closed form for N(μ1, σ²) vs N(μ2, σ²) in 1-D within its noise', () => {
    const sigma = 1
    const delta = 0.8
    const rng = new Rng(42)
    const x = gaussian(3000, [0], rng, sigma)
    const y = gaussian(3000, [delta], rng, sigma)
    // X − Y ~ N(δ, 2σ²); X − X' ~ N(0, 2σ²)
    const s = sigma * Math.SQRT2
    const truth = 2 * foldedNormalMean(delta, s) - 2 * foldedNormalMean(0, s)
    const { se } = twoSample(x, y, negDist)
    const est = energyDistance(x, y)
    expect(se).toBeGreaterThan(0)
    expect(se).toBeLessThan(0.1 * truth) // informative: the noise is well below the value (se ≈ 0.023)
    expect(Math.abs(est - truth)).toBeLessThan(4 * se)
  })

  it('is ≈ 0 for two samples of one distribution', () => {
    const rng = new Rng(3)
    const x = gaussian(3000, [0, 0], rng)
    const y = gaussian(3000, [0, 0], rng)
    // Under the null the U-statistic is degenerate: its spread is O(E‖X−X'‖ / n), here ~1e-3.
    // E‖X − X'‖ = √π for 2-D N(0, I). A shift of 0.1 would already give ≈ 0.01.
    const scale = Math.sqrt(Math.PI) / 3000
    expect(Math.abs(energyDistance(x, y))).toBeLessThan(5 * scale)
    expect(energyDistance(x, gaussian(3000, [0.1, 0], rng))).toBeGreaterThan(5 * scale)
  })

  it('is unbiased: the mean over seeds is ≈ 0, while the V-statistic sits at its bias', () => {
    const n = 40
    const runs = overSeeds(150, (rng) => {
      const x = gaussian(n, [0], rng)
      const y = gaussian(n, [0], rng)
      return energyDistance(x, y)
    })
    const vRuns = overSeeds(150, (rng) => {
      const x = gaussian(n, [0], rng)
      const y = gaussian(n, [0], rng)
      return twoSample(x, y, negDist).v
    })
    // V keeps the zero diagonal: E V = E U + E|X−X'|·(1/n + 1/m), E|X−X'| = 2/√π in 1-D.
    const bias = (2 / Math.sqrt(Math.PI)) * (2 / n)
    expect(Math.abs(runs.mean)).toBeLessThan(4 * runs.se)
    expect(Math.abs(runs.mean)).toBeLessThan(bias / 4)
    expect(Math.abs(vRuns.mean - bias)).toBeLessThan(4 * vRuns.se)
    expect(Math.abs(vRuns.mean)).toBeGreaterThan(4 * Math.abs(runs.mean))
  })

  it('is symmetric and invariant to a common shift', () => {
    const rng = new Rng(5)
    const x = gaussian(200, [0, 0, 0], rng)
    const y = gaussian(150, [1, 0, 0], rng)
    const e = energyDistance(x, y)
    expect(energyDistance(y, x)).toBeCloseTo(e, 12)
    const shifted = (p: typeof x): typeof x => ({ ...p, data: p.data.map((v) => v + 0.25) })
    expect(energyDistance(shifted(x), shifted(y))).toBeCloseTo(e, 5)
  })

  it.each([
    [
      'a single point in x',
      fromRows([[0, 0]]),
      fromRows([
        [0, 0],
        [1, 1]
      ]),
      /x has 1 point; it needs at least 2/
    ],
    [
      'mismatched dimensions',
      fromRows([[0], [1]]),
      fromRows([
        [0, 0],
        [1, 1]
      ]),
      /x has dimension 1 but y has dimension 2/
    ],
    [
      'a NaN',
      fromRows([
        [0, 0],
        [1, NaN]
      ]),
      fromRows([
        [0, 0],
        [1, 1]
      ]),
      /x, point 1, coordinate 1 is NaN/
    ],
    [
      'a bad length',
      { n: 3, d: 2, data: new Float32Array(4) },
      fromRows([
        [0, 0],
        [1, 1]
      ]),
      /holds 4 numbers/
    ]
  ])('rejects %s with a ConfigError', (_, x, y, msg) => {
    expect(() => energyDistance(x, y)).toThrow(ConfigError)
    expect(() => energyDistance(x, y)).toThrow(msg)
  })
})
