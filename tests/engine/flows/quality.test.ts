/**
 * Training quality of the §4 objectives through the shared loop (`trainRun`) at their declared defaults:
 * held-out energy distance at most a tenth of the Gaussian-fit yard-stick, sampled with each model's best
 * (first) sampler at K = 100 (`heun`), and in one step for `distill`. `reflow` and `distill` learn from the
 * `cfm` run of the same data set, trained once per data set and stored (the `cfm` case asserts that run).
 *
 * N points per data set, a fifth held out: the metrics compare 4 000 samples with 4 000 held-out points.
 * The estimate's noise at that size, measured over eval seeds for fixed trained models, is about ±0.01–0.02
 * of the yard-stick; the cases below pass with at least that margin (ratios are logged as QUALITY lines).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, trainRun, type TrainResult } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'

/** Generous: no timing assertions, and a busy shared CPU must not fail a correct run. */
const TIMEOUT = 600_000
const N = 20_000
const DATASETS = ['8gaussians', 'moons'] as const

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-flows-'))
const store = new RunStore(path.join(tmp, 'runs'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  await initBackend('auto')
})

const data = new Map<string, Dataset>()
const dataset = (id: string): Dataset => {
  if (!data.has(id)) data.set(id, generateBuiltin(id, N, 0))
  return data.get(id)!
}

/** The stored cfm run of a data set: trained on first use, shared by the cfm, reflow and distill cases. */
const cfmRuns = new Map<string, Promise<TrainResult>>()
function cfmRun(id: string): Promise<TrainResult> {
  if (!cfmRuns.has(id)) {
    const ds = dataset(id)
    cfmRuns.set(id, trainRun(ds, makeRunConfig(ds, { objective: 'cfm', seed: 1, evalEvery: 0 }), { store }))
  }
  return cfmRuns.get(id)!
}

function report(r: TrainResult): number {
  const ratio = r.metrics.energy / r.metrics.energyGaussian
  console.log(
    `QUALITY ${r.objective} ${r.dataset} (${r.sampler.sampler}, K = ${r.sampler.steps}): energy ` +
      `${r.metrics.energy.toFixed(5)} = ${ratio.toFixed(3)} × Gaussian (${r.metrics.energyGaussian.toFixed(4)}), ` +
      `precision ${r.metrics.precision.toFixed(3)} recall ${r.metrics.recall.toFixed(3)}, ` +
      `${(r.durationMs / 1000).toFixed(1)} s`
  )
  return ratio
}

describe.each(DATASETS)('%s', (id) => {
  it.each(['ddpm', 'ot-cfm'])(
    '%s reaches energy ≤ 0.1 × energyGaussian with its best sampler at K = 100',
    async (objective) => {
      const ds = dataset(id)
      const before = tf.memory().numTensors
      const r = await trainRun(ds, makeRunConfig(ds, { objective, seed: 1, evalEvery: 0 }))
      expect(r.sampler).toEqual({ sampler: 'heun', steps: 100 })
      expect(r.metrics.n).toBe(4000)
      expect(report(r)).toBeLessThanOrEqual(0.1)
      expect(tf.memory().numTensors).toBe(before)
    },
    TIMEOUT
  )

  it(
    'cfm (stored, the teacher below) reaches energy ≤ 0.1 × energyGaussian with heun at K = 100',
    async () => {
      const r = await cfmRun(id)
      expect(r.runId).toBeTruthy()
      expect(r.sampler).toEqual({ sampler: 'heun', steps: 100 })
      expect(r.metrics.n).toBe(4000)
      expect(report(r)).toBeLessThanOrEqual(0.1)
    },
    TIMEOUT
  )

  it(
    'reflow (taught by the stored cfm run) reaches energy ≤ 0.1 × energyGaussian with heun at K = 100',
    async () => {
      const teacher = await cfmRun(id)
      const ds = dataset(id)
      const before = tf.memory().numTensors
      const r = await trainRun(
        ds,
        makeRunConfig(ds, {
          objective: 'reflow',
          seed: 3,
          evalEvery: 0,
          params: { teacher: teacher.runId! }
        }),
        { store }
      )
      expect(r.sampler).toEqual({ sampler: 'heun', steps: 100 })
      expect(r.weights).toMatchObject({ kind: 'reflow', teacher: teacher.runId })
      expect(r.metrics.n).toBe(4000)
      expect(report(r)).toBeLessThanOrEqual(0.1)
      expect(tf.memory().numTensors).toBe(before)
    },
    TIMEOUT
  )

  it(
    'distill (taught by the stored cfm run) reaches energy ≤ 0.1 × energyGaussian in one step',
    async () => {
      const teacher = await cfmRun(id)
      const ds = dataset(id)
      const r = await trainRun(
        ds,
        makeRunConfig(ds, {
          objective: 'distill',
          seed: 3,
          evalEvery: 0,
          params: { teacher: teacher.runId! }
        }),
        { store }
      )
      expect(r.sampler).toEqual({ sampler: 'onestep', steps: 1 })
      expect(r.weights).toMatchObject({ kind: 'distill', teacher: teacher.runId })
      expect(r.metrics.n).toBe(4000)
      expect(report(r)).toBeLessThanOrEqual(0.1)
    },
    TIMEOUT
  )
})
