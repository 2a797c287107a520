/**
 * One suite over every registered objective (like the samplers' conformance suite): adding an objective to the
 * registry gets all of it, with no edit here. Per objective, on tiny 2-D data (8gaussians, 200 rows, batch 32,
 * a 16×2 network, 4 steps) through the real loop and run store:
 * - training gives a finite loss, a completed run, and leaves tf.memory().numTensors where it was;
 * - the stored run reopens to the same model: its samples equal, bit for bit, the ones the trained model drew
 *   at the end of training (same stream), and so do its extra held-out figures (NLL, ELBO, transport cost, …);
 * - every sampler it offers draws finite points of the data's dimension, without leaking tensors;
 * - a snapshot rolls the model back (the loop's NaN guard relies on it);
 * - it exports to ONNX with the parity check where its model says how (`exportAs`, or a one-step map `phi`),
 *   and the official checker accepts the file; otherwise the export refuses it in one sentence.
 * Objectives with a `teacher` parameter learn from one tiny stored cfm run, made once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { allObjectives } from '../../../src/engine/objectives/registry'
import type { AnyObjective, SampleOptions } from '../../../src/engine/objectives/types'
import { OnnxExportError } from '../../../src/engine/onnx/errors'
import { exportRun } from '../../../src/engine/onnx/export'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { runDiagnostics } from '../../../src/engine/train/diagnostics'
import { openRun } from '../../../src/engine/train/evaluate'
import {
  STREAMS,
  createModel,
  makeRunConfig,
  streamRng,
  trainRun,
  type TrainResult
} from '../../../src/engine/train/train'
import { onnxCheckAll } from '../onnx/helpers'

const ds = generateBuiltin('8gaussians', 200, 0)
const TINY = { steps: 4, batch: 32, seed: 1, evalEvery: 0, model: { width: 16, depth: 2 } }
/** K of a multi-step sampler in these checks (the default, 100, only costs time here). */
const K = 4

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-conformance-'))
const store = new RunStore(path.join(tmp, 'runs'))
const exported: string[] = []
let teacher = ''

beforeAll(async () => {
  await initBackend('auto')
  teacher = (await trainRun(ds, makeRunConfig(ds, { ...TINY, objective: 'cfm' }), { store })).runId!
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** The run configuration: the tiny budget, and the stored teacher for objectives that take one. */
const configOf = (obj: AnyObjective) =>
  makeRunConfig(ds, { ...TINY, objective: obj.id, params: 'teacher' in obj.params ? { teacher } : {} })

const samplerOf = (m: { samplers: readonly string[] }, sampler = m.samplers[0]!): SampleOptions => ({
  sampler: sampler as SampleOptions['sampler'],
  steps: K
})

describe.each(allObjectives().map((o) => [o.id, o] as const))('%s', (_id, obj) => {
  let result: TrainResult

  beforeAll(async () => {
    const before = tf.memory().numTensors
    result = await trainRun(ds, configOf(obj), { store, evalPoints: 40 })
    expect(tf.memory().numTensors, 'tensors left by training').toBe(before)
  })

  it('trains to a finite loss and a completed run', () => {
    expect(Number.isFinite(result.finalLoss)).toBe(true)
    const run = store.load(result.runId!)
    expect(run.status).toBe('completed')
    expect(run.config.objective).toBe(obj.id)
    expect(Number.isFinite(result.metrics.energy)).toBe(true)
    expect(result.samples.n).toBe(40)
  })

  it('reopens from the store to the same model: same samples, same held-out figures', async () => {
    const before = tf.memory().numTensors
    const open = await openRun(store, result.runId!)
    try {
      // the end of training scored `samples` on the eval stream's first fork (drawn from its own first fork)
      // and `extra` on the second
      const evalRng = streamRng(TINY.seed, STREAMS.eval)
      const data = open.model.sample(result.samples.n, evalRng.fork().fork(), result.sampler)
      expect(Array.from(data)).toEqual(Array.from(result.samples.data))
      const extra = runDiagnostics(open.model, open.weights, open.config, result.heldout, evalRng.fork())
      expect(Object.keys(extra).sort()).toEqual(Object.keys(result.extra).sort())
      for (const [k, v] of Object.entries(result.extra)) expect(extra[k], k).toBeCloseTo(v, 5)
    } finally {
      open.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('samples with each sampler it offers, without leaking tensors', async () => {
    const open = await openRun(store, result.runId!)
    try {
      open.model.sample(4, new Rng(1), samplerOf(open.model)) // kernels, caches
      const before = tf.memory().numTensors
      for (const s of open.model.samplers) {
        const x = open.model.sample(10, new Rng(2), samplerOf(open.model, s))
        expect(x.length, s).toBe(10 * ds.d)
        expect(x.every(Number.isFinite), s).toBe(true)
      }
      expect(tf.memory().numTensors).toBe(before)
    } finally {
      open.dispose()
    }
  })

  it('rolls back to a snapshot, and a fresh model releases all it allocates', async () => {
    const before = tf.memory().numTensors
    const config = configOf(obj)
    const model = await createModel(obj, config, ds.d, store)
    const rng = new Rng(3)
    const y = tf.tensor2d(new Rng(4).normals(TINY.batch * ds.d), [TINY.batch, ds.d])
    try {
      model.step(y, { rng, step: 0, steps: 3 })
      const snap = model.snapshot()
      const ref = model.sample(16, new Rng(5), samplerOf(model))
      model.step(y, { rng, step: 1, steps: 3 })
      model.step(y, { rng, step: 2, steps: 3 })
      expect(Array.from(model.sample(16, new Rng(5), samplerOf(model)))).not.toEqual(Array.from(ref))
      model.restore(snap)
      tf.dispose(snap)
      expect(Array.from(model.sample(16, new Rng(5), samplerOf(model)))).toEqual(Array.from(ref))
    } finally {
      y.dispose()
      model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('exports to ONNX within its parity bound where its model has a graph', async () => {
    const before = tf.memory().numTensors
    const open = await openRun(store, result.runId!)
    const onestep = open.model.samplers[0] === 'onestep'
    const graph = open.model.exportAs?.()?.kind ?? ('phi' in open.weights ? 'onestep' : null)
    open.dispose()
    const file = path.join(tmp, `${obj.id}.onnx`)
    const p = exportRun(store, result.runId!, file, { parityPoints: 256, ...(onestep ? {} : { steps: K }) })
    if (graph === null) {
      await expect(p).rejects.toBeInstanceOf(OnnxExportError)
      await expect(p).rejects.toThrow(/has no ONNX export/)
      expect(fs.existsSync(file)).toBe(false)
    } else {
      const r = await p
      expect(r.kind).toBe(graph)
      expect(r.parity.maxAbsError).toBeLessThanOrEqual(r.parity.tolerance)
      expect(r.evaluations).toBeGreaterThanOrEqual(onestep ? 1 : K)
      exported.push(r.path)
    }
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('the exported files', () => {
  it('pass the official ONNX checker', () => {
    expect(exported.length).toBeGreaterThan(0)
    const r = onnxCheckAll(exported)
    for (const f of exported) expect(r[f], f).toBe('ok')
  })
})
