/**
 * Training the §4 velocity regressions on onnxruntime (src/engine/ort/): the onnxruntime model follows the tfjs
 * model step for step, trains through the shared loop (`trainRun`) to the quality bar of
 * tests/engine/flows/quality.test.ts, stores a run that eval/sample/export read as a tfjs one, and an objective
 * without an onnxruntime step is a typed user error. No timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { CancelledError, ConfigError } from '../../../src/engine/errors'
import { findObjective } from '../../../src/engine/objectives/registry'
import type { ModelObjective, ModelSpec, TrainableModel } from '../../../src/engine/objectives/types'
import { chooseTrainer, OrtRegressionModel, OrtUnsupportedError, ortTrainable } from '../../../src/engine/ort'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun, sampleRun } from '../../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import { modelSpec } from '../flows/helpers'

const TIMEOUT = 120_000
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-ort-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  await initBackend('wasm')
})

type Layers = { layers: { w: number[]; b: number[] }[] }
type Net = { net?: { mlp: Layers }; phi?: Layers }

/** The trained network of stored weights: `net.mlp` (velocity models) or `phi` (distill). */
const layersOf = (w: Net): Layers => w.net?.mlp ?? w.phi!

function maxWeightDiff(a: Net, b: Net): number {
  let m = 0
  layersOf(a).layers.forEach((l, i) => {
    const o = layersOf(b).layers[i]!
    l.w.forEach((v, j) => (m = Math.max(m, Math.abs(v - o.w[j]!))))
    l.b.forEach((v, j) => (m = Math.max(m, Math.abs(v - o.b[j]!))))
  })
  return m
}

/** The same data rows every step (the loop would draw them; here both models get the same ones). */
function dataRows(B: number, seed: number): tf.Tensor2D {
  const ds = generateBuiltin('8gaussians', B, seed)
  return tf.tensor2d(Float32Array.from(ds.data), [B, 2])
}

describe('the onnxruntime regression model', () => {
  /** A cfm teacher for reflow and distill, trained a few steps, served from memory as a stored run. */
  let loadRun: ModelSpec['loadRun']
  beforeAll(async () => {
    const cfm = findObjective('cfm') as ModelObjective
    const teacher = (await cfm.create(
      modelSpec(cfm, 2, { seed: 9, model: { width: 64, depth: 2 } })
    )) as TrainableModel
    const y = dataRows(64, 4)
    const rng = new Rng(5)
    for (let step = 0; step < 5; step++) teacher.step(y, { rng, step, steps: 5 })
    const weights = JSON.parse(JSON.stringify(teacher.toJSON())) as unknown
    y.dispose()
    teacher.dispose()
    loadRun = async () => ({ objective: 'cfm', weights, config: { params: {} } })
  })

  it.each([
    ['cfm', {}],
    ['cfm', { sigma: 0.1, ema: 0 }],
    ['ot-cfm', {}],
    ['ddpm', {}],
    ['reflow', { teacher: 't', pool: 256, teacherSteps: 4 }],
    ['distill', { teacher: 't', pool: 256, teacherSteps: 4, refreshEvery: 3 }],
    // started from the velocity teacher: a residual map z + MLP(z), whose MLP onnxruntime fits to χ(z) − z
    ['distill', { teacher: 't', pool: 256, teacherSteps: 4, init: 'teacher' }]
  ] as const)(
    '%s %j follows the tfjs model from the same weights and batches (6 steps, lr schedule and EMA)',
    async (id, params) => {
      const obj = findObjective(id) as ModelObjective
      const spec = (): ModelSpec =>
        modelSpec(obj, 2, { params, seed: 5, model: { width: 64, depth: 2 } }, loadRun)
      const ref = (await obj.create(spec())) as TrainableModel
      const ort = await ortTrainable(await obj.create(spec()), { batch: 64, threads: 1 })
      expect(ort).toBeInstanceOf(OrtRegressionModel)
      const y = dataRows(64, 3)
      const rngA = new Rng(11)
      const rngB = new Rng(11)
      const steps = 6
      for (let step = 0; step < steps; step++) {
        // steps = 8: the lr schedule starts its cosine decay within these steps.
        const a = ref.step(y, { rng: rngA, step, steps: 8 }).loss
        const b = (await ort.step(y, { rng: rngB, step, steps: 8 })).loss
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, a))
      }
      const wa = ref.toJSON() as unknown as Net
      const wb = ort.toJSON() as unknown as Net
      expect(Object.keys(wb).sort()).toEqual(Object.keys(wa).sort())
      expect(maxWeightDiff(wa, wb)).toBeLessThanOrEqual(1e-5)
      // The same samples from the same weights (the tfjs network samples).
      const opts = { sampler: ref.samplers[0]!, steps: 8 }
      const sa = ref.sample(50, new Rng(1), opts)
      const sb = ort.sample(50, new Rng(1), opts)
      let m = 0
      sa.forEach((v, i) => (m = Math.max(m, Math.abs(v - sb[i]!))))
      expect(m).toBeLessThanOrEqual(1e-4)
      y.dispose()
      ref.dispose()
      ort.dispose()
    },
    TIMEOUT
  )

  it('restores a snapshot (the loop’s last finite weights) and leaks no tensors', async () => {
    const obj = findObjective('cfm') as ModelObjective
    await ortTrainable(await obj.create(modelSpec(obj, 2, { seed: 2 })), { batch: 32 }).then((m) =>
      m.dispose()
    )
    const before = tf.memory().numTensors
    const ort = await ortTrainable(await obj.create(modelSpec(obj, 2, { seed: 2 })), { batch: 32 })
    const y = dataRows(32, 1)
    const rng = new Rng(3)
    await ort.step(y, { rng, step: 0, steps: 10 })
    const snap = ort.snapshot()
    const kept = ort.toJSON() as unknown as Net
    for (let step = 1; step < 4; step++) await ort.step(y, { rng, step, steps: 10 })
    expect(maxWeightDiff(ort.toJSON() as unknown as Net, kept)).toBeGreaterThan(0)
    ort.restore(snap)
    expect(maxWeightDiff(ort.toJSON() as unknown as Net, kept)).toBe(0)
    tf.dispose(snap)
    y.dispose()
    ort.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('choosing onnxruntime', () => {
  it('trains the velocity regressions on onnxruntime when asked for or under auto; tfjs otherwise', async () => {
    const cfm = findObjective('cfm')
    const energy = findObjective('energy')
    expect((await chooseTrainer(cfm, 'onnxruntime')).trainer).toBe('onnxruntime')
    expect((await chooseTrainer(cfm, 'auto')).trainer).toBe('onnxruntime')
    expect((await chooseTrainer(cfm, 'wasm')).trainer).toBe('tfjs')
    expect((await chooseTrainer(energy, 'auto')).trainer).toBe('tfjs')
    expect((await chooseTrainer(findObjective('distill'), 'auto')).trainer).toBe('onnxruntime')
    expect((await chooseTrainer(findObjective('gan'), 'auto')).trainer).toBe('tfjs')
  })

  it('refuses dropout on TensorFlow.js in one line, before any run is stored', async () => {
    const store = new RunStore(path.join(tmp, 'dropout'))
    const ds = generateBuiltin('moons', 2000, 0)
    const cfg = makeRunConfig(ds, { objective: 'cfm', steps: 5, backend: 'cpu', params: { dropout: 0.1 } })
    await expect(trainRun(ds, cfg, { store })).rejects.toThrow(
      /^dropout trains on onnxruntime's step only \(--backend onnxruntime or auto, an MLP network\)/
    )
    expect(store.list().runs).toHaveLength(0)
    // refused before the process's TensorFlow.js backend was switched to the one asked for
    expect(tf.getBackend()).toBe('wasm')
    expect(() => makeRunConfig(ds, { objective: 'cfm', steps: 5, params: { dropout: 1 } })).toThrow(/dropout/)
  })

  it('is a one-line user error for an objective without an onnxruntime step, before any run is stored', async () => {
    const store = new RunStore(path.join(tmp, 'unsupported'))
    const ds = generateBuiltin('8gaussians', 2000, 0)
    const p = trainRun(ds, makeRunConfig(ds, { objective: 'energy', steps: 5, backend: 'onnxruntime' }), {
      store
    })
    await expect(p).rejects.toBeInstanceOf(OrtUnsupportedError)
    await expect(p).rejects.toBeInstanceOf(ConfigError)
    await expect(p).rejects.toThrow(/^energy has no onnxruntime training step \(.*\); use --backend auto/)
    expect(store.list().runs).toHaveLength(0)
  })
})

describe('a cfm run with --backend onnxruntime', () => {
  const ds = generateBuiltin('8gaussians', 20_000, 0)
  const store = new RunStore(path.join(tmp, 'runs'))

  it(
    'reaches held-out energy ≤ 0.1 × energyGaussian, is stored as onnxruntime, and eval/sample read it',
    async () => {
      const before = tf.memory().numTensors
      const config = makeRunConfig(ds, {
        objective: 'cfm',
        steps: 600,
        seed: 1,
        backend: 'onnxruntime',
        evalEvery: 300
      })
      const r = await trainRun(ds, config, { store })
      expect(r.backend).toBe('onnxruntime')
      expect(r.sampler).toEqual({ sampler: 'heun', steps: 100 })
      expect(r.metrics.n).toBe(4000)
      expect(r.metrics.energy).toBeLessThanOrEqual(0.1 * r.metrics.energyGaussian)
      expect(tf.memory().numTensors).toBe(before)

      const run = store.load(r.runId!)
      expect(run.status).toBe('completed')
      expect(run.backend).toBe('onnxruntime')
      expect(run.config.backend).toBe('onnxruntime')
      expect(store.readWeights<{ kind: string }>(r.runId!)).toEqual(JSON.parse(JSON.stringify(r.weights)))
      expect(r.weights.kind).toBe('cfm')
      const log = store.readMetricsLog(r.runId!)
      expect(log.records.some((x) => x.step === 300 && x.metrics?.energy !== undefined)).toBe(true)

      const again = await evaluateRun(store, r.runId!, { n: 2000, steps: 20 })
      expect(again.sampler).toEqual({ sampler: 'heun', steps: 20 })
      expect(again.metrics.energy).toBeLessThanOrEqual(0.2 * again.metrics.energyGaussian)
      const s = await sampleRun(store, r.runId!, 300, { steps: 20 })
      expect(s.points.n).toBe(300)
      expect(s.points.data.every(Number.isFinite)).toBe(true)
    },
    TIMEOUT
  )

  it('cancels through its AbortSignal and keeps the run as cancelled with its weights', async () => {
    const cancelStore = new RunStore(path.join(tmp, 'cancel'))
    const ac = new AbortController()
    const config = makeRunConfig(ds, { objective: 'cfm', steps: 100_000, seed: 2, backend: 'onnxruntime' })
    const p = trainRun(ds, config, {
      store: cancelStore,
      signal: ac.signal,
      onProgress: (x) => {
        if (x.step >= 5) ac.abort()
      }
    })
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    const [run] = cancelStore.list().runs
    expect(run!.status).toBe('cancelled')
    expect(run!.backend).toBe('onnxruntime')
    expect(cancelStore.readWeights<{ kind: string }>(run!.id).kind).toBe('cfm')
  })
})
