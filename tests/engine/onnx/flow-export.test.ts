import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { ConfigError } from '../../../src/engine/errors'
import type { MlpWeights } from '../../../src/engine/models/mlp'
import { vpSchedule } from '../../../src/engine/objectives/flows/schedule'
import { OnnxExportError } from '../../../src/engine/onnx/errors'
import { exportPushforward, type ExportOptions, type ExportReport } from '../../../src/engine/onnx/export'
import { fusedSamplerModel, planEvaluations, planGain, timedNetOf } from '../../../src/engine/onnx/flow'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import type { VelocityWeights } from '../../../src/engine/models/velocity'
import type { Activation } from '../../../src/engine/models/mlp'
import { Rng } from '../../../src/engine/rng'
import {
  VELOCITY_FIELD,
  epsField,
  findSampler,
  integrateField,
  logSnrGrid,
  tracePlan,
  type Field,
  type Plan
} from '../../../src/engine/samplers'
import { inspectModel } from '../../../src/engine/onnx/inspect'
import { RunStore } from '../../../src/engine/store'
import { uniformGrid } from '../../../src/engine/samplers'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import { maxAbs, onnxCheckAll, randomMlp, removeTempDirs, tempDir, velocityForward } from './helpers'

afterAll(removeTempDirs)

const ds = generateBuiltin('moons', 4000, 0)
let root: string
let store: RunStore
const ids: Record<string, string> = {}
const files: string[] = []

beforeAll(async () => {
  await initBackend('auto')
  root = tempDir()
  store = new RunStore(path.join(root, 'runs'))
  // `cfm-data`: cfm whose network predicts the clean sample (DATA_FIELD)
  const runs: [string, string, Record<string, string>][] = [
    ['cfm', 'cfm', {}],
    ['ddpm', 'ddpm', {}],
    ['cfm-data', 'cfm', { predict: 'data' }]
  ]
  for (const [key, objective, params] of runs) {
    const config = makeRunConfig(ds, { objective, params, steps: 30, batch: 128, seed: 1, evalEvery: 0 })
    ids[key] = (await trainRun(ds, config, { store, evalPoints: 200 })).runId!
  }
}, 300_000)

/** Exports and keeps the file for the checker. */
async function exportCase(objective: string, opts: ExportOptions, name: string): Promise<ExportReport> {
  const r = await exportPushforward(store, ids[objective]!, path.join(root, `${name}.onnx`), opts)
  files.push(r.path)
  return r
}

describe('flow exports match the engine on 4096 inputs', () => {
  it.each<[string, string, ExportOptions, Partial<ExportReport>]>([
    ['cfm velocity network', 'cfm', { graph: 'velocity' }, { graph: 'velocity', evaluations: 1 }],
    ['ddpm noise network', 'ddpm', { graph: 'velocity' }, { graph: 'velocity', evaluations: 1 }],
    ['cfm euler K=8', 'cfm', { sampler: 'euler', steps: 8 }, { sampler: 'euler', steps: 8, evaluations: 8 }],
    ['cfm heun K=8', 'cfm', { sampler: 'heun', steps: 8 }, { sampler: 'heun', steps: 8, evaluations: 16 }],
    [
      'cfm dpmpp-2m K=8',
      'cfm',
      { sampler: 'dpmpp-2m', steps: 8 },
      { sampler: 'dpmpp-2m', steps: 8, evaluations: 8 }
    ],
    ['cfm dopri5 tol 1e-3', 'cfm', { sampler: 'dopri5', rtol: 1e-3, atol: 1e-3 }, { sampler: 'dopri5' }],
    ['ddpm ddim K=8', 'ddpm', { sampler: 'ddim', steps: 8 }, { sampler: 'ddim', steps: 8, evaluations: 8 }],
    ['ddpm ddim K=1', 'ddpm', { sampler: 'ddim', steps: 1 }, { sampler: 'ddim', steps: 1, evaluations: 1 }],
    [
      'ddpm euler K=4',
      'ddpm',
      { sampler: 'euler', steps: 4 },
      { sampler: 'euler', steps: 4, evaluations: 4 }
    ],
    ['ddpm heun K=4', 'ddpm', { sampler: 'heun', steps: 4 }, { sampler: 'heun', steps: 4, evaluations: 8 }],
    [
      'cfm heun K=4 as a Loop',
      'cfm',
      { sampler: 'heun', steps: 4, form: 'loop' },
      { sampler: 'heun', steps: 4 }
    ],
    ['cfm data-prediction network', 'cfm-data', { graph: 'velocity' }, { graph: 'velocity', evaluations: 1 }],
    [
      'cfm data-prediction heun K=8',
      'cfm-data',
      { sampler: 'heun', steps: 8 },
      { sampler: 'heun', steps: 8, evaluations: 16 }
    ],
    [
      'cfm data-prediction euler K=4 as a Loop',
      'cfm-data',
      { sampler: 'euler', steps: 4, form: 'loop' },
      { sampler: 'euler', steps: 4 }
    ],
    [
      'cfm data-prediction dpmpp-2m K=8',
      'cfm-data',
      { sampler: 'dpmpp-2m', steps: 8 },
      { sampler: 'dpmpp-2m', steps: 8, evaluations: 8 }
    ],
    [
      'ddpm ddim K=6 as a Loop',
      'ddpm',
      { sampler: 'ddim', steps: 6, form: 'loop' },
      { sampler: 'ddim', steps: 6 }
    ]
  ])('%s', async (label, objective, opts, expected) => {
    const r = await exportCase(objective, opts, label.replace(/[^a-z0-9]+/gi, '-'))
    expect(r).toMatchObject({ opset: 17, ...expected, parity: { n: 4096 } })
    expect(r.parity.maxAbsError).toBeLessThanOrEqual(r.parity.tolerance)
    // the tolerance grows mildly with K: 1e-4 × data scale × max(√E, gain/4)
    expect(r.parity.tolerance).toBeLessThan(0.05)
    if (r.graph === 'velocity') {
      expect(r.inputs.map((i) => [i.name, i.shape])).toEqual([
        ['x', ['batch', 2]],
        ['t', ['batch']]
      ])
      expect(r.outputs[0]!.name).toBe({ ddpm: 'eps', cfm: 'v', 'cfm-data': 'x1' }[objective])
    } else {
      expect(r.inputs).toEqual([{ name: 'z', type: 'float32', shape: ['batch', 2] }])
      expect(r.outputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 2] }])
    }
  })

  it('every export passes the official ONNX checker', () => {
    const r = onnxCheckAll(files)
    expect(Object.keys(r)).toHaveLength(files.length)
    for (const f of files) expect(r[f], f).toBe('ok')
  })
})

describe('the fused graph', () => {
  it('shares the weights across steps and folds the time embedding', () => {
    const o = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-heun-K-8'))!))
    const names = o.initializers.map((i) => i.name)
    // one copy of each hidden weight matrix, whatever K
    expect(names.filter((n) => /^net\/w\d+$/.test(n))).toEqual(['net/w1', 'net/w2', 'net/w3'])
    expect(names.filter((n) => n === 'net/w0_x')).toHaveLength(1)
    // one first-layer bias per distinct time: K + 1 for Heun
    expect(names.filter((n) => n.startsWith('net/b0@t'))).toHaveLength(9)
    const ops = new Set(o.nodes.map((n) => n.opType))
    expect(ops.has('Sin') || ops.has('Cos') || ops.has('Concat')).toBe(false)
    expect(o.nodes.filter((n) => n.opType === 'Gemm')).toHaveLength(16 * 4)
  })

  it('records the sampler, K and the grid the engine integrates on', () => {
    const cfm = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-euler-K-8'))!)).metadata
    expect(cfm).toMatchObject({
      runId: ids.cfm,
      objective: 'cfm',
      sampler: 'euler',
      steps: '8',
      evaluations: '8'
    })
    expect(JSON.parse(cfm.grid!)).toEqual(uniformGrid(0, 1, 8))
    const ddim = inspectModel(fs.readFileSync(files.find((f) => f.includes('ddpm-ddim-K-8'))!)).metadata
    const grid = JSON.parse(ddim.grid!) as number[]
    expect(grid).toHaveLength(9)
    expect(grid[0]).toBe(1)
    expect(grid[8]).toBe(0)
  })

  it('an adaptive sampler exports the grid it took as fixed steps, and says so', () => {
    const m = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-dopri5-tol'))!)).metadata
    const grid = JSON.parse(m.grid!) as number[]
    const K = grid.length - 1
    expect(K).toBeGreaterThan(1)
    expect([grid[0], grid[K]]).toEqual([0, 1])
    grid.slice(1).forEach((t, i) => expect(t).toBeGreaterThan(grid[i]!))
    // six evaluations per replayed step (no error estimate, so no seventh stage)
    expect(m).toMatchObject({ sampler: 'dopri5', steps: String(K), evaluations: String(6 * K) })
    expect(m.adaptive).toMatch(
      new RegExp(`^dopri5 with rtol 0.001, atol 0.001 chose this grid .* fixed grid of ${K} steps$`)
    )
    // a fixed-grid export carries no such note, and dpmpp-2m records its own logsnr grid
    const dpm = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-dpmpp-2m-K-8'))!)).metadata
    expect(dpm.adaptive).toBeUndefined()
    expect(JSON.parse(dpm.grid!)).toEqual(logSnrGrid(VELOCITY_FIELD, 0, 1, 8))
  })

  it('as a Loop holds one step', () => {
    const o = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-heun-K-4-as-a-Loop'))!))
    expect(o.nodes.map((n) => n.opType)).toContain('Loop')
    expect(o.nodes.filter((n) => n.opType === 'Gemm')).toHaveLength(0)
  })

  it('the network graph embeds t itself', () => {
    const o = inspectModel(fs.readFileSync(files.find((f) => f.includes('cfm-velocity'))!))
    const ops = o.nodes.map((n) => n.opType)
    expect(ops).toEqual(expect.arrayContaining(['Unsqueeze', 'Sin', 'Cos', 'Concat', 'Gemm']))
    expect(JSON.parse(o.metadata.timeEmbedding!)).toEqual({ timeDim: 16, maxFreq: 100 })
  })
})

describe('traced plans (closed forms)', () => {
  const s = vpSchedule('linear')
  const eps = epsField(s.alphaBar, s.beta)
  const trace = (id: string, field: Field, grid: number[]): Plan => tracePlan(findSampler(id), field, grid)
  const lin = (...terms: [number, number][]): { op: 'lin'; terms: [number, number][] } => ({
    op: 'lin',
    terms
  })

  it('flow-matching Euler: x ← x + h·v', () => {
    const plan = trace('euler', VELOCITY_FIELD, uniformGrid(0, 1, 4))
    expect(plan.ops.flatMap((o) => (o.op === 'net' ? [o.t] : []))).toEqual([0, 0.25, 0.5, 0.75])
    // step k: net(x_k, t_k), then x_{k+1} = x_k + 0.25·net
    expect(plan.ops.slice(0, 4)).toEqual([
      { op: 'net', x: 0, t: 0 },
      lin([0, 1], [1, 0.25]),
      { op: 'net', x: 2, t: 0.25 },
      lin([2, 1], [3, 0.25])
    ])
    expect(plan.steps).toEqual([0, 2, 4, 6])
    expect(planGain(plan)).toBeCloseTo(1, 12)
  })

  it('Heun: y = x + h·v(x, t), x ← ½x + ½y + h/2·v(y, s)', () => {
    expect(trace('heun', VELOCITY_FIELD, [0, 0.5]).ops).toEqual([
      { op: 'net', x: 0, t: 0 },
      lin([0, 1], [1, 0.5]),
      { op: 'net', x: 2, t: 0.5 },
      lin([0, 0.5], [2, 0.5], [3, 0.25])
    ])
    expect(planEvaluations(trace('heun', VELOCITY_FIELD, uniformGrid(0, 1, 5)))).toBe(10)
  })

  /** A one-evaluation plan's output for state x and network output e. */
  const oneStep = (plan: Plan, x: number, e: number): number => {
    const v = [x]
    for (const o of plan.ops) v.push(o.op === 'net' ? e : o.terms.reduce((sum, [a, c]) => sum + c * v[a]!, 0))
    return v[plan.out]!
  }

  it('DDIM: x ← √ᾱ_s·(x − √(1−ᾱ_t)·ε̂)/√ᾱ_t + √(1−ᾱ_s)·ε̂', () => {
    const [t, u] = [0.7, 0.3]
    const [at, as] = [s.alphaBar(t), s.alphaBar(u)]
    const x = 0.37
    const e = -1.2
    const expected = Math.sqrt(as) * ((x - Math.sqrt(1 - at) * e) / Math.sqrt(at)) + Math.sqrt(1 - as) * e
    expect(oneStep(trace('ddim', eps, [t, u]), x, e)).toBeCloseTo(expected, 12)
    // one DDIM step from t = 1 to 0 is x̂₀ = (x − √(1−ᾱ)·ε̂)/√ᾱ: an error in ε̂ grows by √(1−ᾱ(1))/√ᾱ(1) ≈ 152
    const a1 = s.alphaBar(1)
    expect(planGain(trace('ddim', eps, [1, 0]))).toBeCloseTo(Math.sqrt(1 - a1) / Math.sqrt(a1), 9)
  })

  it('probability-flow Euler: v = −½β(x − ε̂/σ)', () => {
    const [t, u] = [0.8, 0.6]
    const h = u - t
    const sig = Math.sqrt(1 - s.alphaBar(t))
    const x = 0.5
    const e = 0.25
    expect(oneStep(trace('euler', eps, [t, u]), x, e)).toBeCloseTo(
      x + h * -0.5 * s.beta(t) * (x - e / sig),
      12
    )
  })

  it('DPM-Solver++ 2M on a velocity field: a step from t = 0 is Euler, the last onto t = 1 returns x̂₁', () => {
    const x = 0.3
    const e = 0.8
    expect(oneStep(trace('dpmpp-2m', VELOCITY_FIELD, [0, 0.25]), x, e)).toBeCloseTo(x + 0.25 * e, 12)
    expect(oneStep(trace('dpmpp-2m', VELOCITY_FIELD, [0.75, 1]), x, e)).toBeCloseTo(x + 0.25 * e, 12)
  })
})

describe('fused samplers of hand-made networks against a float64 reference', () => {
  const s = vpSchedule('cosine')
  const eps = epsField(s.alphaBar, s.beta)
  it.each<[number, Activation, string, 'velocity' | 'eps', 'unrolled' | 'loop']>([
    [0, 'relu', 'euler', 'velocity', 'unrolled'],
    [0, 'tanh', 'heun', 'velocity', 'loop'],
    [1, 'gelu', 'heun', 'eps', 'loop'],
    [2, 'leaky-relu', 'ddim', 'eps', 'unrolled'],
    [2, 'silu', 'euler', 'eps', 'loop'],
    [1, 'silu', 'rk4', 'velocity', 'loop'],
    [2, 'gelu', 'dpmpp-2m', 'eps', 'unrolled'],
    [1, 'tanh', 'dopri5', 'velocity', 'unrolled']
  ])('depth %i, %s, %s on a %s field, %s', async (depth, activation, sampler, kind, form) => {
    const d = 3
    const timeDim = 4
    const spec = { dim: d, timeDim, maxFreq: 10, width: 8, depth, activation }
    const w: VelocityWeights = {
      spec,
      mlp: randomMlp({ inDim: d + timeDim, outDim: d, width: 8, depth, activation }, new Rng(depth + 11))
    }
    const n = 64
    const z = new Rng(5).normals(n * d)
    const grid =
      kind === 'velocity'
        ? uniformGrid(0, 1, 3)
        : sampler === 'ddim' || sampler === 'dpmpp-2m'
          ? uniformGrid(0.9, 0, 3)
          : uniformGrid(0.9, 0.05, 3)
    const net = velocityForward(w, n)
    const field = kind === 'eps' ? eps : VELOCITY_FIELD
    const ref = integrateField(findSampler(sampler), field, net, z, grid, { fixed: true }).x
    const affine = { scale: [2, 0.5, 1], shift: [1, -1, 0] }
    const m = fusedSamplerModel(timedNetOf(w), tracePlan(findSampler(sampler), field, grid), affine, { form })
    const x = (await runOnnx(m.bytes, { z: { data: z, dims: [n, d] } })).x!.data
    expect(
      maxAbs(
        x,
        ref.map((r, i) => r * affine.scale[i % d]! + affine.shift[i % d]!)
      )
    ).toBeLessThan(1e-4)
  })
})

describe('flow export errors', () => {
  it.each<[string, string, ExportOptions, new (m: string) => Error, RegExp]>([
    [
      'the stochastic ddpm sampler',
      'ddpm',
      { sampler: 'ddpm' },
      ConfigError,
      /no deterministic graph; export --sampler ddim/
    ],
    ['onestep on a cfm run', 'cfm', { sampler: 'onestep' }, ConfigError, /exports with heun, euler, rk4/],
    ['K = 0', 'cfm', { sampler: 'euler', steps: 0 }, ConfigError, /integer in \[1, 100000\]/]
  ])('%s', async (_, objective, opts, cls, msg) => {
    const out = path.join(root, 'err.onnx')
    const p = exportPushforward(store, ids[objective]!, out, opts)
    await expect(p).rejects.toBeInstanceOf(cls)
    await expect(p).rejects.toThrow(msg)
    expect(fs.existsSync(out)).toBe(false)
  })

  it('a fused sampler that drifts from the engine is not written', async () => {
    const tamper = (w: MlpWeights): MlpWeights => ({
      ...w,
      layers: w.layers.map((l, i) => (i === 1 ? { ...l, b: l.b.map((v) => v + 0.01) } : l))
    })
    const out = path.join(root, 'tampered.onnx')
    const p = exportPushforward(store, ids.cfm!, out, { sampler: 'heun', steps: 4, tamperWeights: tamper })
    await expect(p).rejects.toBeInstanceOf(OnnxExportError)
    await expect(p).rejects.toThrow(/failed its parity check .* over 4096 inputs; nothing was written/)
    expect(fs.existsSync(out)).toBe(false)
  })
})

describe('pfm export of a flow run', () => {
  it('--sampler heun --steps 4 --json prints one JSON object', () => {
    const out = path.join(root, 'cli-heun.onnx')
    const bin = path.resolve(__dirname, '../../../bin/pfm.mjs')
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'export',
        '--run',
        ids.cfm!,
        '--out',
        out,
        '--sampler',
        'heun',
        '--steps',
        '4',
        '--json',
        '--runs-dir',
        path.join(root, 'runs')
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, PFM_DEBUG: '' }, timeout: 120_000 }
    )
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const j = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(j).toMatchObject({
      path: out,
      opset: 17,
      graph: 'sampler',
      sampler: 'heun',
      steps: 4,
      parity: { n: 4096 }
    })
    expect(fs.existsSync(out)).toBe(true)
  })
})
