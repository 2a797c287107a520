/**
 * Nearest training image (metrics/nearest.ts), the Gallery's memorisation check: a training image finds itself
 * at distance 0, a perturbed one its source at the perturbation's norm, and the held-out reference is the
 * median of the held-out images' nearest distances.
 */
import { describe, expect, it } from 'vitest'
import {
  heldoutNearestMedian,
  nearestDistances,
  nearestTrainingImage
} from '../../../src/engine/metrics/nearest'
import { Rng } from '../../../src/engine/rng'
import type { Points } from '../../../src/engine/types'

/** n random 8×8 images in [−1, 1] (the standardised pixel scale). */
function images(n: number, seed: number): Points {
  const rng = new Rng(seed)
  const d = 64
  return { n, d, data: Float32Array.from({ length: n * d }, () => 2 * rng.uniform() - 1) }
}
const row = (p: Points, i: number): Float32Array => p.data.slice(i * p.d, (i + 1) * p.d)

describe('nearestTrainingImage', () => {
  const train = images(300, 1)

  it('a training image is its own nearest, at distance 0, and comes back whole', () => {
    for (const i of [0, 137, 299]) {
      const r = nearestTrainingImage(train, row(train, i))
      expect(r.index).toBe(i)
      expect(r.distance).toBe(0)
      expect(Array.from(r.image)).toEqual(Array.from(row(train, i)))
    }
  })

  it('a perturbed training image finds its source, at the perturbation’s norm', () => {
    const rng = new Rng(5)
    const i = 42
    const noise = Array.from({ length: train.d }, () => 0.05 * rng.normal())
    const q = row(train, i).map((v, j) => v + noise[j]!)
    const r = nearestTrainingImage(train, q)
    expect(r.index).toBe(i)
    const norm = Math.sqrt(q.reduce((s, v, j) => s + (v - train.data[i * train.d + j]!) ** 2, 0))
    expect(r.distance).toBeCloseTo(norm, 5)
    // Far below fresh images' distances to the set (random 64-pixel images lie ≈ 6 apart).
    expect(r.distance).toBeLessThan(0.1 * heldoutNearestMedian(images(50, 2), train))
  })

  it('picks the nearest of two close candidates by hand', () => {
    const ref: Points = { n: 3, d: 2, data: Float32Array.from([0, 0, 3, 4, 3, 5]) }
    expect(nearestTrainingImage(ref, [3, 4.6])).toMatchObject({ index: 2 })
    expect(nearestTrainingImage(ref, [3, 4.6]).distance).toBeCloseTo(0.4, 6)
    expect(nearestTrainingImage(ref, [1, 1]).index).toBe(0)
  })

  it('refuses a sample of the wrong size and an empty split', () => {
    expect(() => nearestTrainingImage(train, new Float32Array(63))).toThrow(
      /^The sample has 63 values; the run's training images have 64\.$/
    )
    expect(() => nearestTrainingImage({ n: 0, d: 2, data: new Float32Array(0) }, [0, 0])).toThrow(
      /training split is empty/
    )
  })
})

describe('heldoutNearestMedian', () => {
  it('is the median of the first held-out images’ nearest distances', () => {
    const ref: Points = { n: 2, d: 1, data: Float32Array.from([0, 10]) }
    const held: Points = { n: 4, d: 1, data: Float32Array.from([1, 7, 4, 100]) }
    expect(nearestDistances(held, ref)).toEqual([1, 3, 4, 90])
    expect(heldoutNearestMedian(held, ref)).toBe(3.5)
    // Only the first three: distances 1, 3, 4.
    expect(heldoutNearestMedian(held, ref, 3)).toBe(3)
  })
})
