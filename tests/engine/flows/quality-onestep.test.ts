/**
 * Training quality of meanflow through the shared loop at its declared defaults, scored in ONE network
 * evaluation (`onestep`) on 8gaussians: every mode covered and held-out energy within 0.2 × the Gaussian-fit
 * yard-stick. A guard, not yet the bar of 0.1: this run gives 0.138 (docs/benchmarks.md); about
 * 35 CPU-seconds. The other one-step families are measured in docs/benchmarks.md only.
 */
import { beforeAll, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

beforeAll(async () => {
  await initBackend('auto')
})

it('meanflow on 8gaussians covers 8 / 8 modes within 0.2 × energyGaussian in one network evaluation', async () => {
  const ds = generateBuiltin('8gaussians', 20_000, 0)
  const r = await trainRun(ds, makeRunConfig(ds, { objective: 'meanflow', seed: 1 }))
  const ratio = r.metrics.energy / r.metrics.energyGaussian
  console.log(
    `QUALITY meanflow 8gaussians onestep: ${ratio.toFixed(3)} × Gaussian, ${r.metrics.modesCovered} / 8 modes`
  )
  expect(r.sampler).toEqual({ sampler: 'onestep', steps: 1 })
  expect(ratio).toBeLessThanOrEqual(0.2)
  expect(r.metrics.modesCovered).toBe(8)
}, 900_000)
