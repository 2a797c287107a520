import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { computeMetrics, subsample } from '../../../src/engine/metrics'
import { pairwiseCap } from '../../../src/engine/metrics/compute-metrics'
import { Rng } from '../../../src/engine/rng'
import type { Metrics } from '../../../src/engine/types'
import { fromRows, gaussian, mixture8 } from './helpers'

const KEYS: (keyof Metrics)[] = [
  'memorisation',
  'energy',
  'energyGaussian',
  'mmd',
  'slicedW2',
  'precision',
  'recall',
  'density',
  'coverage',
  'n'
]

describe('computeMetrics', () => {
  it('scores a perfect sampler near 0 / 1 and far below the Gaussian yard-stick', () => {
    const rng = new Rng(40)
    const train = mixture8(4000, rng)
    const heldout = mixture8(2000, rng)
    const samples = mixture8(2000, rng)
    const m = computeMetrics(samples, heldout, train, rng)
    expect(Object.keys(m).sort()).toEqual([...KEYS].sort())
    expect(m.n).toBe(2000)
    expect(Math.abs(m.energy)).toBeLessThan(0.005)
    expect(m.energyGaussian).toBeGreaterThan(20 * Math.abs(m.energy))
    expect(Math.abs(m.mmd)).toBeLessThan(0.002)
    expect(m.slicedW2).toBeLessThan(0.03)
    for (const k of ['precision', 'recall', 'coverage'] as const) expect(m[k]).toBeGreaterThan(0.9)
    expect(Math.abs(m.density - 1)).toBeLessThan(0.1)
    expect(Math.abs(m.memorisation! - 1)).toBeLessThan(0.1)
  })

  it('penalises a sampler that drops half the modes', () => {
    const rng = new Rng(41)
    const train = mixture8(4000, rng)
    const heldout = mixture8(2000, rng)
    const good = computeMetrics(mixture8(2000, rng), heldout, train, new Rng(1))
    const bad = computeMetrics(mixture8(2000, rng, [0, 1, 2, 3]), heldout, train, new Rng(1))
    expect(bad.energy).toBeGreaterThan(10 * Math.abs(good.energy) + 0.05)
    expect(bad.mmd).toBeGreaterThan(0.01)
    expect(bad.slicedW2).toBeGreaterThan(3 * good.slicedW2)
    expect(bad.recall).toBeLessThan(0.6)
    expect(bad.coverage).toBeLessThan(0.6)
    expect(bad.precision).toBeGreaterThan(0.9)
  })

  it('subsamples the larger side to n = min(samples.n, heldout.n) and is reproducible from the seed', () => {
    const rng = new Rng(42)
    const train = gaussian(500, [0, 0, 0], rng)
    const heldout = gaussian(300, [0, 0, 0], rng)
    const samples = gaussian(700, [0, 0, 0], rng)
    const a = computeMetrics(samples, heldout, train, new Rng(7))
    expect(a.n).toBe(300)
    expect(computeMetrics(samples, heldout, train, new Rng(7))).toEqual(a)
    expect(computeMetrics(heldout, samples, train, new Rng(7)).n).toBe(300)
    expect(computeMetrics(samples, heldout, train, new Rng(8))).not.toEqual(a)
  })

  it("caps the pairwise metrics in high dimension (n²·d budget), not at the toys' sizes", () => {
    expect(pairwiseCap(2)).toBeGreaterThan(10_000)
    expect(pairwiseCap(784)).toBe(714)
    const rng = new Rng(43)
    const zero = new Array<number>(784).fill(0)
    const train = gaussian(900, zero, rng)
    const m = computeMetrics(gaussian(800, zero, rng), gaussian(900, zero, rng), train, new Rng(7))
    expect(m.n).toBe(714)
    expect(Number.isFinite(m.energy) && Number.isFinite(m.mmd)).toBe(true)
  })

  it.each([
    [
      'mismatched dimensions',
      gaussian(10, [0, 0], new Rng(1)),
      gaussian(10, [0], new Rng(2)),
      /dimension 2 but/
    ],
    ['too few points for PRDC', fromRows([[0], [1], [2]]), gaussian(10, [0], new Rng(2)), /needs at least 6/]
  ])('rejects %s', (_, samples, heldout, msg) => {
    const train = gaussian(10, [0], new Rng(3))
    expect(() => computeMetrics(samples, heldout, train, new Rng(1))).toThrow(ConfigError)
    expect(() => computeMetrics(samples, heldout, train, new Rng(1))).toThrow(msg)
  })
})

describe('subsample', () => {
  it('draws distinct rows without replacement', () => {
    const p = fromRows([...Array(50).keys()].map((i) => [i, -i]))
    const s = subsample(p, 20, new Rng(2))
    expect(s).toMatchObject({ n: 20, d: 2 })
    const firsts = [...Array(20).keys()].map((i) => s.data[2 * i]!)
    expect(new Set(firsts).size).toBe(20)
    firsts.forEach((v, i) => expect(s.data[2 * i + 1]).toBe(-v))
    expect(() => subsample(p, 51, new Rng(2))).toThrow(ConfigError)
  })
})
