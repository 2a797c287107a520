/**
 * `anneal` (§4): the round schedule, the targets ρ_t against the OU/VP marginal in closed form, the loss
 * options and initialisation from another run (the conformance suite round-trips it through the store).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import {
  anneal,
  ANNEAL_LOSSES,
  AnnealModel,
  noisyTargets,
  roundOf,
  roundTime
} from '../../../src/engine/objectives/flows/anneal'
import { vpSchedule } from '../../../src/engine/objectives/flows/schedule'
import type { ModelSpec } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { ONESTEP } from '../map-model/harness'

beforeAll(async () => {
  await initBackend('wasm')
})

function spec(params: Record<string, unknown> = {}): ModelSpec {
  return {
    dim: 2,
    model: { latentDim: 2, base: 'normal', width: 16, depth: 2, activation: 'silu' },
    params: resolveParams('anneal', anneal.params, params),
    lr: 1e-3,
    batch: 64,
    rng: new Rng(4)
  }
}

describe('anneal schedule', () => {
  it('splits the steps evenly into rounds, t decreasing from t_max to 0', () => {
    const rounds = Array.from({ length: 100 }, (_, s) => roundOf(s, 100, 4))
    expect([0, 1, 2, 3].map((r) => rounds.filter((v) => v === r).length)).toEqual([25, 25, 25, 25])
    expect([0, 1, 2, 3].map((r) => roundTime(r, 4, 0.9, 'linear'))).toEqual(
      [0.9, 0.6, 0.3, 0].map((v) => expect.closeTo(v, 12))
    )
    expect([0, 1, 2].map((r) => roundTime(r, 3, 1, 'quadratic'))).toEqual([1, 0.25, 0])
    expect(roundTime(0, 1, 1, 'linear')).toBe(0)
  })

  it('ρ_t has mean √ᾱ(t)·y and variance 1 − ᾱ(t) about it (cosine schedule; ρ₁ ≈ N(0, I))', () => {
    const n = 20000
    const y = new Float32Array(2 * n).fill(3)
    for (const t of [0.3, 0.7, 1]) {
      const yt = noisyTargets(y, t, new Rng(1))
      const ab = vpSchedule('cosine').alphaBar(t)
      let s = 0
      let q = 0
      for (const v of yt) {
        s += v
        q += v * v
      }
      const m = s / yt.length
      expect(m).toBeCloseTo(3 * Math.sqrt(ab), 1)
      expect(q / yt.length - m * m).toBeCloseTo(1 - ab, 1)
    }
    expect(noisyTargets(y, 0, new Rng(1))).toBe(y)
  })
})

describe('anneal', () => {
  it.each(Object.keys(ANNEAL_LOSSES))(
    'trains one step with the %s loss and reports the round’s t',
    async (loss) => {
      const m = (await anneal.create(spec({ loss, rounds: 2 }))) as AnnealModel
      const y = tf.tensor2d(new Rng(5).normals(128), [64, 2])
      const a = m.step(y, { rng: new Rng(6), step: 0, steps: 10 })
      const b = m.step(y, { rng: new Rng(6), step: 9, steps: 10 })
      y.dispose()
      expect(Number.isFinite(a.loss) && Number.isFinite(b.loss)).toBe(true)
      expect(a.extra).toEqual({ t: 1, round: 0 })
      expect(b.extra).toEqual({ t: 0, round: 1 })
      m.dispose()
    }
  )

  it('starts from another run’s map with `init`, and says why it cannot without a store', async () => {
    const donor = await anneal.create(spec())
    const w = donor.toJSON()
    const s = {
      ...spec({ init: 'run-1' }),
      loadRun: async (id: string) => ({ objective: 'gan', weights: { ...w, kind: 'gan' }, config: { id } })
    }
    const m = await anneal.create(s)
    expect(Array.from(m.sample(10, new Rng(1), ONESTEP))).toEqual(
      Array.from(donor.sample(10, new Rng(1), ONESTEP))
    )
    await expect(anneal.create(spec({ init: 'run-1' }))).rejects.toThrow(/run store/)
    const wide = { ...s, dim: 3 }
    await expect(anneal.create(wide)).rejects.toThrow(/outputs/)
    donor.dispose()
    m.dispose()
  })
})
