import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { slicedW2, w2SquaredSorted } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import { fromRows, gaussian, mixture8, shift } from './helpers'

describe('slicedW2', () => {
  // Shifting a cloud by δ shifts every projection by θ·δ without reordering it, so each slice's W₂² is
  // exactly (θ·δ)². For θ uniform on S^{d−1}, u = θ·δ/‖δ‖ has E u² = 1/d and E u⁴ = 3/(d(d + 2)):
  // the estimate is ‖δ‖²/d with standard deviation ‖δ‖²·√(3/(d(d+2)) − 1/d²) / √P.
  it.each([
    [1, [0.7]],
    [2, [1, -0.5]],
    [3, [0.3, 0.4, 1.2]],
    [8, [1, 0, 0, 0, 0, 0, 0, -1]]
  ])('equals ‖δ‖²/d for a cloud and its shift in %i-D', (d, delta) => {
    const rng = new Rng(20 + d)
    const x = gaussian(500, Array(d).fill(0), rng)
    const y = shift(x, delta)
    const P = 2048
    const norm2 = delta.reduce((s, v) => s + v * v, 0)
    const sd = (norm2 * Math.sqrt(Math.max(0, 3 / (d * (d + 2)) - 1 / (d * d)))) / Math.sqrt(P)
    expect(Math.abs(slicedW2(x, y, rng, P) - norm2 / d)).toBeLessThan(4 * sd + 1e-5 * norm2)
  })

  it('is ≈ 0 for two samples of one law and larger for a shifted one', () => {
    const rng = new Rng(4)
    const a = mixture8(2000, rng)
    const b = mixture8(2000, rng)
    const same = slicedW2(a, b, rng)
    expect(same).toBeGreaterThan(0)
    // finite-sample W₂² between two draws is positive (here ≈ 0.015, largely from the gaps between modes)
    // but small next to a shift by 0.5, which adds ‖δ‖²/d = 0.125
    expect(same).toBeLessThan(0.03)
    expect(slicedW2(a, shift(b, [0.5, 0]), rng)).toBeGreaterThan(0.125)
  })

  it('is reproducible from the seed and exactly 0 for a cloud against itself', () => {
    const x = gaussian(300, [0, 0, 0], new Rng(1))
    const y = gaussian(200, [1, 0, 0], new Rng(2))
    expect(slicedW2(x, y, new Rng(5), 64)).toBe(slicedW2(x, y, new Rng(5), 64))
    expect(slicedW2(x, x, new Rng(5), 64)).toBe(0)
  })

  it('compares quantile functions when the sizes differ', () => {
    const rng = new Rng(6)
    const x = gaussian(300, [0, 0], rng)
    // every point twice: the same empirical law, so the same quantile functions
    const twice = { n: 600, d: 2, data: Float32Array.from([...x.data, ...x.data]) }
    expect(slicedW2(x, twice, rng, 32)).toBeCloseTo(0, 12)
    // 1-D, d = 1: the only directions are ±1 and both give the same W₂²
    expect(slicedW2(fromRows([[0], [1]]), fromRows([[0], [1], [2]]), rng, 8)).toBeCloseTo(0.5, 12)
  })

  it('rejects a bad number of projections', () => {
    const x = fromRows([[0], [1]])
    expect(() => slicedW2(x, x, new Rng(1), 0)).toThrow(ConfigError)
    expect(() => slicedW2(x, x, new Rng(1), 1.5)).toThrow(/positive whole number/)
  })
})

describe('w2SquaredSorted', () => {
  it('integrates (F⁻¹ − G⁻¹)² over the merged quantile levels', () => {
    // F⁻¹ = 0 on [0, ½), 1 on [½, 1); G⁻¹ = 0, 1, 2 on thirds:
    // (0 − 1)² on [⅓, ½) and (1 − 2)² on [⅔, 1) → 1/6 + 1/3 = ½
    const a = Float64Array.of(0, 1)
    const b = Float64Array.of(0, 1, 2)
    expect(w2SquaredSorted(a, b)).toBeCloseTo(0.5, 14)
    expect(w2SquaredSorted(b, a)).toBeCloseTo(0.5, 14)
    expect(w2SquaredSorted(Float64Array.of(1, 3), Float64Array.of(0, 5))).toBeCloseTo((1 + 4) / 2, 14)
    // one atom against many: W₂² = mean (c − b_j)²
    expect(w2SquaredSorted(Float64Array.of(1), Float64Array.of(0, 2, 4))).toBeCloseTo((1 + 1 + 9) / 3, 14)
  })
})
