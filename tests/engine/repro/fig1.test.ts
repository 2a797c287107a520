import { describe, expect, it } from 'vitest'
import { normalCdf } from '../../../src/engine/math'
import { reproFig1 } from '../../../src/engine/repro/fig1'

describe('pfm repro fig1 (the paper’s Fig. 1)', () => {
  it('learns Φ or 1 − Φ to within 0.01 on [−3, 3] with D₂² over t = 2πk, k = 1..10', async () => {
    const r = await reproFig1({ steps: 1200, seed: 0 })
    expect(r.maxAbsError).toBeLessThanOrEqual(0.01)
    // re-derive the reported error from the returned curve
    const err = Math.max(
      ...r.x.map((x, i) => Math.abs(r.phi[i]! - (r.against === 'Phi' ? normalCdf(x) : 1 - normalCdf(x))))
    )
    expect(err).toBeCloseTo(r.maxAbsError, 10)
    expect(r.svg).toContain('<svg')
    expect(r.x[0]).toBe(-3)
    expect(r.x[r.x.length - 1]).toBe(3)
  })

  it('the closed-form Φ is right (erf approximation)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7)
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6)
    expect(normalCdf(-1)).toBeCloseTo(0.158655254, 6)
  })
})
