/**
 * Training quality: every one-step-map model objective (MAP_OBJECTIVES) reaches a held-out energy distance ≤ 0.1 × that
 * of a Gaussian fitted to the training split (the yard-stick of src/engine/metrics) on both `8gaussians` and
 * `moons`, sampled in one step (`onestep`), with the budget of QUALITY_BUDGETS (seeded; measured ratios and CPU
 * seconds in budgets.ts, wasm backend). The objectives are split over several test files (QUALITY_PARTS) so
 * that the test runner's workers share the long runs; quality.test.ts checks the parts cover the registry.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { QUALITY_BUDGETS, QUALITY_DATASETS } from './budgets'
import { MAP_OBJECTIVES, trainObjective } from './harness'

export const QUALITY_PARTS = {
  adversarial: ['gan', 'wgan-gp'],
  likelihood: ['realnvp', 'vae'],
  anneal: ['anneal']
} as const

export function describeQuality(ids: readonly string[]): void {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  const all = process.env.PFM_QUALITY_ALL === '1'
  const cases = ids.flatMap((id) =>
    QUALITY_DATASETS.filter((ds) => all || !QUALITY_BUDGETS[id]!.longOnly?.includes(ds)).map(
      (ds) => [id, ds] as [string, string]
    )
  )

  describe('training quality (held-out energy vs a Gaussian fit)', () => {
    it.each(cases)(
      '%s on %s reaches energy ≤ 0.1 × energyGaussian',
      async (id, dataset) => {
        const obj = MAP_OBJECTIVES.find((o) => o.id === id)!
        const budget = QUALITY_BUDGETS[id]!
        const per = budget.perDataset?.[dataset] ?? {}
        const r = await trainObjective(obj, {
          dataset,
          seed: 1,
          ...budget.common,
          ...per,
          model: { ...budget.common.model, ...per.model },
          params: { ...budget.common.params, ...per.params }
        })
        console.log(
          `QUALITY ${id} ${dataset}: energy ${r.metrics.energy.toFixed(5)} = ${r.ratio.toFixed(3)} × Gaussian ` +
            `(${r.metrics.energyGaussian.toFixed(4)}), precision ${r.metrics.precision.toFixed(3)} recall ` +
            `${r.metrics.recall.toFixed(3)}, ${r.cpuSeconds.toFixed(1)} CPU s (${r.seconds.toFixed(1)} s wall)` +
            (Object.keys(r.extra).length ? ` ${JSON.stringify(r.extra)}` : '')
        )
        expect(Number.isFinite(r.metrics.energy)).toBe(true)
        expect(r.metrics.n).toBeGreaterThanOrEqual(2000)
        expect(r.ratio).toBeLessThanOrEqual(0.1)
      },
      600_000
    )
  })
}
