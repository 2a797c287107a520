/**
 * Training quality of the §4 objectives at their declared defaults: held-out energy distance at most a tenth
 * of the Gaussian-fit yard-stick, sampled with each model's best (first) sampler at K = 100, and with one
 * step for `distill` (taught by a `cfm` run). 30 000 points per data set, so the metrics compare 6 000
 * samples with 6 000 held-out points (the energy estimate's noise is about ±0.01 of the yard-stick there).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { cfm, ddpm, distill, otCfm } from '../../../src/engine/objectives/flows'
import type { TrainableModel } from '../../../src/engine/objectives/types'
import { toyData, trainAndMeasure } from './helpers'

/** Generous: no timing assertions, but a busy shared CPU must not fail a correct run. */
const TIMEOUT = 400_000

beforeAll(async () => {
  await initBackend('auto')
})

describe.each(['8gaussians', 'moons'])('%s', (dataset) => {
  const data = toyData(dataset)

  it.each([ddpm, cfm, otCfm].map((o) => [o.id, o] as const))(
    '%s reaches energy ≤ 0.1 × energyGaussian with its best sampler at K = 100',
    async (_id, obj) => {
      const before = tf.memory().numTensors
      const r = await trainAndMeasure(obj, data, { seed: 1 })
      expect(r.model.samplers[0]).toBe(obj.id === 'ddpm' ? 'ddpm' : 'heun')
      expect(r.metrics.n).toBe(data.heldout.n)
      expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
      r.model.dispose()
      expect(tf.memory().numTensors).toBe(before)
    },
    TIMEOUT
  )
})

it(
  'distill (from a cfm teacher) reaches energy ≤ 0.1 × energyGaussian in one step on 8gaussians',
  async () => {
    const data = toyData('8gaussians')
    const teacher = await trainAndMeasure(cfm, data, { seed: 2 })
    let model: TrainableModel | null = null
    try {
      const loadRun = async () => ({ objective: 'cfm', weights: teacher.model.toJSON(), config: {} })
      const r = await trainAndMeasure(distill, data, { seed: 3, params: { teacher: 'cfm-run' }, loadRun })
      model = r.model
      expect(r.model.samplers).toEqual(['onestep'])
      expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
    } finally {
      model?.dispose()
      teacher.model.dispose()
    }
  },
  TIMEOUT
)
