/**
 * Mode coverage against constructed cases: samples on every mode, a collapsed disc, a ring through the modes
 * (touches all 8 at a lower share), the checkerboard's squares, and the built-ins' own data (≈ the 3σ share
 * of a 2-D Gaussian, 1 − e^{−9/2} ≈ 0.989, and 1 inside the squares).
 */
import { describe, expect, it } from 'vitest'
import { builtinModes, generateBuiltin } from '../../../src/engine/data'
import { ConfigError } from '../../../src/engine/errors'
import { computeMetrics, describeModes, modeCoverage } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import type { Mode, Points } from '../../../src/engine/types'
import { fromRows, gaussian } from './helpers'

const EIGHT = builtinModes('8gaussians')!
const R = 4 / 1.414
const SIGMA = 0.5 / 1.414

/** n points evenly around the circle of radius r (angle offset `phase`). */
function ring(n: number, r: number, phase = 0): Points {
  const rows = Array.from({ length: n }, (_, i) => {
    const t = phase + (2 * Math.PI * i) / n
    return [r * Math.cos(t), r * Math.sin(t)]
  })
  return fromRows(rows)
}

describe('builtin modes', () => {
  it('places 8gaussians, 25gaussians and the checkerboard modes where their generators put the data', () => {
    expect(EIGHT).toHaveLength(8)
    for (const m of EIGHT) {
      expect(m.kind).toBe('gaussian')
      if (m.kind === 'gaussian') {
        expect(Math.hypot(m.centre[0]!, m.centre[1]!)).toBeCloseTo(R, 6)
        expect(m.sigma).toBeCloseTo(SIGMA, 9)
      }
    }
    expect(builtinModes('25gaussians')).toHaveLength(25)
    const boxes = builtinModes('checkerboard')!
    expect(boxes).toHaveLength(8)
    // 8 squares of side 2 covering half of [−4, 4]².
    const area = boxes.reduce(
      (a, m) => a + (m.kind === 'box' ? (m.hi[0]! - m.lo[0]!) * (m.hi[1]! - m.lo[1]!) : 0),
      0
    )
    expect(area).toBe(32)
    expect(builtinModes('moons')).toBeNull()
    expect(builtinModes('no-such')).toBeNull()
  })

  it.each([
    ['8gaussians', 8, 1 - Math.exp(-4.5)],
    ['25gaussians', 25, 1 - Math.exp(-4.5)],
    ['checkerboard', 8, 1]
  ])('scores the data of %s itself as all modes, at the 3σ share', (id, k, share) => {
    const ds = generateBuiltin(id, 8000, 3)
    const c = modeCoverage(ds, builtinModes(id)!)
    expect(c.modes).toBe(k)
    expect(c.covered).toBe(k)
    expect(Math.abs(c.highQuality - share)).toBeLessThan(0.004)
    expect(c.counts.reduce((a, b) => a + b, 0)).toBe(Math.round(c.highQuality * 8000))
  })
})

describe('modeCoverage', () => {
  it('counts every mode for samples at the centres and none for a collapsed disc at the origin', () => {
    const centres = fromRows(EIGHT.map((m) => (m.kind === 'gaussian' ? m.centre : [])))
    expect(modeCoverage(centres, EIGHT)).toEqual({
      modes: 8,
      covered: 8,
      highQuality: 1,
      counts: Array(8).fill(1)
    })
    const disc = gaussian(1000, [0, 0], new Rng(1), 0.3)
    const c = modeCoverage(disc, EIGHT)
    expect([c.covered, c.highQuality]).toEqual([0, 0])
  })

  it('sees a map collapsed onto two modes as 2/8 at a high share', () => {
    const m0 = EIGHT[0]! as Extract<Mode, { kind: 'gaussian' }>
    const m1 = EIGHT[4]! as Extract<Mode, { kind: 'gaussian' }>
    const rng = new Rng(2)
    const a = gaussian(500, m0.centre, rng, SIGMA)
    const b = gaussian(500, m1.centre, rng, SIGMA)
    const both: Points = { n: 1000, d: 2, data: Float32Array.from([...a.data, ...b.data]) }
    const c = modeCoverage(both, EIGHT)
    expect(c.covered).toBe(2)
    expect(c.highQuality).toBeGreaterThan(0.97)
  })

  it('reads a ring through the modes as all touched, and the points between modes as not high quality', () => {
    // On the circle of radius R, a point at angle θ from a centre is 2R·sin(θ/2) away: within 3σ for
    // |θ| ≤ θ₃ = 2·asin(3σ / 2R), so the share in a mode is 8 · 2θ₃ / 2π (the balls do not overlap).
    const c = modeCoverage(ring(8000, R), EIGHT)
    expect(c.covered).toBe(8)
    const theta3 = 2 * Math.asin((3 * SIGMA) / (2 * R))
    expect(c.highQuality).toBeCloseTo((8 * 2 * theta3) / (2 * Math.PI), 2)
    expect(c.highQuality).toBeLessThan(1)
    // A ring of twice the radius touches nothing.
    expect(modeCoverage(ring(800, 2 * R), EIGHT).covered).toBe(0)
  })

  it('needs a tenth of a fair share before a mode counts as covered', () => {
    const m0 = EIGHT[0]! as Extract<Mode, { kind: 'gaussian' }>
    // 800 samples: fair share 100, so 10 in a mode cover it and 9 do not.
    const rows = (k: number): number[][] => [
      ...Array.from({ length: k }, () => m0.centre),
      ...Array.from({ length: 800 - k }, () => [0, 0])
    ]
    expect(modeCoverage(fromRows(rows(10)), EIGHT).covered).toBe(1)
    expect(modeCoverage(fromRows(rows(9)), EIGHT).covered).toBe(0)
  })

  it('counts a point where two 3σ balls overlap once, for the nearer mode', () => {
    const modes: Mode[] = [
      { kind: 'gaussian', centre: [0, 0], sigma: 1 },
      { kind: 'gaussian', centre: [4, 0], sigma: 1 }
    ]
    const c = modeCoverage(
      fromRows([
        [1.5, 0],
        [2.5, 0],
        [3, 0]
      ]),
      modes
    )
    expect(c.counts).toEqual([1, 2])
    expect(c.highQuality).toBe(1)
  })

  it('scores checkerboard squares by inside/outside', () => {
    const boxes = builtinModes('checkerboard')!
    // Cell [−4,−2)² is a square, [−2,0)×[−4,−2) is not.
    const c = modeCoverage(
      fromRows([
        [-3, -3],
        [-1, -3],
        [1, 1],
        [3, 3]
      ]),
      boxes
    )
    expect(c.highQuality).toBe(0.75)
  })

  it('refuses modes of another dimension, σ ≤ 0 and an empty list with one line', () => {
    const p = fromRows([[0, 0]])
    expect(() => modeCoverage(p, [])).toThrow(ConfigError)
    expect(() => modeCoverage(p, [{ kind: 'gaussian', centre: [0], sigma: 1 }])).toThrow(/dimension 1/)
    expect(() => modeCoverage(p, [{ kind: 'gaussian', centre: [0, 0], sigma: 0 }])).toThrow(/σ = 0/)
  })
})

describe('computeMetrics with known modes', () => {
  it('adds the mode figures in data units, undoing the standardisation', () => {
    const rng = new Rng(5)
    const data = generateBuiltin('8gaussians', 1200, 9)
    const stats = { mean: [1, -2], std: [2, 2] }
    const std: Points = {
      n: data.n,
      d: 2,
      data: data.data.map((v, i) => (v - stats.mean[i % 2]!) / stats.std[i % 2]!)
    }
    const heldout: Points = { n: 600, d: 2, data: std.data.subarray(0, 1200) }
    const train: Points = { n: 600, d: 2, data: std.data.subarray(1200) }
    const m = computeMetrics(heldout, train, train, rng, { modes: EIGHT, standardization: stats })
    expect([m.modes, m.modesCovered]).toEqual([8, 8])
    expect(m.highQuality).toBeGreaterThan(0.97)
    expect(describeModes(m)).toMatch(/^8\/8 modes touched, (98|99|100) % high-quality$/)
    const none = computeMetrics(heldout, train, train, new Rng(5))
    expect(none.modes).toBeUndefined()
    expect(describeModes(none)).toBeNull()
  })
})
