import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { StoreError } from '../../../src/engine/errors'
import { MlpWeightsSchema, RunStore, type RunResult } from '../../../src/engine/store'
import type { Metrics } from '../../../src/engine/types'
import { makeConfig, removeTempRoots, steppingClock, tempRoot } from './helpers'

afterEach(removeTempRoots)

const metrics: Metrics = {
  energy: 0.01,
  energyGaussian: 0.2,
  mmd: 0.001,
  slicedW2: 0.02,
  precision: 0.9,
  recall: 0.85,
  density: 1.01,
  coverage: 0.95,
  n: 2000
}

describe('RunStore: create → write → finish → load', () => {
  it('loads back exactly what the handle wrote', () => {
    const root = tempRoot()
    const store = new RunStore(root, { now: steppingClock() })
    const config = makeConfig()
    const h = store.create({ config })
    expect(h.id).toMatch(/^20261123-154103-energy-8gaussians-[0-9a-f]{4}$/)
    expect(h.dir).toBe(path.join(root, h.id))
    expect(store.load(h.id).status).toBe('running') // this process is alive

    h.setBackend('wasm')
    h.setStandardization({ mean: [0.5, -1], std: [2, 3] })
    h.appendMetrics({ step: 1, loss: 0.5, time: 12, samplesPerSec: 1000 })
    h.appendMetrics({ step: 100, loss: 0.1, time: 900, metrics: { energy: 0.01, n: 2000 } })
    const weights = {
      kind: 'pushforward-mlp',
      phi: {
        spec: { inDim: 2, outDim: 2, width: 3, depth: 1, activation: 'silu' as const },
        layers: [
          { w: [1, 2, 3, 4, 5, 6], b: [0, 0, 0], inDim: 2, outDim: 3 },
          { w: [1, 2, 3, 4, 5, 6], b: [1, 1], inDim: 3, outDim: 2 }
        ]
      },
      step: 100
    }
    h.saveWeights(weights)
    const points = { n: 3, d: 2, data: new Float32Array([0.1, -2.5, 1e-7, 3e8, Math.PI, -0]) }
    h.saveSamples(['x', 'y'], points)
    const result: RunResult = { stepsDone: 100, durationMs: 1234.5, metrics, extra: { finalLoss: 0.1 } }
    h.finish('completed', result)

    const run = store.load(h.id)
    expect(run).toMatchObject({
      schema: 1,
      id: h.id,
      name: 'energy on 8gaussians',
      status: 'completed',
      pid: process.pid,
      config,
      backend: 'wasm',
      standardization: { mean: [0.5, -1], std: [2, 3] },
      result,
      error: null,
      dir: h.dir
    })
    expect(run.createdAt).toBe('2026-11-23T15:41:03.000Z')
    expect(Date.parse(run.updatedAt)).toBeGreaterThan(Date.parse(run.createdAt))

    expect(store.readMetricsLog(h.id)).toEqual({
      records: [
        { step: 1, loss: 0.5, time: 12, samplesPerSec: 1000 },
        { step: 100, loss: 0.1, time: 900, metrics: { energy: 0.01, n: 2000 } }
      ],
      warnings: []
    })
    expect(store.readWeights(h.id)).toEqual(weights)
    const typed = store.readWeights(
      h.id,
      z.looseObject({ kind: z.literal('pushforward-mlp'), phi: MlpWeightsSchema })
    )
    expect(typed.phi.layers[1]!.b).toEqual([1, 1])
    const s = store.readSamples(h.id)
    expect(s.columns).toEqual(['x', 'y'])
    expect({ n: s.points.n, d: s.points.d }).toEqual({ n: 3, d: 2 })
    expect(Array.from(s.points.data)).toEqual(Array.from(points.data)) // float32 round-trips exactly
  })

  it('keeps a failed run’s error, NaN metrics and the last finish()', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig(), name: '  my run  ' })
    h.finish('completed', { stepsDone: 10, durationMs: 5, metrics: { ...metrics, energy: NaN } })
    h.finish(
      'failed',
      { stepsDone: 10, durationMs: 5, metrics: null },
      { code: 'DIVERGED', message: 'Loss is NaN.' }
    )
    const run = store.load(h.id)
    expect(run.name).toBe('my run')
    expect(run.status).toBe('failed')
    expect(run.error).toEqual({ code: 'DIVERGED', message: 'Loss is NaN.' })
    // NaN is stored as null and read back as NaN.
    h.finish('cancelled', { stepsDone: 3, durationMs: 5, metrics: { ...metrics, energy: NaN } })
    expect(store.load(h.id).result!.metrics!.energy).toBeNaN()
    expect(store.list().runs[0]!.status).toBe('cancelled')
  })

  it('rejects an invalid config, weights without a kind and mismatched samples', () => {
    const store = new RunStore(tempRoot())
    expect(() => store.create({ config: makeConfig({ steps: -1 }) })).toThrow(
      /Cannot create a run: config field "steps"/
    )
    expect(() =>
      store.create({
        config: { ...makeConfig(), model: { ...makeConfig().model, activation: 'swish' as 'silu' } }
      })
    ).toThrow(/field "model.activation"/)
    expect(store.list().runs).toHaveLength(0)
    const h = store.create({ config: makeConfig() })
    expect(() => h.saveWeights([1, 2, 3])).toThrow(StoreError)
    expect(() => h.saveWeights({ phi: {} })).toThrow(/field "kind"/)
    expect(() => h.saveSamples(['x'], { n: 1, d: 2, data: new Float32Array(2) })).toThrow(/1 column names/)
    expect(() => store.readWeights(h.id)).toThrow(/has no weights.json yet/)
    expect(() => store.readSamples(h.id)).toThrow(/has no samples.csv/)
    expect(store.readMetricsLog(h.id)).toEqual({ records: [], warnings: [] })
  })

  it('writes typed arrays in weights as plain arrays', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    const layers = [{ w: new Float32Array([0.5, 1.5]), b: [1], when: new Date(0) }]
    h.saveWeights({ kind: 'test', w: new Float64Array([0.25]), phi: { layers } })
    expect(store.readWeights(h.id)).toEqual({
      kind: 'test',
      w: [0.25],
      phi: { layers: [{ w: [0.5, 1.5], b: [1], when: '1970-01-01T00:00:00.000Z' }] }
    })
    expect(layers[0]!.w).toBeInstanceOf(Float32Array) // the caller's object is not modified
  })
})

describe('RunStore: list, rename, delete', () => {
  it('lists newest first with summaries', () => {
    const store = new RunStore(tempRoot(), { now: steppingClock() })
    const a = store.create({ config: makeConfig({ objective: 'mmd' }) })
    const b = store.create({ config: makeConfig({ objective: 'sinkhorn' }) })
    const c = store.create({ config: makeConfig({ objective: 'energy' }) })
    b.setBackend('cpu')
    b.finish('completed', { stepsDone: 100, durationMs: 10, metrics })
    const { runs, problems } = store.list()
    expect(problems).toEqual([])
    expect(runs.map((r) => r.id)).toEqual([c.id, b.id, a.id])
    // A run with neither a result nor a checkpoint has no wall time yet.
    expect(runs[0]!.wallMs).toBeNull()
    expect(runs[1]).toEqual({
      id: b.id,
      name: 'sinkhorn on 8gaussians',
      status: 'completed',
      createdAt: store.load(b.id).createdAt,
      updatedAt: store.load(b.id).updatedAt,
      objective: 'sinkhorn',
      dataset: '8gaussians',
      steps: 100,
      stepsDone: 100,
      hyper: {
        batch: 256,
        lr: 1e-3,
        seed: 7,
        params: { batch: 256, projections: 64, exact: true, mode: 'u' }
      },
      wallMs: 10,
      metrics,
      metricsStep: null,
      backend: 'cpu',
      error: null,
      checkpointStep: null,
      resumable: false,
      best: null
    })
  })

  it('lists an empty or missing root as empty', () => {
    expect(new RunStore(path.join(tempRoot(), 'nope')).list()).toEqual({ runs: [], problems: [] })
  })

  it('rename persists and survives later handle writes', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    store.rename(h.id, 'baseline, lr 1e-3')
    h.finish('completed', { stepsDone: 100, durationMs: 10, metrics: null })
    expect(store.load(h.id).name).toBe('baseline, lr 1e-3')
    expect(new RunStore(store.root).list().runs[0]!.name).toBe('baseline, lr 1e-3')
    expect(() => store.rename(h.id, '   ')).toThrow(/cannot be empty/)
    expect(fs.readdirSync(h.dir).sort()).toEqual(['run.json']) // no lock or temp file left behind
  })

  it('delete removes the folder; a live running run needs force', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    const keep = store.create({ config: makeConfig() })
    expect(() => store.delete(h.id)).toThrow(/still running/)
    h.finish('cancelled', null)
    store.delete(h.id)
    expect(fs.existsSync(h.dir)).toBe(false)
    expect(fs.readdirSync(store.root)).toEqual([keep.id])
    expect(() => store.load(h.id)).toThrow(`No run "${h.id}" in ${store.root}.`)
    expect(() => store.delete(h.id)).toThrow(StoreError)
    store.delete(keep.id, { force: true })
    expect(store.list().runs).toEqual([])
    // The handle of a deleted run fails with a sentence, not an ENOENT stack.
    expect(() => keep.appendMetrics({ step: 1, loss: 1, time: 1 })).toThrow(
      /was deleted while it was being written/
    )
  })
})

describe('RunStore: ids are safe path segments', () => {
  const bad = [
    '../x',
    '..',
    '.',
    'a/b',
    'a\\b',
    '/etc',
    'C:\\x',
    '',
    'a b',
    'run%2F..',
    '.tmp-x',
    'x..y',
    'é'
  ]
  it.each(bad)('rejects %j', (id) => {
    const root = tempRoot()
    const store = new RunStore(path.join(root, 'runs'))
    fs.mkdirSync(path.join(root, 'x'), { recursive: true }) // something to escape to
    fs.writeFileSync(path.join(root, 'x', 'run.json'), '{}')
    for (const op of [
      () => store.load(id),
      () => store.delete(id, { force: true }),
      () => store.rename(id, 'n'),
      () => store.readMetricsLog(id),
      () => store.readWeights(id),
      () => store.readSamples(id)
    ]) {
      expect(op).toThrow(StoreError)
      expect(op).toThrow(/is not a valid run id/)
    }
    expect(fs.existsSync(path.join(root, 'x', 'run.json'))).toBe(true)
  })

  it('generates ids from the time, objective and a dataset slug', () => {
    const store = new RunStore(tempRoot(), { now: () => new Date('2026-01-02T03:04:05Z') })
    const h = store.create({
      config: makeConfig({
        objective: 'wgan-gp',
        dataset: { ...makeConfig().dataset, spec: '/data/My Data (v2).csv', name: 'My Data (v2).csv' }
      })
    })
    expect(h.id).toMatch(/^20260102-030405-wgan-gp-my-data-v2-csv-[0-9a-f]{4}$/)
  })
})
