/** Every model objective of this folder releases what it allocates: steps, sampling, evaluation, snapshots. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { DENSITY_OBJECTIVES } from '../../../src/engine/objectives/density'
import type { ModelObjective } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { ONESTEP } from './harness'

beforeAll(async () => {
  await initBackend('wasm')
})

const cases: [string, number, ModelObjective][] = DENSITY_OBJECTIVES.flatMap((o) =>
  o.id === 'realnvp'
    ? [[o.id, 1, o] as [string, number, ModelObjective], [o.id, 2, o] as [string, number, ModelObjective]]
    : [[o.id, 2, o] as [string, number, ModelObjective]]
)

describe.each(cases)('%s in d = %i', (_id, d, obj) => {
  it('keeps tf.memory().numTensors flat across steps and returns to the start after dispose', async () => {
    const start = tf.memory().numTensors
    const params = resolveParams(
      obj.id,
      obj.params,
      obj.id === 'realnvp' ? { couplings: 2, couplingWidth: 8 } : {}
    )
    const model = { latentDim: d, base: 'normal' as const, width: 8, depth: 1, activation: 'silu' as const }
    const m = await obj.create({ dim: d, model, params, lr: 1e-3, batch: 16, rng: new Rng(1) })
    const y = tf.tensor2d(new Rng(2).normals(16 * d), [16, d])
    const rng = new Rng(3)
    m.step(y, { rng, step: 0, steps: 3 })
    const afterFirst = tf.memory().numTensors
    m.step(y, { rng, step: 1, steps: 3 })
    m.step(y, { rng, step: 2, steps: 3 })
    expect(tf.memory().numTensors).toBe(afterFirst)
    y.dispose()
    m.sample(10, new Rng(4), ONESTEP)
    m.evaluate?.({ n: 10, d, data: new Rng(5).normals(10 * d) }, new Rng(6))
    const snap = m.snapshot()
    m.restore(snap)
    tf.dispose(snap)
    const copy = obj.restore(m.toJSON(), { dim: d, model, params, lr: 1e-3, batch: 16 })
    copy.sample(5, new Rng(7), ONESTEP)
    copy.dispose()
    expect(tf.memory().numTensors).toBe(afterFirst - 1)
    m.dispose()
    expect(tf.memory().numTensors).toBe(start)
  })
})
