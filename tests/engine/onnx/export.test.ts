import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { ConfigError, StoreError } from '../../../src/engine/errors'
import { Mlp, type MlpWeights } from '../../../src/engine/models/mlp'
import { OnnxExportError } from '../../../src/engine/onnx/errors'
import { exportPushforward, type ExportReport } from '../../../src/engine/onnx/export'
import { inspectModel } from '../../../src/engine/onnx/inspect'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { drawBase } from '../../../src/engine/train/sampling'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import type { Standardization } from '../../../src/engine/types'
import { pfmInProcess } from '../../cli/in-process'
import { maxAbs, onnxCheck, tempDir, removeTempDirs } from './helpers'

afterAll(removeTempDirs)

const ds = generateBuiltin('moons', 6000, 0)
let root: string
let store: RunStore
let runId: string
let stats: Standardization
let phi: MlpWeights
let report: ExportReport
const latentDim = 2

beforeAll(async () => {
  await initBackend('auto')
  root = tempDir()
  store = new RunStore(path.join(root, 'runs'))
  // evalEvery 0: an export test reads no held-out curve (each evaluation scores all 1 200 held-out rows)
  const config = makeRunConfig(ds, { objective: 'energy', steps: 30, batch: 128, seed: 1, evalEvery: 0 })
  const r = await trainRun(ds, config, { store })
  runId = r.runId!
  stats = store.load(runId).standardization!
  phi = store.readWeights<{ phi: MlpWeights }>(runId).phi
  report = await exportPushforward(store, runId, path.join(root, 'phi.onnx'))
})

/** The engine's own samples for z, standardised (tfjs). */
function engineStandardised(z: Float32Array, n: number): Float32Array {
  const mlp = Mlp.fromJSON(phi)
  const y = tf.tidy(() => mlp.apply(tf.tensor2d(z, [n, latentDim])).dataSync() as Float32Array)
  mlp.dispose()
  return y
}

describe('exporting a trained one-step run', () => {
  it('reports the file, opset, signature and a parity ≤ 1e-4 over 4096 inputs', () => {
    expect(report).toMatchObject({
      path: path.join(root, 'phi.onnx'),
      opset: 17,
      inputs: [{ name: 'z', type: 'float32', shape: ['batch', 2] }],
      outputs: [{ name: 'x', type: 'float32', shape: ['batch', 2] }],
      parity: { n: 4096 }
    })
    expect(report.parity.maxAbsError).toBeLessThanOrEqual(1e-4)
    expect(report.parity.maxAbsError).toBeGreaterThanOrEqual(0)
    expect(fs.statSync(report.path).size).toBe(report.bytes)
    // no temp files left beside it
    expect(fs.readdirSync(root).filter((f) => f !== 'runs')).toEqual(['phi.onnx'])
  })

  it('gives samples in data units: onnxruntime(z) = φ(z)·std + mean', async () => {
    const n = 4096
    const z = drawBase({ latentDim, base: 'normal' }, n, new Rng(123))
    const x = (await runOnnx(report.path, { z: { data: z, dims: [n, latentDim] } })).x!.data
    const s = engineStandardised(z, n)
    const ref = s.map((v, i) => v * stats.std[i % 2]! + stats.mean[i % 2]!)
    expect(maxAbs(x, ref)).toBeLessThanOrEqual(1e-4)
    // and not in standardised units (moons' statistics are far from 0 / 1)
    expect(maxAbs(x, s)).toBeGreaterThan(0.1)
  })

  it('takes any batch size', async () => {
    for (const n of [1, 3, 4097]) {
      const z = drawBase({ latentDim, base: 'normal' }, n, new Rng(n))
      const x = (await runOnnx(report.path, { z: { data: z, dims: [n, latentDim] } })).x!
      expect(x.dims).toEqual([n, 2])
    }
  })

  it('carries the run in metadata_props', () => {
    const o = inspectModel(fs.readFileSync(report.path))
    expect(o).toMatchObject({
      irVersion: 8,
      producerName: 'pushforward-lab',
      opsets: [{ domain: '', version: 17 }]
    })
    expect(o.metadata).toMatchObject({
      producer: 'pushforward-lab',
      runId,
      objective: 'energy',
      dataset: 'moons',
      sampler: 'onestep',
      steps: '1',
      trainedSteps: '30',
      base: 'normal',
      latentDim: '2'
    })
    expect(JSON.parse(o.metadata.standardization!)).toEqual({ mean: stats.mean, std: stats.std })
    // de-standardisation folded into the last layer: only Gemm and the activation nodes
    expect(new Set(o.nodes.map((n) => n.opType))).toEqual(new Set(['Gemm', 'Sigmoid', 'Mul', 'Identity']))
  })

  it('passes the official ONNX checker', () => {
    const r = onnxCheck(report.path)
    expect(r.status, r.stderr).toBe(0)
  })

  it('is reproducible: the same run exports the same bytes', async () => {
    const again = await exportPushforward(store, runId, path.join(root, 'again.onnx'))
    expect(Buffer.from(fs.readFileSync(again.path)).equals(fs.readFileSync(report.path))).toBe(true)
    expect(again.parity.maxAbsError).toBe(report.parity.maxAbsError)
    fs.rmSync(again.path)
  })
})

describe('an export that fails its parity check', () => {
  const corrupt = (w: MlpWeights): MlpWeights => ({
    ...w,
    layers: w.layers.map((l, i) => (i === 1 ? { ...l, w: l.w.map((v, j) => (j === 7 ? v + 0.05 : v)) } : l))
  })

  it('throws OnnxExportError and writes nothing', async () => {
    const out = path.join(root, 'broken.onnx')
    const p = exportPushforward(store, runId, out, { tamperWeights: corrupt })
    await expect(p).rejects.toThrow(OnnxExportError)
    await expect(exportPushforward(store, runId, out, { tamperWeights: corrupt })).rejects.toThrow(
      /failed its parity check .*differ from the engine's by up to .* over 4096 inputs; nothing was written/
    )
    expect(fs.existsSync(out)).toBe(false)
    expect(fs.readdirSync(root).filter((f) => f.startsWith('broken'))).toEqual([])
  })

  it('leaves an earlier export at that path untouched', async () => {
    const out = path.join(root, 'kept.onnx')
    fs.copyFileSync(report.path, out)
    await expect(exportPushforward(store, runId, out, { tamperWeights: corrupt })).rejects.toThrow(
      OnnxExportError
    )
    expect(Buffer.from(fs.readFileSync(out)).equals(fs.readFileSync(report.path))).toBe(true)
    fs.rmSync(out)
  })

  it('fails on a tolerance of 0 unless the runtimes agree bit for bit', async () => {
    const out = path.join(root, 'strict.onnx')
    const r = await exportPushforward(store, runId, out, { tolerance: 0 }).then(
      (x) => x.parity.maxAbsError,
      (e: unknown) => e
    )
    if (typeof r === 'number') expect(r).toBe(0)
    else expect(r).toBeInstanceOf(OnnxExportError)
    fs.rmSync(out, { force: true })
  })
})

describe('user errors', () => {
  it.each<[string, () => Promise<unknown>, new (m: string) => Error, RegExp]>([
    [
      'a bad extension',
      () => exportPushforward(store, runId, path.join(root, 'm.txt')),
      ConfigError,
      /must end in \.onnx/
    ],
    [
      'a missing folder',
      () => exportPushforward(store, runId, path.join(root, 'no/such/m.onnx')),
      ConfigError,
      /does not exist/
    ],
    [
      'a missing run',
      () => exportPushforward(store, 'no-such-run', path.join(root, 'm.onnx')),
      StoreError,
      /No run "no-such-run"/
    ],
    [
      'a multi-step sampler',
      () => exportPushforward(store, runId, path.join(root, 'm.onnx'), { sampler: 'euler' }),
      ConfigError,
      /is a one-step map; it exports with --sampler onestep/
    ],
    [
      'several steps',
      () => exportPushforward(store, runId, path.join(root, 'm.onnx'), { sampler: 'onestep', steps: 8 }),
      ConfigError,
      /is a one-step map; it takes exactly 1 step/
    ],
    [
      'a velocity graph',
      () => exportPushforward(store, runId, path.join(root, 'm.onnx'), { graph: 'velocity' }),
      ConfigError,
      /has no velocity network/
    ]
  ])('%s', async (_, f, cls, msg) => {
    const p = f()
    await expect(p).rejects.toBeInstanceOf(cls)
    await expect(p).rejects.toThrow(msg)
  })

  it('a run without weights', async () => {
    const h = store.create({ config: store.load(runId).config, name: 'no weights' })
    h.finish('failed', null, { code: 'TEST', message: 'stopped before the first checkpoint' })
    await expect(exportPushforward(store, h.id, path.join(root, 'm.onnx'))).rejects.toThrow(
      /has no weights\.json/
    )
    expect(fs.existsSync(path.join(root, 'm.onnx'))).toBe(false)
  })

  it('accepts --sampler onestep --steps 1', async () => {
    const r = await exportPushforward(store, runId, path.join(root, 'one.onnx'), {
      sampler: 'onestep',
      steps: 1,
      parityPoints: 16
    })
    expect(r.parity.n).toBe(16)
    fs.rmSync(r.path)
  })
})

describe('pfm export', () => {
  const pfm = (args: string[]) => {
    const bin = path.resolve(__dirname, '../../../bin/pfm.mjs')
    const r = spawnSync(process.execPath, [bin, 'export', ...args, '--runs-dir', path.join(root, 'runs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PFM_DEBUG: '' },
      timeout: 120_000
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it('--json prints exactly one JSON object', () => {
    const out = path.join(root, 'cli.onnx')
    const r = pfm(['--run', runId, '--out', out, '--sampler', 'onestep', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const j = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(Object.keys(j).sort()).toEqual([
      'graph',
      'inputs',
      'opset',
      'outputs',
      'parity',
      'path',
      'sampler',
      'steps'
    ])
    expect(j).toMatchObject({
      path: out,
      opset: 17,
      graph: 'sampler',
      sampler: 'onestep',
      steps: 1,
      parity: { n: 4096 }
    })
    expect((j.parity as { maxAbsError: number }).maxAbsError).toBeLessThanOrEqual(1e-4)
    expect(Buffer.from(fs.readFileSync(out)).equals(fs.readFileSync(report.path))).toBe(true)
  })

  it.each([
    [['--run', 'RUN', '--out', 'x.pt'], /pfm export: --out x\.pt: an ONNX export must end in \.onnx\./],
    [['--run', 'nope', '--out', 'x.onnx'], /pfm export: No run "nope"/],
    [['--out', 'x.onnx'], /pfm export: --run is required/],
    [
      ['--run', 'RUN', '--out', 'x.onnx', '--sampler', 'heun', '--steps', '8'],
      /--sampler heun: run .* is a one-step map; it exports with --sampler onestep/
    ],
    [['--run', 'RUN', '--out', 'x.onnx', '--steps', 'many'], /--steps: "many" is not a number/]
  ])('%j → one line, exit 2', async (args, msg) => {
    // in this process: the spawned binary is checked above, a user mistake needs no start-up of its own
    const r = await pfmInProcess([
      'export',
      ...args.map((a) => (a === 'RUN' ? runId : a)),
      '--runs-dir',
      path.join(root, 'runs')
    ])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(msg)
  })
})
