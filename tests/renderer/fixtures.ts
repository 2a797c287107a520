/** Contract-shaped fixtures and a fake `Bridge` for renderer tests. */
import { vi } from 'vitest'
import type {
  Api,
  BenchReportInfo,
  BenchResultInfo,
  Bridge,
  DatasetInfo,
  DatasetPreview,
  EngineInfo,
  Events,
  JobInfo,
  MetricsInfo,
  ObjectiveFamily,
  ObjectiveInfo,
  Result,
  RunDetail,
  RunSummaryInfo,
  SampleSet
} from '../../src/shared/api'
import type { ErrorCode } from '../../src/shared/errors'
import type { NamedResult } from '../../src/renderer/src/charts/bench'

export const INFO: EngineInfo = {
  version: '0.1.0',
  backend: 'wasm',
  objectives: [
    { id: 'energy', family: 'statistics', title: 'Energy distance' },
    { id: 'mmd', family: 'statistics', title: 'Maximum mean discrepancy' },
    { id: 'cfm', family: 'flows', title: 'Conditional flow matching' }
  ],
  datasets: [
    { id: '8gaussians', dim: 2, title: 'Eight Gaussians' },
    { id: 'moons', dim: 2, title: 'Two moons' }
  ],
  ort: {
    version: '1.30.0',
    executionProviders: ['cpu'],
    notInstalled: ['cuda'],
    unavailable: [{ name: 'webgpu', reason: 'webgpu: no adapter (install libvulkan1 and a GPU driver)' }],
    adapter: null
  }
}

export const OBJECTIVES: ObjectiveInfo[] = [
  {
    id: 'energy',
    family: 'statistics',
    kind: 'pushforward',
    title: 'Energy distance',
    paper: '§2, footnote 4',
    summary: 'Unbiased energy distance.\nNo bandwidth to tune.',
    defaults: { steps: 1500, batch: 512, lr: 0.002 },
    params: [],
    archs: ['mlp', 'conv']
  },
  {
    id: 'mmd',
    family: 'statistics',
    kind: 'pushforward',
    title: 'Maximum mean discrepancy',
    paper: '§2, MMD form of eq. (2)',
    summary: 'MMD² with Gaussian kernels.',
    defaults: { steps: 1500, batch: 512, lr: 0.002, model: { width: 64 } },
    params: [
      {
        name: 'bandwidths',
        type: 'enum',
        default: 'median',
        options: ['median', '0.5,1,2'],
        help: 'Kernel widths.'
      },
      { name: 'scale', type: 'float', default: 1, min: 0.1, max: 10, help: 'A scale.', log: true },
      { name: 'k', type: 'int', default: 4, min: 1, max: 64, help: 'A count.' },
      { name: 'debiased', type: 'bool', default: true, help: 'Debias.' }
    ],
    archs: ['mlp', 'conv']
  },
  {
    id: 'cfm',
    family: 'flows',
    kind: 'model',
    title: 'Conditional flow matching',
    paper: '§4, eq. (9)',
    summary: 'Regress the conditional velocity.',
    defaults: { steps: 3000, batch: 256, lr: 0.001 },
    imageDefaults: {
      steps: 4000,
      batch: 128,
      lr: 0.0005,
      model: { width: 1024 },
      params: { predict: 'data' }
    },
    params: [
      {
        name: 'predict',
        type: 'enum',
        default: 'velocity',
        options: ['velocity', 'data'],
        help: 'What the network outputs.'
      }
    ],
    archs: ['mlp', 'unet']
  }
]

export const DATASETS: DatasetInfo[] = [
  {
    id: '8gaussians',
    kind: 'builtin',
    title: 'Eight Gaussians',
    rows: 10000,
    dim: 2,
    formula: 'x = …'
  },
  { id: 'normal', kind: 'builtin', title: 'Standard normal', rows: 10000, dim: 1 },
  { id: 'file:points', kind: 'imported', title: 'points', rows: 500, dim: 2 }
]

/** Column names of the fixture datasets (a listing carries none; a preview does). */
const COLUMNS: Record<string, string[]> = {
  '8gaussians': ['x1', 'x2'],
  normal: ['x1'],
  'file:points': ['x', 'y']
}

export function preview(info: DatasetInfo, n = 4): DatasetPreview {
  const points = Array.from({ length: n * info.dim }, (_, k) => (k % 7) - 3)
  const columns = COLUMNS[info.id] ?? Array.from({ length: info.dim }, (_, j) => `x${j}`)
  return {
    info,
    columns,
    points,
    n,
    stats: columns.map((name) => ({ name, mean: 0, std: 1, min: -3, max: 3 }))
  }
}

export const METRICS: MetricsInfo = {
  energy: 0.012,
  energyGaussian: 0.3,
  mmd: 0.0031,
  slicedW2: 0.02,
  precision: 0.91,
  recall: 0.88,
  density: 0.95,
  coverage: 0.93,
  n: 2000
}

/** An image run's metrics (`MetricsInfo.image`): fd 3.2 against a Gaussian fit's 9. */
export const IMAGE_METRICS: NonNullable<MetricsInfo['image']> = {
  ...{ fd: 3.2, fdGaussian: 9, fdData: 1.7, kid: 0.01, precision: 0.7, recall: 0.6, density: 0.9 },
  ...{
    coverage: 0.8,
    classKL: 0.02,
    minClassShare: 0.08,
    memorisation: 1,
    copies: 0,
    classifierAccuracy: 0.97
  }
}

export function job(over: Partial<JobInfo> = {}): JobInfo {
  return {
    id: 'job-1',
    kind: 'train',
    status: 'running',
    title: 'energy on 8gaussians',
    runId: 'run-1',
    step: 50,
    steps: 100,
    loss: 0.05,
    samplesPerSec: 12000,
    etaMs: 4000,
    backend: 'wasm',
    lossCurve: [
      [0, 1],
      [50, 0.05]
    ],
    evalCurve: [{ step: 50, metrics: METRICS }],
    snapshot: { step: 50, points: [0, 0, 1, 1, -1, 2], dim: 2 },
    error: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    phase: null,
    benchId: null,
    configurations: null,
    ...over
  }
}

export function run(over: Partial<RunSummaryInfo> = {}): RunSummaryInfo {
  return {
    id: 'run-1',
    name: 'energy-8gaussians',
    status: 'completed',
    objective: 'energy',
    dataset: '8gaussians',
    createdAt: '2025-01-01T10:00:00.000Z',
    steps: 100,
    stepsDone: 100,
    hyper: { batch: 512, lr: 0.002, seed: 0, params: {} },
    wallMs: 4200,
    backend: 'wasm',
    metrics: METRICS,
    checkpointStep: null,
    resumable: false,
    best: null,
    ...over
  }
}

export function detail(over: Partial<RunDetail> = {}): RunDetail {
  return {
    ...run(),
    config: { dataset: { spec: '8gaussians', name: '8gaussians' } },
    data: { name: '8gaussians', spec: '8gaussians', builtin: true },
    extra: {},
    log: [{ step: 100, loss: 0.01, metrics: METRICS }],
    samplers: ['onestep'],
    defaultSteps: 1,
    ...over
  }
}

export function sampleSet(over: Partial<SampleSet> = {}): SampleSet {
  return {
    runId: 'run-1',
    sampler: 'onestep',
    steps: 1,
    dim: 2,
    n: 3,
    points: [0, 0, 1, 1, 2, -2],
    metrics: METRICS,
    cost: { evaluations: 1, msPerSample: 0.0008 },
    ...over
  }
}

/** One benchmark row; latency grows with the network calls, energy falls with K. */
export function benchRow(over: Partial<BenchResultInfo> = {}): BenchResultInfo {
  const r: BenchResultInfo = {
    run: 'run-1',
    objective: 'energy',
    dataset: '8gaussians',
    sampler: 'onestep',
    steps: 1,
    evaluations: 1,
    batch: 64,
    fused: true,
    form: null,
    latencyMs: { p10: 0.09, p50: 0.1, p90: 0.12 },
    samplesPerSec: 640_000,
    runs: 30,
    metrics: { energy: 0.004, mmd: 0.001, precision: 0.9, recall: 0.9, coverage: 0.9 },
    parity: 1e-6,
    ...over
  }
  return { ...r, samplesPerSec: (r.batch * 1000) / r.latencyMs.p50 }
}

/**
 * A saved benchmark: a one-step energy map (run-1) against a cfm flow (run-2) with euler at K = 1, 4, 16,
 * fused and as separate calls, at batch 1 and 64. The flow at K = 16 beats the map's energy.
 */
export function benchReport(over: Partial<BenchReportInfo> = {}): BenchReportInfo {
  const table: BenchResultInfo[] = []
  for (const batch of [1, 64]) {
    const scale = batch === 1 ? 0.5 : 1
    table.push(benchRow({ batch, latencyMs: { p10: 0.09 * scale, p50: 0.1 * scale, p90: 0.12 * scale } }))
    for (const steps of [1, 4, 16]) {
      const energy = { 1: 0.05, 4: 0.008, 16: 0.002 }[steps]!
      for (const fused of [true, false]) {
        const p50 = steps * 0.1 * scale * (fused ? 1 : 1.5)
        table.push(
          benchRow({
            run: 'run-2',
            objective: 'cfm',
            sampler: 'euler',
            steps,
            evaluations: steps,
            batch,
            fused,
            form: fused ? 'unrolled' : null,
            latencyMs: { p10: p50 * 0.9, p50, p90: p50 * 1.2 },
            metrics: { energy, mmd: energy / 4, precision: 0.9, recall: 0.9, coverage: 0.9 }
          })
        )
      }
    }
  }
  return {
    id: 'job-b1',
    title: 'Benchmark of energy-8gaussians, cfm-8gaussians',
    createdAt: '2025-01-02T10:00:00.000Z',
    runs: ['run-1', 'run-2'],
    results: table.length,
    machine: {
      cpus: 2,
      model: 'Test CPU',
      node: 'v20.0.0',
      date: '2025-01-02',
      loadavg: [0.5, 0.4, 0.3],
      platform: 'linux',
      threads: 1,
      ort: '1.30.0',
      ep: 'cpu'
    },
    settings: { samplers: ['onestep', 'euler'], steps: [1, 4, 16], batch: [1, 64], repeats: 30 },
    table,
    skipped: [],
    csv: 'run,objective\nrun-1,energy\n',
    summary: {
      comparisons: [
        {
          dataset: '8gaussians',
          onestep: { run: 'run-1', objective: 'energy', sampler: 'onestep', steps: 1, energy: 0.004 },
          best: { run: 'run-2', objective: 'cfm', sampler: 'euler', steps: 16, energy: 0.002 },
          energyRatio: 2,
          byBatch: [1, 64].map((batch) => ({
            batch,
            onestepP50: batch === 1 ? 0.05 : 0.1,
            best: { fused: true, form: 'unrolled' as const, p50: batch === 1 ? 0.8 : 1.6 },
            latencyRatio: 16,
            matched: {
              run: 'run-2',
              objective: 'cfm',
              sampler: 'euler' as const,
              steps: 16,
              energy: 0.002,
              fused: true,
              form: 'unrolled' as const,
              p50: batch === 1 ? 0.8 : 1.6,
              speedup: 16
            }
          }))
        }
      ],
      fusedVsSeparate: [],
      notes: []
    },
    ...over
  }
}

/** The crowded report's one-step maps: objective, family, p50 at batch 64 (ms), held-out energy. */
export const CROWDED_MAPS: [string, ObjectiveFamily, number, number][] = [
  ['energy', 'statistics', 0.04, 0.017],
  ['mmd', 'statistics', 0.042, 0.03],
  ['cf-d2', 'statistics', 0.041, 0.25],
  ['sinkhorn', 'statistics', 0.043, 0.018],
  ['gan', 'statistics', 0.02, 0.007],
  ['wgan-gp', 'statistics', 0.019, 0.018],
  ['vae', 'density', 0.044, 0.03],
  ['realnvp', 'density', 0.1, 0.027],
  ['ct', 'flows', 0.045, 0.045],
  ['shortcut', 'flows', 0.044, 0.05],
  ['meanflow', 'flows', 0.043, 0.025],
  ['distill', 'flows', 0.042, 0.032],
  ['cd', 'flows', 0.044, 0.047]
]

/**
 * A report of the open issue's size at batch 64: thirteen one-step maps (every one-step objective, with its
 * family) and cfm with Euler and Heun at K = 1 … 32. The front: wgan-gp's map (fastest), gan's map, then Heun
 * at K = 8 and 16, the only configurations better than gan's map; Heun K = 32 and every Euler K are beaten.
 */
export function crowdedReport(): BenchReportInfo {
  const table: NamedResult[] = []
  const metrics = (energy: number): BenchResultInfo['metrics'] => ({
    energy,
    mmd: energy / 4,
    precision: 0.9,
    recall: 0.9,
    coverage: 0.9
  })
  const p50 = (v: number): BenchResultInfo['latencyMs'] => ({ p10: v * 0.9, p50: v, p90: v * 1.2 })
  for (const [objective, family, ms, energy] of CROWDED_MAPS)
    table.push({
      ...benchRow({ run: `run-${objective}`, objective, latencyMs: p50(ms), metrics: metrics(energy) }),
      family
    })
  const heun: Record<number, number> = { 1: 0.2, 2: 0.05, 4: 0.012, 8: 0.004, 16: 0.003, 32: 0.0031 }
  const euler: Record<number, number> = { 1: 0.8, 2: 0.3, 4: 0.06, 8: 0.02, 16: 0.008, 32: 0.005 }
  for (const [sampler, energies, calls] of [
    ['euler', euler, 1],
    ['heun', heun, 2]
  ] as const)
    for (const steps of [1, 2, 4, 8, 16, 32])
      table.push({
        ...benchRow({
          run: 'run-cfm',
          objective: 'cfm',
          sampler,
          steps,
          evaluations: calls * steps,
          form: 'unrolled',
          latencyMs: p50(0.03 * calls * steps),
          metrics: metrics(energies[steps]!)
        }),
        family: 'flows'
      })
  const base = benchReport()
  const gan = { run: 'run-gan', objective: 'gan', sampler: 'onestep' as const, steps: 1, energy: 0.007 }
  const heun8 = { run: 'run-cfm', objective: 'cfm', sampler: 'heun' as const, steps: 8, energy: 0.004 }
  const heun32 = { run: 'run-cfm', objective: 'cfm', sampler: 'heun' as const, steps: 32, energy: 0.0031 }
  return {
    ...base,
    id: 'job-crowded',
    title: 'Benchmark of 14 runs',
    runs: [...new Set(table.map((r) => r.run))],
    results: table.length,
    settings: {
      samplers: ['onestep', 'euler', 'heun'],
      steps: [1, 2, 4, 8, 16, 32],
      batch: [64],
      repeats: 30
    },
    table,
    summary: {
      comparisons: [
        {
          dataset: '8gaussians',
          onestep: gan,
          best: heun32,
          metric: 'energy',
          energyRatio: 2.26,
          byBatch: [
            {
              batch: 64,
              onestepP50: 0.02,
              best: { fused: true, form: 'unrolled', p50: 1.92 },
              latencyRatio: 96,
              matched: { ...heun8, fused: true, form: 'unrolled', p50: 0.48, speedup: 24 }
            }
          ]
        }
      ],
      fusedVsSeparate: [],
      notes: []
    }
  }
}

type Impl = { [D in keyof Api]?: { [M in keyof Api[D]]?: Api[D][M] } }

/** What every method answers unless overridden. */
function defaults(): Impl {
  return {
    engine: { info: async () => INFO },
    objectives: { list: async () => OBJECTIVES },
    datasets: {
      list: async () => DATASETS,
      preview: async (id: string) => preview(DATASETS.find((d) => d.id === id) ?? DATASETS[0]!),
      import: async () => DATASETS[2]!,
      remove: async () => {}
    },
    training: {
      start: async () => job({ status: 'queued', step: 0 }),
      cancel: async () => {},
      jobs: async () => [],
      resume: async (runId: string) => job({ status: 'queued', runId, step: 40 })
    },
    runs: {
      list: async () => ({ runs: [run()], problems: [] }),
      get: async () => detail(),
      samples: async () => sampleSet(),
      snapshots: async (id: string) => ({
        runId: id,
        steps: 100,
        dim: 2,
        snapshots: [
          { step: 10, points: [5, 5, 6, 6] },
          { step: 50, points: [1, 1, 2, 2] },
          { step: 90, points: [0, 0, 1, 1] }
        ]
      }),
      rename: async () => {},
      remove: async () => {}
    },
    export: {
      onnx: async () => ({
        path: '/tmp/exports/run-1-onestep.onnx',
        graph: 'sampler',
        sampler: 'onestep',
        steps: 1,
        evaluations: 1,
        opset: 17,
        inputs: [{ name: 'z', shape: ['n', 2] }],
        outputs: [{ name: 'x', shape: ['n', 2] }],
        parity: { maxAbsError: 1e-6, n: 256, tolerance: 1e-4 },
        downloadUrl: '/exports/run-1-onestep.onnx'
      })
    },
    bench: {
      start: async () =>
        job({ id: 'job-b1', kind: 'bench', status: 'queued', step: 0, steps: 0, runId: null }),
      list: async () => ({
        reports: [
          {
            id: 'job-b1',
            title: 'Benchmark of energy-8gaussians, cfm-8gaussians',
            createdAt: '2025-01-02T10:00:00.000Z',
            runs: ['run-1', 'run-2'],
            results: 14
          }
        ],
        problems: []
      }),
      get: async () => benchReport(),
      remove: async () => {}
    },
    dialogs: { openDataFile: async () => null, saveOnnxFile: async () => null }
  }
}

export interface FakeBridge extends Bridge {
  emit<E extends keyof Events>(event: E, payload: Events[E]): void
}

/**
 * A bridge whose methods are `vi.fn`s answering `{ ok: true, value }` from the defaults or `impl`; a method
 * whose implementation throws an `{ code, message }` object answers `{ ok: false, error }` instead.
 */
export function fakeBridge(impl: Impl = {}): FakeBridge {
  const base = defaults()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const out: Record<string, unknown> = {}
  for (const [domain, methods] of Object.entries(base)) {
    const over = (impl as Record<string, Record<string, unknown>>)[domain] ?? {}
    const fns: Record<string, unknown> = {}
    for (const [name, fn] of Object.entries({ ...methods, ...over })) {
      fns[name] = vi.fn(async (...args: unknown[]): Promise<Result<unknown>> => {
        try {
          return { ok: true, value: await (fn as (...a: unknown[]) => Promise<unknown>)(...args) }
        } catch (e) {
          const err = e as { code?: ErrorCode; message?: string }
          return { ok: false, error: { code: err.code ?? 'INTERNAL', message: err.message ?? String(e) } }
        }
      })
    }
    out[domain] = fns
  }
  out.on = (event: string, listener: (p: unknown) => void) => {
    if (!listeners.has(event)) listeners.set(event, new Set())
    listeners.get(event)!.add(listener)
    return () => listeners.get(event)!.delete(listener)
  }
  out.emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload))
  return out as unknown as FakeBridge
}

/** The contract as plain promises (the shape of the renderer's `api` module), every method a `vi.fn`. */
export function mockApi(impl: Impl = {}): Api {
  const base = defaults()
  const out: Record<string, Record<string, unknown>> = {}
  for (const [domain, methods] of Object.entries(base)) {
    const over = (impl as Record<string, Record<string, unknown>>)[domain] ?? {}
    out[domain] = Object.fromEntries(
      Object.entries({ ...methods, ...over }).map(([name, fn]) => [
        name,
        vi.fn(fn as (...a: unknown[]) => unknown)
      ])
    )
  }
  return out as unknown as Api
}
