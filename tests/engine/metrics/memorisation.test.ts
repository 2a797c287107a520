/** Memorisation ratio (metrics/memorisation.ts): copies of the training set score 0, fresh draws about 1. */
import { describe, expect, it } from 'vitest'
import { generateBuiltin } from '../../../src/engine/data'
import { meanNearestDistance, memorisation } from '../../../src/engine/metrics/memorisation'
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'

const pts = (data: number[], d = 2): Points => ({ n: data.length / d, d, data: Float32Array.from(data) })
const rows = (p: Points, from: number, to: number): Points => ({
  n: to - from,
  d: p.d,
  data: p.data.slice(from * p.d, to * p.d)
})

describe('memorisation', () => {
  it('mean nearest distance by hand', () => {
    expect(meanNearestDistance(pts([0, 0, 3, 4]), pts([0, 1, 3, 0]))).toBeCloseTo((1 + 4) / 2, 10)
  })

  const all = generateBuiltin('moons', 6000, 0)
  const p: Points = { n: all.n, d: all.d, data: all.data }
  const train = rows(p, 0, 4000)
  const heldout = rows(p, 4000, 5000)

  it('samples that copy training points score 0; fresh draws of the same law score about 1', () => {
    expect(memorisation(rows(p, 0, 1000), heldout, train, new Rng(1)).ratio).toBe(0)
    const fresh = memorisation(rows(p, 5000, 6000), heldout, train, new Rng(1))
    expect(fresh.ratio).toBeGreaterThan(0.9)
    expect(fresh.ratio).toBeLessThan(1.1)
    expect(fresh.heldoutToTrain).toBeGreaterThan(0)
  })

  it('training points jittered by a tenth of the typical gap score well below 1', () => {
    const near = rows(p, 0, 1000)
    const gap = memorisation(rows(p, 5000, 6000), heldout, train, new Rng(1)).heldoutToTrain
    const rng = new Rng(2)
    const jit = { ...near, data: near.data.map((v) => v + 0.1 * gap * rng.normal()) }
    expect(memorisation(jit, heldout, train, new Rng(1)).ratio).toBeLessThan(0.3)
  })

  it('names the cloud of the wrong dimension', () => {
    expect(() => memorisation(pts([0, 0, 1]), heldout, train, new Rng(1))).toThrow(/Memorisation/)
    expect(() => memorisation(pts([0, 0, 1], 3), heldout, train, new Rng(1))).toThrow(/dimension/)
  })
})
