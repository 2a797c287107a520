/**
 * The demo: the product's story in one job. On a mixture with known modes it trains
 *   1. a statistics-matching one-step map (§2, energy distance),
 *   2. a flow-matching model (§4, `cfm`), and
 *   3. the flow's one-step distillation (`distill`, taught by 2),
 * then benchmarks them through onnxruntime (one network call against Heun at a small and a large K) and
 * draws data | statistics map | flow with Heun at the small K | distilled map on the same axes.
 *
 * Every row reports network evaluations, p50 latency at batch 1 and 1024, held-out energy, modes covered and
 * the share of samples in a mode, next to the data's own share, so a map that smears the modes into a ring
 * reads as "8/8 modes touched, 60 % high-quality (data 99 %)", not as a success.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { benchInference } from '../bench/infer-bench'
import type { BenchResult, InferBenchReport } from '../bench/infer-types'
import type { EngineContext } from '../context'
import { CancelledError, ConfigError } from '../errors'
import { builtinModes, generateBuiltin, invertStandardization } from '../data'
import { modeCoverage } from '../metrics'
import { renderPanels, type Panel } from '../plot/svg'
import type { RunStore } from '../store'
import { sampleRun } from '../train/evaluate'
import { makeRunConfig, prepareData, trainRun } from '../train/train'
import type { Points } from '../types'

/** How much work the demo does. `full` fits about three minutes on a 2-core CPU; `tiny` is for tests. */
export interface DemoBudget {
  /** Points generated (a fifth, at least 2000, held out). */
  n: number
  steps: { statistics: number; flow: number; distill: number }
  /** Teacher pairs of the distillation and the teacher's Heun steps per pair. */
  pool: number
  teacherSteps: number
  /** Held-out points the trainings and the benchmark score on. */
  evalN: number
  /** Timed runs per benchmark case. */
  repeats: number
  /** Points per figure panel. */
  plotN: number
}

export const DEMO_BUDGETS: Record<'full' | 'tiny', DemoBudget> = {
  full: {
    n: 20_000,
    steps: { statistics: 1500, flow: 1500, distill: 600 },
    pool: 8192,
    teacherSteps: 32,
    evalN: 2000,
    repeats: 20,
    plotN: 2000
  },
  tiny: {
    n: 3000,
    steps: { statistics: 15, flow: 15, distill: 10 },
    pool: 128,
    teacherSteps: 2,
    evalN: 300,
    repeats: 2,
    plotN: 300
  }
}

export interface DemoOptions {
  /** A built-in with known modes (default `8gaussians`). */
  dataset?: string
  budget?: 'full' | 'tiny'
  seed?: number
  /** Heun steps of the flow's cheap configuration (default 4) and of its reference one (default 32). */
  smallK?: number
  largeK?: number
  /** Writes demo.svg, bench.json and bench.csv here. */
  outDir?: string
}

export interface DemoProgress {
  /** What runs now, e.g. "training the flow (cfm)". */
  phase: string
  /** Overall, in [0, 1]. */
  fraction: number
  /** The runs created so far (statistics map, flow, distilled map, in that order). */
  runs?: string[]
}

/** One line of the demo's table: a map or a sampler of a run (or the held-out data, the reference). */
export interface DemoRow {
  label: string
  run: string | null
  sampler: string
  steps: number
  /** Network evaluations per sample (null for the data). */
  nfe: number | null
  /** p50 latency of one call producing a batch of 1 and of 1024 samples, ms. */
  p50Batch1: number | null
  p50Batch1024: number | null
  /** Held-out energy distance (standardised coordinates; null for the data). */
  energy: number | null
  modes: number
  modesCovered: number
  highQuality: number
  /** The row read honestly against the data's own share. */
  reading: string
}

export interface DemoReport {
  dataset: string
  budget: 'full' | 'tiny'
  runs: { statistics: string; flow: string; distilled: string }
  rows: DemoRow[]
  /** The figure (SVG document). */
  svg: string
  /** The benchmark behind the table's latencies and qualities. */
  bench: InferBenchReport
  /** Files written with `outDir`. */
  files: string[]
  durationMs: number
}

const DATA_COLOR = '#1f77b4'
const SAMPLE_COLOR = '#d9480f'

/**
 * "collapsed: 3/8 modes", or "8/8 modes touched, 61 % high-quality (data 99 %)" with a verdict when samples
 * fall between modes (more than 5 points below the data's own share).
 */
export function readModes(
  m: { modes: number; modesCovered: number; highQuality: number },
  dataShare: number
): string {
  const pct = (v: number): string => `${Math.round(100 * v)} %`
  const share = `${pct(m.highQuality)} high-quality (data ${pct(dataShare)})`
  if (m.modesCovered < m.modes) return `collapsed: ${m.modesCovered}/${m.modes} modes, ${share}`
  const head = `${m.modesCovered}/${m.modes} modes touched, ${share}`
  return m.highQuality < dataShare - 0.05 ? `${head}: samples smeared between modes` : head
}

/** Runs the demo (see the module comment). Progress through `ctx.onProgress`; `ctx.signal` cancels. */
export async function runDemo(
  store: RunStore,
  opts: DemoOptions = {},
  ctx: EngineContext<DemoProgress> = {}
): Promise<DemoReport> {
  const t0 = performance.now()
  const budgetId = opts.budget ?? 'full'
  const b = DEMO_BUDGETS[budgetId]
  if (!b) throw new ConfigError(`Demo budget "${String(budgetId)}" is not full or tiny.`)
  const datasetId = opts.dataset ?? '8gaussians'
  const modes = builtinModes(datasetId)
  if (!modes)
    throw new ConfigError(
      `The demo needs a built-in with known modes (8gaussians, 25gaussians, checkerboard), not "${datasetId}".`
    )
  const seed = opts.seed ?? 0
  const smallK = opts.smallK ?? 4
  const largeK = opts.largeK ?? 32
  const ds = generateBuiltin(datasetId, b.n, seed)

  // Progress: the three trainings by steps, the benchmark and the figure as fixed shares.
  const trainSteps = b.steps.statistics + b.steps.flow + b.steps.distill
  const TRAIN_SHARE = 0.75
  const BENCH_SHARE = 0.2
  let trainedBefore = 0
  const made: string[] = []
  const report = (phase: string, fraction: number): void =>
    ctx.onProgress?.({ phase, fraction: Math.min(1, Math.max(0, fraction)), runs: [...made] })
  const checkCancel = (): void => {
    if (ctx.signal?.aborted) throw new CancelledError('Demo cancelled.')
  }

  const train = async (
    phase: string,
    name: string,
    input: Parameters<typeof makeRunConfig>[1]
  ): Promise<string> => {
    checkCancel()
    const config = makeRunConfig(ds, { seed, ...input })
    report(phase, (TRAIN_SHARE * trainedBefore) / trainSteps)
    ctx.log?.(`${phase}: ${config.steps} steps`)
    const r = await trainRun(ds, config, {
      store,
      evalPoints: b.evalN,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (p) => report(phase, (TRAIN_SHARE * (trainedBefore + p.step)) / trainSteps)
    })
    trainedBefore += config.steps
    store.rename(r.runId!, name)
    made.push(r.runId!)
    return r.runId!
  }

  const statistics = await train('training the statistics map (energy distance)', 'demo: statistics map', {
    objective: 'energy',
    steps: b.steps.statistics
  })
  const flow = await train('training the flow (cfm)', 'demo: flow (cfm)', {
    objective: 'cfm',
    steps: b.steps.flow
  })
  const distilled = await train('distilling the flow into a one-step map', 'demo: distilled map', {
    objective: 'distill',
    steps: b.steps.distill,
    params: { teacher: flow, teacherSteps: b.teacherSteps, teacherSampler: 'heun', pool: b.pool }
  })

  checkCancel()
  const bench = await benchInference(
    store,
    {
      runs: [statistics, flow, distilled],
      samplers: ['heun'],
      steps: [smallK, largeK],
      batch: [1, 1024],
      repeats: b.repeats,
      rounds: Math.min(5, b.repeats),
      warmup: Math.max(1, Math.round(b.repeats / 5)),
      warmupMs: budgetId === 'tiny' ? 0 : 100,
      separate: false,
      quality: true,
      seed,
      evalN: b.evalN,
      ...(opts.outDir ? { outDir: opts.outDir } : {})
    },
    {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (p) =>
        report(`benchmark: ${p.phase}`, TRAIN_SHARE + (BENCH_SHARE * p.done) / Math.max(1, p.total))
    }
  )

  // The held-out data in data units: the figure's first panel and the table's reference row.
  report('drawing the figure', TRAIN_SHARE + BENCH_SHARE)
  const config = makeRunConfig(ds, { objective: 'energy', seed })
  const split = prepareData(ds, config)
  const heldout = invertStandardization(head(split.heldout, b.evalN), split.stats)
  const dataCov = modeCoverage(heldout, modes)
  const dataShare = dataCov.highQuality

  const row = (label: string, run: string, sampler: string, steps: number): DemoRow => {
    const at = (batch: number): BenchResult | undefined =>
      bench.results.find(
        (r) => r.run === run && r.sampler === sampler && r.steps === steps && r.batch === batch
      )
    const r1 = at(1)
    const r1024 = at(1024)
    const m = r1?.metrics ?? r1024?.metrics
    if (!r1 || !m || m.modes === undefined)
      throw new ConfigError(`The demo's benchmark has no scored ${sampler} K=${steps} row for run ${run}.`)
    const mm = { modes: m.modes, modesCovered: m.modesCovered!, highQuality: m.highQuality! }
    return {
      label,
      run,
      sampler,
      steps,
      nfe: r1.evaluations,
      p50Batch1: r1.latencyMs.p50,
      p50Batch1024: r1024?.latencyMs.p50 ?? null,
      energy: m.energy,
      ...mm,
      reading: readModes(mm, dataShare)
    }
  }
  const rows: DemoRow[] = [
    {
      label: 'data (held-out)',
      run: null,
      sampler: '-',
      steps: 0,
      nfe: null,
      p50Batch1: null,
      p50Batch1024: null,
      energy: null,
      modes: dataCov.modes,
      modesCovered: dataCov.covered,
      highQuality: dataShare,
      reading: `the reference: ${dataCov.covered}/${dataCov.modes} modes, ${Math.round(100 * dataShare)} % within 3σ of a mode`
    },
    row('statistics map (energy)', statistics, 'onestep', 1),
    row(`flow (cfm), Heun K=${smallK}`, flow, 'heun', smallK),
    row(`flow (cfm), Heun K=${largeK}`, flow, 'heun', largeK),
    row('distilled map (distill)', distilled, 'onestep', 1)
  ]

  const samples = async (run: string, sampler?: { sampler: 'heun'; steps: number }): Promise<Points> =>
    (await sampleRun(store, run, b.plotN, { seed, ...(sampler ?? {}) })).points
  const panelOf = (r: DemoRow, pts: Points, color: string): Panel => ({
    title: [
      r.label,
      r.nfe === null
        ? 'reference'
        : `${r.nfe} network evaluation${r.nfe === 1 ? '' : 's'} · energy ${fmtEnergy(r.energy!)}`,
      `${r.modesCovered}/${r.modes} modes · ${Math.round(100 * r.highQuality)} % in a mode`
    ].join('\n'),
    series: [{ name: r.label, x: column(pts, 0), y: column(pts, 1), color, style: 'points' }]
  })
  const svg = renderPanels(
    [
      panelOf(rows[0]!, head(heldout, b.plotN), DATA_COLOR),
      panelOf(rows[1]!, await samples(statistics), SAMPLE_COLOR),
      panelOf(rows[2]!, await samples(flow, { sampler: 'heun', steps: smallK }), SAMPLE_COLOR),
      panelOf(rows[4]!, await samples(distilled), SAMPLE_COLOR)
    ],
    {
      title: `${datasetId}: one network call against a ${smallK}-step Heun flow (same axes, equal scales)`,
      xLabel: ds.columns[0]!,
      yLabel: ds.columns[1]!
    }
  )
  const files = [...(bench.files ?? [])]
  if (opts.outDir) {
    fs.mkdirSync(opts.outDir, { recursive: true })
    const file = path.join(opts.outDir, 'demo.svg')
    fs.writeFileSync(file, svg)
    files.unshift(file)
  }
  report('done', 1)
  return {
    dataset: datasetId,
    budget: budgetId,
    runs: { statistics, flow, distilled },
    rows,
    svg,
    bench,
    files,
    durationMs: performance.now() - t0
  }
}

function head(p: Points, n: number): Points {
  const m = Math.min(n, p.n)
  return { n: m, d: p.d, data: p.data.subarray(0, m * p.d) }
}

function column(p: Points, j: number): Float32Array {
  const out = new Float32Array(p.n)
  for (let i = 0; i < p.n; i++) out[i] = p.data[i * p.d + j]!
  return out
}

function fmtEnergy(v: number): string {
  return Math.abs(v) < 1e-3 ? v.toExponential(1) : v.toFixed(4)
}
