import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { energyDistance, energyGaussian, fitGaussian, sampleGaussian } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import { fromRows, gaussian, mixture8 } from './helpers'

describe('fitGaussian', () => {
  it('gives the sample mean and the unbiased covariance', () => {
    // corners of a square of side 2 plus its centre: mean (1, 1); Σ (x−1)² = 4, divisor n − 1 = 4
    const fit = fitGaussian(
      fromRows([
        [0, 0],
        [2, 0],
        [0, 2],
        [2, 2],
        [1, 1]
      ])
    )
    expect([...fit.mean]).toEqual([1, 1])
    expect([...fit.cov]).toEqual([1, 0, 0, 1])
    // a line y = 2x: cov = s²·[[1, 2], [2, 4]] with s² = var(x) = 1 for x = 0, 1, 2
    const line = fitGaussian(
      fromRows([
        [0, 0],
        [1, 2],
        [2, 4]
      ])
    )
    expect([...line.cov]).toEqual([1, 2, 2, 4])
  })

  it('rejects a single point', () => {
    expect(() => fitGaussian(fromRows([[1, 2]]))).toThrow(ConfigError)
  })
})

describe('sampleGaussian', () => {
  it('reproduces the mean and covariance it is given (within sampling error)', () => {
    const mean = Float64Array.of(1, -2, 0.5)
    const cov = Float64Array.of(2, 0.6, -0.3, 0.6, 0.5, 0.1, -0.3, 0.1, 1)
    const n = 20_000
    const fit = fitGaussian(sampleGaussian({ mean, cov }, n, new Rng(3)))
    for (let a = 0; a < 3; a++) {
      // se of a sample mean: √(Σ_aa / n); of a sample covariance: √((Σ_aa Σ_bb + Σ_ab²) / n)
      expect(Math.abs(fit.mean[a]! - mean[a]!)).toBeLessThan(4 * Math.sqrt(cov[a * 3 + a]! / n))
      for (let b = 0; b < 3; b++) {
        const se = Math.sqrt((cov[a * 3 + a]! * cov[b * 3 + b]! + cov[a * 3 + b]! ** 2) / n)
        expect(Math.abs(fit.cov[a * 3 + b]! - cov[a * 3 + b]!)).toBeLessThan(4 * se)
      }
    }
  })

  it('samples a singular (rank-deficient) fit thanks to the jitter', () => {
    const fit = fitGaussian(
      fromRows([
        [0, 0],
        [1, 2],
        [2, 4]
      ])
    )
    const s = sampleGaussian(fit, 500, new Rng(4))
    expect(s).toMatchObject({ n: 500, d: 2 })
    for (let i = 0; i < s.n; i++) {
      const x = s.data[2 * i]!
      const y = s.data[2 * i + 1]!
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true)
      expect(Math.abs(y - 2 - 2 * (x - 1))).toBeLessThan(1e-3) // on the line through the mean
    }
  })

  it('rejects a covariance that is not positive semi-definite', () => {
    const fit = { mean: Float64Array.of(0, 0), cov: Float64Array.of(1, 2, 2, 1) }
    expect(() => sampleGaussian(fit, 10, new Rng(1))).toThrow(/not positive semi-definite/)
    expect(() => sampleGaussian({ mean: fit.mean, cov: Float64Array.of(1) }, 10, new Rng(1))).toThrow(
      ConfigError
    )
  })
})

describe('energyGaussian', () => {
  it('is clearly positive on 8-Gaussians data while two samples of the mixture score ≈ 0', () => {
    const rng = new Rng(21)
    const train = mixture8(4000, rng)
    const heldout = mixture8(2000, rng)
    const other = mixture8(2000, rng)
    const yard = energyGaussian(train, heldout, rng)
    const same = energyDistance(other, heldout)
    // E‖X − X'‖ ≈ 2.5 for this mixture; under the null the estimator's spread is O(E‖X − X'‖ / n) ≈ 1e-3
    expect(Math.abs(same)).toBeLessThan(0.005)
    expect(yard).toBeGreaterThan(0.05)
    expect(yard).toBeGreaterThan(20 * Math.abs(same))
  })

  it('is ≈ 0 when the data are Gaussian', () => {
    const rng = new Rng(22)
    const train = gaussian(3000, [1, 2], rng, 0.5)
    const heldout = gaussian(2000, [1, 2], rng, 0.5)
    expect(Math.abs(energyGaussian(train, heldout, rng))).toBeLessThan(0.005)
  })

  it('fits once per training set: a second call draws from the same fit, and equals a fresh fit', () => {
    const train = gaussian(3000, [1, 2], new Rng(23), 0.5)
    const heldout = gaussian(500, [0, 0], new Rng(24))
    const first = energyGaussian(train, heldout, new Rng(25))
    // A copy of the training set (a fresh fit) and the original (its cached fit) give the same number.
    const copy = { ...train, data: train.data.slice() }
    expect(energyGaussian(copy, heldout, new Rng(25))).toBe(first)
    expect(energyGaussian(train, heldout, new Rng(25))).toBe(first)
    expect(energyDistance(sampleGaussian(fitGaussian(train), 500, new Rng(25)), heldout)).toBe(first)
  })
})
