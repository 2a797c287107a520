import { describe, expect, it } from 'vitest'
import { findObjective } from '../../../src/engine/objectives/registry'
import { makeRunConfig } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'

/** A few 4×4 images: enough for a run's configuration (nothing trains here). */
function images(image: boolean): Dataset {
  const n = 20
  return {
    name: 'tiny',
    source: { kind: 'file', path: 'tiny.npy' },
    n,
    d: 16,
    data: new Float32Array(n * 16).map((_, k) => k % 255),
    columns: Array.from({ length: 16 }, (_, j) => `x${j}`),
    ...(image ? { image: { shape: [4, 4] as [number, number], range: [0, 255] as [number, number] } } : {})
  }
}

describe('the image budget', () => {
  // cfm predicts the clean sample on images, and distill starts from its network: 768⁵ (docs/benchmarks.md,
  // "Levers swept on a GPU"); the other flows keep the MNIST workload's 1024³.
  it.each([
    ['cfm', 9000, 5e-4, 768, 5],
    ['distill', 8000, 5e-4, 768, 5],
    ['ct', 3000, 5e-4, 1024, 3],
    ['meanflow', 2000, 5e-4, 1024, 3],
    ['shortcut', 3000, 5e-4, 1024, 3],
    ['cd', 2000, 5e-4, 1024, 3]
  ])(
    '%s picks its image budget on image data, its own defaults on a table',
    (id, steps, lr, width, depth) => {
      const obj = findObjective(id)
      const budget = obj.imageDefaults!
      expect(budget).toMatchObject({ steps, batch: 128, lr, model: { width, depth } })
      const img = makeRunConfig(images(true), { objective: id })
      expect([img.steps, img.batch, img.lr, img.model.width, img.model.depth]).toEqual([
        steps,
        128,
        lr,
        width,
        depth
      ])
      // Four held-out evaluations over an image run (eight on tables).
      expect(img.evalEvery).toBe(steps / 4)
      const table = makeRunConfig(images(false), { objective: id })
      expect([table.steps, table.batch, table.lr]).toEqual([
        obj.defaults.steps,
        obj.defaults.batch,
        obj.defaults.lr
      ])
      expect(table.model.width).toBe(128)
      expect(table.evalEvery).toBe(Math.ceil(obj.defaults.steps / 8))
    }
  )

  it('gives way to what the user sets', () => {
    const c = makeRunConfig(images(true), { objective: 'cfm', steps: 10, lr: 2e-3, model: { width: 64 } })
    expect([c.steps, c.batch, c.lr, c.model.width, c.evalEvery]).toEqual([10, 128, 2e-3, 64, 3])
  })

  it('cfm predicts the clean sample on images (its parameter default elsewhere), unless told otherwise', () => {
    expect(makeRunConfig(images(true), { objective: 'cfm' }).params).toMatchObject({
      predict: 'data',
      ema: 0.999
    })
    expect(makeRunConfig(images(false), { objective: 'cfm' }).params).toMatchObject({
      predict: 'velocity',
      ema: 0.995
    })
    const told = makeRunConfig(images(true), { objective: 'cfm', params: { predict: 'velocity' } })
    expect(told.params.predict).toBe('velocity')
    expect(() => makeRunConfig(images(true), { objective: 'cfm', params: { predict: 'noise' } })).toThrow(
      /predict/
    )
  })

  it('distill starts from its teacher on images, on a larger pool (random elsewhere)', () => {
    expect(makeRunConfig(images(true), { objective: 'distill' }).params).toMatchObject({
      init: 'teacher',
      pool: 524288,
      teacherSteps: 32,
      ema: 0.999
    })
    expect(makeRunConfig(images(false), { objective: 'distill' }).params).toMatchObject({
      init: 'random',
      pool: 8192,
      teacherSteps: 32,
      ema: 0.995
    })
    const told = makeRunConfig(images(true), { objective: 'distill', params: { init: 'random' } })
    expect(told.params.init).toBe('random')
    expect(() => makeRunConfig(images(true), { objective: 'distill', params: { init: 'copy' } })).toThrow(
      /init/
    )
  })

  it('the one-step flow families sample from a slower average on images; meanflow and shortcut predict x̂', () => {
    for (const id of ['ct', 'meanflow', 'shortcut']) {
      expect(makeRunConfig(images(true), { objective: id }).params.ema).toBe(0.999)
      expect(makeRunConfig(images(false), { objective: id }).params).toMatchObject({
        ema: 0.995,
        predict: 'velocity'
      })
    }
    // measured on mnist (docs/benchmarks.md): the end point cleans the pixel noise of z + u; ct diverged with it
    expect(makeRunConfig(images(true), { objective: 'meanflow' }).params.predict).toBe('data')
    expect(makeRunConfig(images(true), { objective: 'shortcut' }).params.predict).toBe('data')
    expect(makeRunConfig(images(true), { objective: 'ct' }).params.predict).toBe('velocity')
  })

  it('cd distils with one teacher Heun step per interval on images, predicting the velocity as ct', () => {
    expect(makeRunConfig(images(true), { objective: 'cd' }).params).toMatchObject({
      heunSteps: 1,
      intervals: 4,
      predict: 'velocity',
      ema: 0.999
    })
    expect(makeRunConfig(images(false), { objective: 'cd' }).params).toMatchObject({
      heunSteps: 4,
      predict: 'velocity'
    })
  })

  it.each([
    ['energy', 3000, 256, 1e-3, {}],
    ['sliced-w2', 3000, 256, 1e-3, { projections: 1024 }],
    ['mmd', 3000, 256, 1e-3, { bandwidths: 'median-multiscale' }],
    ['cf-d2', 3000, 256, 1e-3, { scale: 0.05, frequencies: 1024 }],
    ['sinkhorn', 1500, 256, 1e-3, { epsilon: 10 }],
    ['gan', 1500, 128, 2e-4, { criticLr: 2e-4, criticWidth: 512, ema: 0.999 }],
    ['wgan-gp', 600, 128, 1e-4, { criticLr: 1e-4, criticWidth: 256, lambda: 10 }],
    ['vae', 3000, 256, 1e-3, {}]
  ])('%s maps 64 latent dimensions through a 512 × 3 MLP on images', (id, steps, batch, lr, params) => {
    const img = makeRunConfig(images(true), { objective: id })
    expect([img.steps, img.batch, img.lr]).toEqual([steps, batch, lr])
    expect(img.model).toMatchObject({ latentDim: 64, width: 512, depth: 3 })
    expect(img.params).toMatchObject(params)
    // on a table: the toy budget, z as wide as the data
    const table = makeRunConfig(images(false), { objective: id })
    expect(table.model.latentDim).toBe(16)
    expect(table.steps).toBe(findObjective(id).defaults.steps)
    // the user's latent dimension still wins
    expect(makeRunConfig(images(true), { objective: id, model: { latentDim: 8 } }).model.latentDim).toBe(8)
  })

  it('realnvp keeps z as wide as the images and trains on noisy pixels there', () => {
    const img = makeRunConfig(images(true), { objective: 'realnvp' })
    expect(img.model.latentDim).toBe(16)
    expect(img.params).toMatchObject({ couplingWidth: 256, dequantize: 0.05, logScaleBound: 1 })
    expect(makeRunConfig(images(false), { objective: 'realnvp' }).params.dequantize).toBe(0)
  })

  it('objectives without one keep their defaults on images', () => {
    for (const id of ['ddpm', 'anneal', 'ot-cfm', 'reflow']) {
      const c = makeRunConfig(images(true), { objective: id })
      expect(findObjective(id).imageDefaults).toBeUndefined()
      expect(c.steps).toBe(findObjective(id).defaults.steps)
    }
  })
})
