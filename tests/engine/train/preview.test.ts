import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import type { Points } from '../../../src/engine/types'

beforeAll(async () => {
  await initBackend('auto')
})

describe('live sample previews', () => {
  const ds = generateBuiltin('8gaussians', 6000, 0)

  it('come in data units from their own stream: training with previews is bit-identical to without', async () => {
    const config = makeRunConfig(ds, { objective: 'energy', steps: 20, batch: 64, seed: 3 })
    const plain = await trainRun(ds, config)
    const previews: { step: number; points: Points }[] = []
    const withPreviews = await trainRun(ds, config, {
      preview: { everyMs: 0, n: 50, onPreview: (step, points) => previews.push({ step, points }) }
    })
    expect(withPreviews.finalLoss).toBe(plain.finalLoss)
    expect(Array.from(withPreviews.samples.data)).toEqual(Array.from(plain.samples.data))
    // Every step but the last (the final samples are the result's).
    expect(previews.map((p) => p.step)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1))
    expect(previews.every((p) => p.points.n === 50 && p.points.d === 2)).toBe(true)
  })

  it('are de-standardised: data far from the origin gives previews around it', async () => {
    const shifted = { ...ds, data: ds.data.map((v) => v + 1000) }
    const config = makeRunConfig(shifted, { objective: 'energy', steps: 5, batch: 64 })
    const previews: Points[] = []
    await trainRun(shifted, config, {
      preview: { everyMs: 0, n: 100, onPreview: (_s, p) => previews.push(p) }
    })
    expect(previews.length).toBeGreaterThan(0)
    const pts = previews[0]!.data
    const mean = pts.reduce((a, v) => a + v, 0) / pts.length
    expect(Math.abs(mean - 1000)).toBeLessThan(50)
  })
})
