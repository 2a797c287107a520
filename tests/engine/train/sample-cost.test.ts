import { describe, expect, it } from 'vitest'
import { energyDistance, energyFloor } from '../../../src/engine/metrics/energy-distance'
import { Rng } from '../../../src/engine/rng'
import { evaluationsPerSample } from '../../../src/engine/train/evaluate'
import type { Points } from '../../../src/engine/types'

function gaussian(n: number, rng: Rng, shift = 0): Points {
  const data = new Float32Array(2 * n)
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() + (i % 2 === 0 ? shift : 0)
  return { n, d: 2, data }
}

describe('Gallery sample cost and references', () => {
  it("counts network evaluations per sample from the sampler's record: one for a map, nfePerStep per step", () => {
    expect(evaluationsPerSample({ sampler: 'onestep', steps: 1 })).toBe(1)
    expect(evaluationsPerSample({ sampler: 'heun', steps: 1 })).toBe(2)
    expect(evaluationsPerSample({ sampler: 'heun', steps: 8 })).toBe(16)
    expect(evaluationsPerSample({ sampler: 'euler', steps: 8 })).toBe(8)
    expect(evaluationsPerSample({ sampler: 'rk4', steps: 8 })).toBe(32)
    expect(evaluationsPerSample({ sampler: 'dpmpp-2m', steps: 8 })).toBe(8)
  })

  it("measures the data's own energy floor: positive, far below a shifted cloud's energy", () => {
    const rng = new Rng(3)
    const train = gaussian(800, rng)
    const heldout = gaussian(300, rng)
    const floor = energyFloor(train, heldout, new Rng(4))
    expect(floor).toBeGreaterThan(0)
    expect(floor).toBeLessThan(0.05)
    expect(energyDistance(gaussian(300, rng, 0.5), heldout)).toBeGreaterThan(5 * floor)
    expect(energyFloor(train, heldout, new Rng(4))).toBe(floor)
  })
})
