/**
 * Training quality of the §4 objectives through the shared loop (`trainRun`) at their declared defaults:
 * held-out energy distance at most a tenth of the Gaussian-fit yard-stick, sampled with each model's best
 * (first) sampler at K = 100, and in one step for `distill` taught by a stored `cfm` run. 30 000 points per
 * data set, so the metrics compare 6 000 samples with 6 000 held-out points (at 2 400 a side the estimate's
 * noise is ±0.04 of the yard-stick on moons; at 6 000 about ±0.01).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

/** Generous: no timing assertions, and a busy shared CPU must not fail a correct run. */
const TIMEOUT = 400_000
const N = 30_000

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-flows-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  await initBackend('auto')
})

describe.each(['8gaussians', 'moons'])('%s', (dataset) => {
  const ds = generateBuiltin(dataset, N, 0)

  it.each(['ddpm', 'cfm', 'ot-cfm'])(
    '%s reaches energy ≤ 0.1 × energyGaussian with its best sampler at K = 100',
    async (objective) => {
      const before = tf.memory().numTensors
      const r = await trainRun(ds, makeRunConfig(ds, { objective, seed: 1 }))
      expect(r.sampler).toEqual({ sampler: 'heun', steps: 100 })
      expect(r.metrics.n).toBe(6000)
      expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
      expect(tf.memory().numTensors).toBe(before)
    },
    TIMEOUT
  )
})

it(
  'distill (taught by a stored cfm run) reaches energy ≤ 0.1 × energyGaussian in one step on 8gaussians',
  async () => {
    const ds = generateBuiltin('8gaussians', N, 0)
    const store = new RunStore(path.join(tmp, 'runs'))
    const teacher = await trainRun(ds, makeRunConfig(ds, { objective: 'cfm', seed: 2 }), { store })
    const r = await trainRun(
      ds,
      makeRunConfig(ds, { objective: 'distill', seed: 3, params: { teacher: teacher.runId! } }),
      { store }
    )
    expect(r.sampler).toEqual({ sampler: 'onestep', steps: 1 })
    expect(r.weights).toMatchObject({ kind: 'distill', teacher: teacher.runId })
    expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
  },
  TIMEOUT
)
