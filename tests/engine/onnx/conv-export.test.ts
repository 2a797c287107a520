/**
 * The conv architectures end to end on small images: train a few steps (8×8 and 14×14), store, reopen, export
 * to ONNX with the parity check against the engine, and the official checker on every file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { chooseTrainer } from '../../../src/engine/ort'
import { findObjective } from '../../../src/engine/objectives/registry'
import { graphOps } from '../../../src/engine/onnx/op-coverage'
import { exportPushforward, type ExportOptions, type ExportReport } from '../../../src/engine/onnx/export'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { openRun } from '../../../src/engine/train/evaluate'
import { createModel, makeRunConfig, prepareData, trainRun } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'
import { onnxCheckAll, removeTempDirs, tempDir } from './helpers'
import { cheapImageEvaluator } from '../../helpers/image-evaluator'

afterAll(removeTempDirs)

/** n unlabelled grey side×side images in [0, 1]: one Gaussian blob each, at a seeded place and width. */
function blobs(side: number, n: number, seed: number): Dataset {
  const rng = new Rng(seed)
  const d = side * side
  const data = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const [cy, cx] = rng.uniforms(2, 1, side - 1)
    const s = 0.8 + rng.uniforms(1)[0]! * 1.5
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        data[i * d + y * side + x] = Math.exp(-((y - cy!) ** 2 + (x - cx!) ** 2) / (2 * s * s))
  }
  return {
    n,
    d,
    data,
    name: `blobs${side}`,
    source: { kind: 'builtin', id: `blobs${side}`, seed },
    columns: Array.from({ length: d }, (_, j) => `p${j}`),
    image: { shape: [side, side], range: [0, 1] }
  }
}

const data = { 8: blobs(8, 160, 1), 14: blobs(14, 160, 2) }
let root: string
let store: RunStore
const files: string[] = []

/**
 * A run of `steps` training steps in the store. One-step maps go through the training loop; flows are stepped
 * here and stored directly — the loop's snapshots and held-out evaluation integrate the flow 100 steps at a
 * time, minutes of U-Net evaluations on this CPU that export tests do not need.
 */
async function train(
  side: 8 | 14,
  objective: string,
  arch: 'unet' | 'conv',
  params: Record<string, unknown> = {},
  steps = 3
): Promise<string> {
  const ds = data[side]
  const config = makeRunConfig(ds, {
    objective,
    params,
    steps,
    batch: 16,
    seed: 1,
    evalEvery: 0,
    model: { arch, channels: 4 }
  })
  const obj = findObjective(objective)
  if (obj.family !== 'flows') {
    // An export test reads none of the run's image metrics: a classifier trained for a few steps scores them.
    const images = await cheapImageEvaluator(ds, config)
    return (await trainRun(ds, config, { store, evalPoints: 32, images })).runId!
  }
  const { train: points, stats } = prepareData(ds, config)
  const model = await createModel(obj, config, ds.d, store)
  const rng = new Rng(5)
  for (let step = 0; step < steps; step++) {
    const y = tf.tensor2d(points.data.subarray(step * 16 * ds.d, (step + 1) * 16 * ds.d), [16, ds.d])
    const { loss } = model.step(y, { rng, step, steps })
    expect(loss).toBeGreaterThan(0)
    y.dispose()
  }
  const handle = store.create({ config })
  handle.setStandardization(stats)
  handle.saveWeights(model.toJSON())
  handle.finish('completed', { stepsDone: steps, durationMs: 0, metrics: null })
  model.dispose()
  return handle.id
}

async function exportCase(runId: string, opts: ExportOptions, name: string): Promise<ExportReport> {
  const r = await exportPushforward(store, runId, path.join(root, `${name}.onnx`), {
    parityPoints: 64,
    ...opts
  })
  files.push(r.path)
  return r
}

/** The export wrote its file only after the parity check passed; the bound is at most the usual 1e-4 scale. */
function expectParity(r: ExportReport): void {
  expect(r.parity.n).toBe(64)
  expect(r.parity.maxAbsError).toBeLessThanOrEqual(r.parity.tolerance)
  expect(r.parity.maxAbsError).toBeGreaterThan(0)
}

function opCounts(r: ExportReport): Record<string, number> {
  return Object.fromEntries(graphOps(fs.readFileSync(r.path)).map((o) => [o.opType, o.count]))
}

beforeAll(async () => {
  await initBackend('auto')
  root = tempDir()
  store = new RunStore(path.join(root, 'runs'))
})

describe.each([8, 14] as const)('conv architectures at %i×%i', (side) => {
  it('cfm with a U-Net: stored with its arch, reopened as a U-Net, sampler and network export at parity', async () => {
    const id = await train(side, 'cfm', 'unet')
    expect(store.load(id).config.model).toMatchObject({ arch: 'unet', channels: 4 })
    const w = store.readWeights(id) as { net: { arch?: string; spec: { shape: number[] } } }
    expect(w.net.arch).toBe('unet')
    expect(w.net.spec.shape).toEqual([side, side, 1])
    const open = await openRun(store, id)
    const e = open.model.exportAs!()
    expect(e.kind === 'flow' && 'arch' in e.flow.velocityWeights()).toBe(true)
    open.model.dispose()

    const heun = await exportCase(id, { sampler: 'heun', steps: 2 }, `cfm-heun-${side}`)
    expect(heun).toMatchObject({ kind: 'flow', sampler: 'heun', steps: 2, evaluations: 4 })
    expectParity(heun)
    // 2 evaluations per Heun step × 2 steps, each with the U-Net's 11 (8×8) or 7 (14×14) group norms.
    expect(opCounts(heun)).toMatchObject({ InstanceNormalization: 4 * (side === 8 ? 11 : 7) })
    const net = await exportCase(id, { graph: 'velocity' }, `cfm-velocity-${side}`)
    expectParity(net)
    // The Loop form: one U-Net in the graph (its 11 or 7 group norms), the same samples.
    const loop = await exportCase(id, { sampler: 'heun', steps: 2, form: 'loop' }, `cfm-heun-loop-${side}`)
    expectParity(loop)
    expect(opCounts(loop)).toMatchObject({ Loop: 1, InstanceNormalization: 2 * (side === 8 ? 11 : 7) })
  })

  it('ddpm with a U-Net: the DDIM sampler exports at parity', async () => {
    const id = await train(side, 'ddpm', 'unet')
    const r = await exportCase(id, { sampler: 'ddim', steps: 3 }, `ddpm-ddim-${side}`)
    expectParity(r)
  })

  it('energy with a conv generator: the one-step map exports at parity', async () => {
    const id = await train(side, 'energy', 'conv')
    expect((store.readWeights(id) as { phi: { arch?: string } }).phi.arch).toBe('conv')
    const r = await exportCase(id, {}, `energy-conv-${side}`)
    expect(r).toMatchObject({ kind: 'onestep', sampler: 'onestep' })
    expectParity(r)
    expect(opCounts(r)).toMatchObject({ Resize: side === 8 ? 2 : 1 })
  })
})

describe('distill into a conv generator', () => {
  it('learns from a U-Net teacher and exports at parity', async () => {
    const teacher = await train(8, 'cfm', 'unet')
    const id = await train(8, 'distill', 'conv', { teacher, pool: 64, teacherSteps: 2 })
    const r = await exportCase(id, {}, 'distill-conv-8')
    expectParity(r)
  })
})

describe('the official checker', () => {
  it('accepts every exported file', () => {
    expect(files.length).toBeGreaterThanOrEqual(11)
    const results = onnxCheckAll(files)
    for (const f of files) expect(results[f], f).toBe('ok')
  })
})

describe('arch errors', () => {
  const table = generateBuiltin('moons', 200, 0)
  it.each<[string, Dataset, string, Record<string, unknown>, RegExp]>([
    [
      'a U-Net on a table',
      table,
      'cfm',
      { arch: 'unet' },
      /arch unet needs image data with a shape; moons is a table/
    ],
    [
      'a conv generator on a flow',
      data[8],
      'cfm',
      { arch: 'conv' },
      /arch conv: Objective cfm builds mlp or unet networks/
    ],
    [
      'a U-Net on a one-step map',
      data[8],
      'energy',
      { arch: 'unet' },
      /arch unet: Objective energy builds mlp or conv networks/
    ],
    [
      'a U-Net on an objective without one',
      data[8],
      'gan',
      { arch: 'unet' },
      /Objective gan builds mlp networks/
    ],
    ['an unknown arch', data[8], 'cfm', { arch: 'resnet' }, /arch: "resnet" is not one of mlp, unet, conv/],
    ['channels on the MLP', data[8], 'cfm', { channels: 8 }, /the MLP has a width, not channels/],
    [
      'channels not a multiple of 4',
      data[8],
      'cfm',
      { arch: 'unet', channels: 6 },
      /channels: 6 is not a multiple of 4/
    ]
  ])('%s is refused in one line', (_name, ds, objective, model, message) => {
    expect(() => makeRunConfig(ds, { objective, model: model as never })).toThrow(message)
  })

  it('onnxruntime does not train a U-Net; auto trains it on TensorFlow.js', async () => {
    const cfm = findObjective('cfm')
    await expect(chooseTrainer(cfm, 'onnxruntime', undefined, 'unet')).rejects.toThrow(
      /arch unet trains on TensorFlow.js/
    )
    await expect(chooseTrainer(cfm, 'auto', undefined, 'unet')).resolves.toEqual({ trainer: 'tfjs' })
  })
})
