/**
 * Every §2 statistics objective learns `8gaussians` to held-out energy ≤ 0.1 × energyGaussian within its
 * default step budget (issue 2's bar). Split over two test files (STATISTICS_PARTS) so that the runner's
 * workers share the long runs; quality-statistics.test.ts checks the parts cover the registry.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

export const STATISTICS_PARTS = [
  ['mmd', 'energy', 'cf-d2'],
  ['sliced-w2', 'sinkhorn']
] as const

export function describeStatistics(ids: readonly string[]): void {
  beforeAll(async () => {
    await initBackend('auto')
  })

  describe('every statistics objective learns 8gaussians within its default budget', () => {
    // 25 000 points → 5 000 held out: the energy statistic's noise (sd ≈ 0.0006) stays well below the bar (≈ 0.0045)
    const ds = generateBuiltin('8gaussians', 25_000, 0)
    it.each([...ids])(
      '%s',
      async (id) => {
        const config = makeRunConfig(ds, { objective: id, seed: 1, evalEvery: 0 })
        const r = await trainRun(ds, config)
        expect(r.metrics.n).toBeGreaterThanOrEqual(2000)
        expect(r.metrics.energyGaussian).toBeGreaterThan(0)
        // The bar: far below the Gaussian-fit yard-stick.
        expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
        expect(r.metrics.recall).toBeGreaterThan(0.5)
      },
      400_000
    )
  })
}
