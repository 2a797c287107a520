/**
 * The bar for the one-step flow families: trained through the shared loop at the objective's default
 * parameters and budget (seed 1, 20 000 points, 4 000 held out), held-out energy ≤ 0.1 × the Gaussian-fit
 * yard-stick in ONE network evaluation (`onestep`), with 8 / 8 modes of 8gaussians covered. Only the cases that
 * meet the bar on every training seed measured are listed: `ct` does not on moons yet (0.065 on this seed, above
 * 0.1 on others; docs/benchmarks.md, "The one-step flow families"). Smaller budgets fail on other seeds (cd at
 * 1000 steps, shortcut at 1500), so this runs the defaults on one seed. `cd` learns from a `cfm` run of the same
 * data.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import type { Dataset } from '../../../src/engine/types'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

const CASES: [objective: string, dataset: string][] = [
  ['cd', '8gaussians'],
  ['cd', 'moons'],
  ['shortcut', '8gaussians'],
  ['shortcut', 'moons'],
  ['ct', '8gaussians'],
  ['meanflow', '8gaussians'],
  ['meanflow', 'moons']
]

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-quality-onestep-'))
const store = new RunStore(path.join(tmp, 'runs'))
const data = new Map<string, Dataset>()
const teachers = new Map<string, string>()

beforeAll(async () => {
  await initBackend('auto')
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** Points the teacher's final evaluation samples: its metrics are not asserted (Heun K = 100 on 4 000 points is not free). */
const TEACHER_EVAL_POINTS = 64

const train = (ds: Dataset, objective: string, params: Record<string, unknown> = {}, evalPoints?: number) =>
  trainRun(ds, makeRunConfig(ds, { objective, seed: 1, params, evalEvery: 0 }), {
    store,
    ...(evalPoints ? { evalPoints } : {})
  })

it.each(CASES)(
  '%s on %s: held-out energy ≤ 0.1 × energyGaussian in one network evaluation',
  async (id, dataset) => {
    let ds = data.get(dataset)
    if (!ds) data.set(dataset, (ds = generateBuiltin(dataset, 20_000, 0)))
    let params = {}
    if (id === 'cd') {
      let teacher = teachers.get(dataset)
      if (!teacher) teachers.set(dataset, (teacher = (await train(ds, 'cfm', {}, TEACHER_EVAL_POINTS)).runId!))
      params = { teacher }
    }
    const r = await train(ds, id, params)
    const ratio = r.metrics.energy / r.metrics.energyGaussian
    console.log(`QUALITY ${id} ${dataset} onestep: ${ratio.toFixed(3)} × Gaussian, modes ${r.metrics.modesCovered}`)
    expect(r.sampler).toEqual({ sampler: 'onestep', steps: 1 })
    expect(ratio).toBeLessThanOrEqual(0.1)
    if (dataset === '8gaussians') expect(r.metrics.modesCovered).toBe(8)
  },
  900_000
)
