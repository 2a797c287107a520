/**
 * The VP schedules and the forward marginal of eq. (5): ᾱ and β agree (β = −d log ᾱ/dt), the closed form
 * `ouMarginal` matches the empirical moments of the simulated SDE dX = −½β X dt + √β dB, and of
 * `vpSampleXt`, and equals the unit-rate OU marginal N(e^{−s} x₀, 1 − e^{−2s}) at OU time s.
 */
import { describe, expect, it } from 'vitest'
import {
  karrasGrid,
  noiseToSignal,
  ouMarginal,
  ouTime,
  vpSchedule,
  VP_SCHEDULES
} from '../../../src/engine/objectives/flows/schedule'
import { vpSampleXt } from '../../../src/engine/objectives/flows/ddpm'
import { eulerMaruyama, uniformGrid } from '../../../src/engine/samplers'
import { Rng } from '../../../src/engine/rng'

function moments(x: Float32Array, d: number, j: number): { mean: number; variance: number } {
  const n = x.length / d
  let m = 0
  for (let i = 0; i < n; i++) m += x[i * d + j]! / n
  let v = 0
  for (let i = 0; i < n; i++) v += (x[i * d + j]! - m) ** 2 / (n - 1)
  return { mean: m, variance: v }
}

describe.each(VP_SCHEDULES)('%s schedule', (id) => {
  const s = vpSchedule(id)

  it('ᾱ(0) = 1, ᾱ decreases to ≤ 10⁻⁴ at t = 1, and β = −d log ᾱ/dt', () => {
    expect(s.alphaBar(0)).toBeCloseTo(1, 12)
    expect(s.alphaBar(1)).toBeLessThanOrEqual(1.0001e-4)
    expect(s.alphaBar(1)).toBeGreaterThan(1e-6)
    let prev = 1
    for (let k = 1; k <= 100; k++) {
      const a = s.alphaBar(k / 100)
      expect(a).toBeLessThan(prev)
      prev = a
    }
    for (const t of [0.01, 0.2, 0.5, 0.9, 0.99]) {
      const h = 1e-6
      const fd = -(Math.log(s.alphaBar(t + h)) - Math.log(s.alphaBar(t - h))) / (2 * h)
      expect(s.beta(t)).toBeCloseTo(fd, 4)
    }
  })

  it('timeOf inverts ᾱ', () => {
    for (const t of [0, 1e-3, 0.1, 0.5, 0.9, 1]) expect(s.timeOf(s.alphaBar(t))).toBeCloseTo(t, 7)
  })

  it('the Karras grid runs from 1 to tMin, equally spaced in σ̃^(1/7)', () => {
    const g = karrasGrid(s, 10, 1, 1e-3)
    expect(g).toHaveLength(11)
    expect(g[0]).toBe(1)
    expect(g[10]).toBe(1e-3)
    const r = g.map((t) => noiseToSignal(s, t) ** (1 / 7))
    for (let i = 1; i < 11; i++) {
      expect(g[i]!).toBeLessThan(g[i - 1]!)
      expect(r[i - 1]! - r[i]!).toBeCloseTo(r[0]! - r[1]!, 6)
    }
  })

  it('the simulated forward SDE matches ouMarginal (mean and variance)', () => {
    const n = 10_000
    const x0 = [1.5, -2]
    const start = new Float32Array(n * 2)
    for (let i = 0; i < n; i++) start.set(x0, 2 * i)
    const rng = new Rng(7)
    for (const t of [0.1, 0.35, 0.8]) {
      const x = eulerMaruyama(
        (v, r) => v.map((u) => -0.5 * s.beta(r) * u),
        (r) => Math.sqrt(s.beta(r)),
        start,
        uniformGrid(0, t, 200),
        rng
      )
      const { mean, std } = ouMarginal(x0, t, id)
      for (const j of [0, 1]) {
        const m = moments(x, 2, j)
        // Sampling error (±4 standard errors) plus the O(h) Euler–Maruyama bias.
        expect(Math.abs(m.mean - mean[j]!)).toBeLessThan(4 * (std / Math.sqrt(n)) + 0.01)
        expect(Math.abs(m.variance - std * std)).toBeLessThan(4 * std * std * Math.sqrt(2 / n) + 0.01)
      }
    }
  })

  it('vpSampleXt draws from ouMarginal', () => {
    const n = 40_000
    const rng = new Rng(8)
    const x0 = new Float32Array(n).fill(0.7)
    const t = new Float32Array(n).fill(0.4)
    const x = vpSampleXt(s, x0, t, rng.normals(n), 1)
    const { mean, std } = ouMarginal([0.7], 0.4, id)
    const m = moments(x, 1, 0)
    expect(Math.abs(m.mean - mean[0]!)).toBeLessThan((4 * std) / Math.sqrt(n))
    expect(Math.abs(m.variance - std * std)).toBeLessThan(4 * std * std * Math.sqrt(2 / n))
  })

  it('at OU time s it is the unit-rate OU marginal N(e^{−s} x₀, 1 − e^{−2s})', () => {
    for (const t of [0.05, 0.5, 1]) {
      const so = ouTime(t, id)
      const { mean, std } = ouMarginal([2, -1], t, id)
      expect(mean[0]).toBeCloseTo(2 * Math.exp(-so), 6)
      expect(mean[1]).toBeCloseTo(-Math.exp(-so), 6)
      expect(std).toBeCloseTo(Math.sqrt(1 - Math.exp(-2 * so)), 10)
    }
  })
})
