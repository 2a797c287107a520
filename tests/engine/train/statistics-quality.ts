/**
 * Every §2 statistics objective learns `8gaussians` to held-out energy ≤ 0.1 × energyGaussian (issue 2's bar)
 * within TEST_STEPS, at most its default step budget (its default batch, lr and parameters). Split over two
 * test files (STATISTICS_PARTS) so that the runner's workers share the long runs; quality-statistics.test.ts
 * checks the parts cover the registry and every objective has its steps.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

export const STATISTICS_PARTS = [
  ['mmd', 'energy', 'cf-d2'],
  ['sliced-w2', 'sinkhorn']
] as const

/**
 * Steps of each objective's test run: fewer than its default where two seeds stay clear of the bar (these two
 * files were the suite's longest). Held-out energy / yard-stick at seeds 1 and 2 (2026-12-02): mmd 1000 of
 * 1500 steps 0.050, 0.064 (750: 0.062, 0.077); energy 1000 of 2000 0.065, 0.071; sliced-w2 1500 of 2000
 * 0.059, 0.070 (1000: 0.069, 0.085); cf-d2 1000 of 2000 0.086, 0.078 (docs/benchmarks.md: 0.081 at its 2000,
 * it levels off near the bar); sinkhorn keeps its 1000 (750: 0.075, 0.090; 500: 0.098 at seed 1).
 */
export const TEST_STEPS: Record<string, number> = {
  mmd: 1000,
  energy: 1000,
  'sliced-w2': 1500,
  'cf-d2': 1000,
  sinkhorn: 1000
}

export function describeStatistics(ids: readonly string[]): void {
  beforeAll(async () => {
    await initBackend('auto')
  })

  describe('every statistics objective learns 8gaussians within its test steps', () => {
    // 25 000 points → 5 000 held out: the energy statistic's noise (sd ≈ 0.0006) stays well below the bar (≈ 0.0045)
    const ds = generateBuiltin('8gaussians', 25_000, 0)
    it.each([...ids])(
      '%s',
      async (id) => {
        const config = makeRunConfig(ds, { objective: id, seed: 1, evalEvery: 0, steps: TEST_STEPS[id] })
        const r = await trainRun(ds, config)
        console.log(
          `QUALITY ${id} 8gaussians (${config.steps} steps): energy ${r.metrics.energy.toFixed(5)} = ` +
            `${(r.metrics.energy / r.metrics.energyGaussian).toFixed(3)} × Gaussian, recall ${r.metrics.recall.toFixed(3)}`
        )
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
