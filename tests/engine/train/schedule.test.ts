import { describe, expect, it } from 'vitest'
import { cosineFactor } from '../../../src/engine/train/schedule'

describe('cosine learning-rate schedule', () => {
  it('starts at 1, ends at the floor, passes through the midpoint halfway, and never rises', () => {
    const steps = 101
    const f = Array.from({ length: steps }, (_, s) => cosineFactor(s, steps, { floor: 0.1 }))
    expect(f[0]).toBe(1)
    expect(f[100]).toBeCloseTo(0.1, 12)
    expect(f[50]).toBeCloseTo(0.55, 12) // floor + (1 − floor)/2
    for (let s = 1; s < steps; s++) expect(f[s]!).toBeLessThanOrEqual(f[s - 1]!)
    expect(cosineFactor(100, steps)).toBeCloseTo(0.05, 12) // default floor
    expect(cosineFactor(100, steps, { floor: 0 })).toBeCloseTo(0, 12)
  })

  it('holds 1 for the first `hold` fraction, then decays over the rest', () => {
    const steps = 201
    expect(cosineFactor(0, steps, { hold: 0.5 })).toBe(1)
    expect(cosineFactor(100, steps, { hold: 0.5 })).toBe(1)
    // Three quarters through the run is halfway through the decay.
    expect(cosineFactor(150, steps, { hold: 0.5 })).toBeCloseTo(0.525, 12)
    expect(cosineFactor(200, steps, { hold: 0.5 })).toBeCloseTo(0.05, 12)
  })

  it('is 1 for a run of one step and clamps steps outside the run', () => {
    expect(cosineFactor(0, 1)).toBe(1)
    expect(cosineFactor(-5, 10)).toBe(1)
    expect(cosineFactor(50, 10)).toBeCloseTo(0.05, 12)
  })
})
