import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { allObjectives } from '../../../src/engine/objectives/registry'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

beforeAll(async () => {
  await initBackend('auto')
})

describe('every statistics objective learns 8gaussians within its default budget', () => {
  // 25 000 points → 5 000 held out: the energy statistic's noise (sd ≈ 0.0006) stays well below the bar (≈ 0.0045)
  const ds = generateBuiltin('8gaussians', 25_000, 0)
  it.each(allObjectives().filter((o) => o.kind === 'pushforward').map((o) => o.id))('%s', async (id) => {
    const config = makeRunConfig(ds, { objective: id, seed: 1 })
    const r = await trainRun(ds, config)
    expect(r.metrics.n).toBeGreaterThanOrEqual(2000)
    expect(r.metrics.energyGaussian).toBeGreaterThan(0)
    // The bar: far below the Gaussian-fit yard-stick.
    expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
    expect(r.metrics.recall).toBeGreaterThan(0.5)
  }, 400_000)
})

