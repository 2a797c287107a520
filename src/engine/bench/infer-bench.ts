/**
 * `pfm bench`: inference latency through onnxruntime-node of one-step maps against multi-step flow and
 * diffusion samplers, with the sample quality each configuration buys.
 *
 * For every run, sampler and K of the grid (one-step runs: `onestep`, K = 1, whatever the grid says), the run
 * is exported to ONNX (a temp folder; parity-checked against the engine on seeded inputs) and timed at every
 * batch size after a warm-up: latency p10 / p50 / p90 of producing a batch of samples in data units, and the
 * throughput batch / p50. Multi-step samplers are timed twice:
 * - `fused: true`  — the whole K-step sampler as one graph, one `session.run` (onnx/flow.ts);
 * - `fused: false` — K (Heun: 2K) `session.run` calls of the network graph (x, t) → v, the updates in JS,
 * so the comparison can take the stronger baseline. Quality is the engine's: `evaluateRun` with the same
 * sampler, K and seed — exactly what `pfm eval --run ID --sampler S --steps K [--seed N]` prints.
 *
 * The summary compares, per dataset, the best one-step run (lowest energy) with
 * - the best multi-step configuration: lowest energy at the largest K, timed fused or separate, whichever is
 *   faster at each batch size (latency and energy ratios);
 * - the matched-quality configuration: the fastest (run, sampler, K) whose energy is no worse than the
 *   one-step map's (the speed-up).
 * and, per multi-step (run, sampler) at the largest K, the fused graph against K separate calls.
 */
import {
  DEFAULT_BENCH_GRID,
  DETERMINISTIC_SAMPLER_IDS,
  type DeterministicSamplerId
} from '../../shared/samplers'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'
import type { BenchReportInfo } from '../../shared/api'
import { CancelledError, ConfigError } from '../errors'
import type { EngineContext } from '../context'
import { yieldToEventLoop } from '../context'
import { velocityNetModel } from '../onnx/flow'
import { runPlan } from '../samplers'
import { maxAbsDiff } from '../onnx/runtime'
import { isProviderChoice, PROVIDER_CHOICES, providerLabel, resolveProvider } from '../onnx/providers'
import {
  flowPlan,
  fusedSamplersOf,
  runGraph,
  runGraphKind,
  runStats,
  type FlowPlan,
  type RunGraph
} from '../onnx/run-graph'
import { Rng } from '../rng'
import type { RunStore } from '../store'
import { evaluateRun, openRun, type OpenRun } from '../train/evaluate'
import type { Metrics, Standardization } from '../types'
import { machine as hostMachine } from './peer'
import { benchPeer, type PeerComparison } from './infer-peer'
import {
  BenchError,
  loadSession,
  percentiles,
  timeCalls,
  type InferBenchProgress,
  type Latency
} from './infer-timing'

export {
  BenchError,
  loadSession,
  percentiles,
  sessionOptions,
  timeCalls,
  type InferBenchProgress,
  type Latency
} from './infer-timing'

/** Every sampler with a deterministic graph can be benchmarked. */
export const BENCH_SAMPLERS = DETERMINISTIC_SAMPLER_IDS
export type BenchSampler = DeterministicSamplerId
export type BenchForm = 'unrolled' | 'loop'
export const DEFAULT_BENCH_STEPS: readonly number[] = DEFAULT_BENCH_GRID.steps
export const DEFAULT_BENCH_BATCHES: readonly number[] = DEFAULT_BENCH_GRID.batch
export const DEFAULT_REPEATS = 30
/** The repeats of every configuration are spread over this many rounds through the whole grid. */
export const DEFAULT_ROUNDS = 5
/** Parity inputs per exported graph (the export itself checks 4096; the bench only guards what it times). */
export const BENCH_PARITY_POINTS = 256
const BENCH_INPUT_SEED = 0xbe4c

export interface InferBenchOptions {
  /** Run ids (one-step maps and flows; any number, any datasets). */
  runs: string[]
  /** Default: all four. `onestep` is always measured for one-step runs. */
  samplers?: readonly BenchSampler[]
  /** K of the multi-step samplers. Default 1, 2, 4, 8, 16, 32, 64, 100. */
  steps?: readonly number[]
  /** Default 1, 64, 1024. */
  batch?: readonly number[]
  /** Timed runs per case after the warm-up (default 30). */
  repeats?: number
  /** Rounds through the grid the repeats are spread over (default 5, at most `repeats`). */
  rounds?: number
  /** Untimed runs first (default max(3, repeats / 5)). */
  warmup?: number
  /** …and at least this long (default 100 ms). */
  warmupMs?: number
  /** onnxruntime intra-op threads (default 1, as the PyTorch peer; 0: onnxruntime's own default). */
  threads?: number
  /** Execution provider (default `cpu`; `cuda`, `tensorrt`, `webgpu` where onnxruntime-node has them). */
  ep?: string
  /** Quality seed (default: each run's own seed, as `pfm eval`). */
  seed?: number
  /** Quality sample size (default: the held-out split, as `pfm eval`). */
  evalN?: number
  /** Measure quality (default true). */
  quality?: boolean
  /** Also time the K-separate-calls baseline of multi-step samplers (default true). */
  separate?: boolean
  /** Fused graphs unrolled (default), as one ONNX Loop, or both (each timed). */
  form?: BenchForm | readonly BenchForm[]
  /** Parity inputs per graph (default 256; 0 skips the check). */
  parityPoints?: number
  /** Also run the PyTorch eager peer (../shared/bench/torch_infer.py) and onnxruntime on its architecture. */
  peer?: boolean
  /** Seconds per peer case (torch_infer.py's --seconds; default 2). */
  peerSeconds?: number
  /** Where ../shared lives (peer scripts). */
  sharedDir?: string
  /** Writes bench.json and bench.csv here. */
  outDir?: string
}

/** The held-out figures a benchmark row carries (the mode figures for data with known modes only). */
export type QualityMetrics = Pick<
  Metrics,
  'energy' | 'mmd' | 'precision' | 'recall' | 'coverage' | 'modes' | 'modesCovered' | 'highQuality'
>

export interface BenchResult {
  run: string
  objective: string
  dataset: string
  sampler: BenchSampler
  steps: number
  /** Network evaluations per sample (Heun: 2K; realnvp: its coupling layers). */
  evaluations: number
  batch: number
  /** One `session.run` for the whole sampler (one-step maps: always). */
  fused: boolean
  /** The fused graph's form (null: a one-step graph, or the separate calls). */
  form: BenchForm | null
  latencyMs: Latency
  samplesPerSec: number
  /** Timed runs. */
  runs: number
  /** The engine's held-out metrics for this sampler and K (null with quality off). */
  metrics: QualityMetrics | null
  /** max |ONNX − engine| on the parity inputs, data units (null when skipped). */
  parity: number | null
}

/** The machine a benchmark ran on (as the contract shows it; `threads`: onnxruntime intra-op, 0 = its default). */
export type BenchMachine = BenchReportInfo['machine']

export interface ConfigRef {
  run: string
  objective: string
  sampler: BenchSampler
  steps: number
  energy: number | null
}

export interface BatchComparison {
  batch: number
  onestepP50: number
  /** The best multi-step configuration, timed the faster way. */
  best: { fused: boolean; form: BenchForm | null; p50: number }
  /** best.p50 / onestepP50. */
  latencyRatio: number
  /** The fastest configuration whose energy is ≤ the one-step map's; null when none reaches it. */
  matched: (ConfigRef & { fused: boolean; form: BenchForm | null; p50: number; speedup: number }) | null
}

export interface DatasetComparison {
  dataset: string
  onestep: ConfigRef
  best: ConfigRef
  /** onestep.energy / best.energy (the one-step map's quality cost; null without quality). */
  energyRatio: number | null
  byBatch: BatchComparison[]
}

export interface FusedGain {
  run: string
  sampler: BenchSampler
  steps: number
  batch: number
  /** The faster fused form. */
  form: BenchForm | null
  fusedP50: number
  separateP50: number
  /** separateP50 / fusedP50. */
  speedup: number
}

export interface BenchSummary {
  comparisons: DatasetComparison[]
  /** Fused vs K separate calls, per multi-step (run, sampler) at the largest K. */
  fusedVsSeparate: FusedGain[]
  notes: string[]
}

export interface InferBenchReport {
  machine: BenchMachine
  settings: {
    samplers: BenchSampler[]
    steps: number[]
    batch: number[]
    repeats: number
    rounds: number
    warmup: number
    warmupMs: number
    forms: BenchForm[]
    seed: number | null
    evalN: number | null
    parityPoints: number
  }
  results: BenchResult[]
  /** Run × sampler pairs of the grid a run does not offer. */
  skipped: { run: string; sampler: string; reason: string }[]
  summary: BenchSummary
  peer?: PeerComparison
  /** Files written (with outDir). */
  files?: string[]
}

type Ort = typeof import('onnxruntime-node')

/**
 * The K-separate-calls sampler: the plan (the sampler's traced update rule) run in JS, the network session
 * called once per evaluation on x [batch, d] and t [batch]; de-standardised at the end.
 */
export function separateSampler(
  ort: Ort,
  session: InferenceSession,
  fp: FlowPlan,
  stats: Standardization,
  batch: number
): (z: Float32Array) => Promise<Float32Array> {
  const d = fp.net.dim
  const t = new Float32Array(batch)
  const tDims = [batch]
  const xDims = [batch, d]
  const net = async (input: Float32Array, time: number): Promise<Float32Array> => {
    t.fill(time)
    const r = await session.run({
      x: new ort.Tensor('float32', input, xDims),
      t: new ort.Tensor('float32', t, tDims)
    })
    return r[fp.output]!.data as Float32Array
  }
  return async (z) => {
    const x = await runPlan(fp.plan, z, net)
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * stats.std[i % d]! + stats.mean[i % d]!
    return x
  }
}

function checkIntList(name: string, v: readonly number[], lo: number, hi: number): number[] {
  if (v.length === 0) throw new ConfigError(`--${name}: give at least one value.`)
  for (const x of v)
    if (!(Number.isInteger(x) && x >= lo && x <= hi))
      throw new ConfigError(`--${name}: ${x} is not an integer in [${lo}, ${hi}].`)
  return [...new Set(v)].sort((a, b) => a - b)
}

function pickMetrics(m: Metrics): QualityMetrics {
  const { energy, mmd, precision, recall, coverage, modes, modesCovered, highQuality } = m
  return {
    energy,
    mmd,
    precision,
    recall,
    coverage,
    ...(modes !== undefined ? { modes, modesCovered: modesCovered!, highQuality: highQuality! } : {})
  }
}

/** Runs the benchmark. Progress through `ctx.onProgress`; `ctx.signal` cancels between timed calls. */
export async function benchInference(
  store: RunStore,
  opts: InferBenchOptions,
  ctx: EngineContext<InferBenchProgress> = {}
): Promise<InferBenchReport> {
  if (opts.runs.length === 0) throw new ConfigError('--runs: name at least one run (see `pfm runs`).')
  const samplers = [...new Set(opts.samplers ?? DEFAULT_BENCH_GRID.samplers)]
  for (const s of samplers)
    if (!(BENCH_SAMPLERS as readonly string[]).includes(s))
      throw new ConfigError(`--samplers: "${s}" is not one of ${BENCH_SAMPLERS.join(', ')}.`)
  const stepsGrid = checkIntList('steps', opts.steps ?? DEFAULT_BENCH_STEPS, 1, 10_000)
  const batches = checkIntList('batch', opts.batch ?? DEFAULT_BENCH_BATCHES, 1, 1 << 20)
  const repeats = opts.repeats ?? DEFAULT_REPEATS
  if (!(Number.isInteger(repeats) && repeats >= 1))
    throw new ConfigError(`--repeats: ${repeats} is not a positive integer.`)
  const warmup = opts.warmup ?? Math.max(3, Math.round(repeats / 5))
  if (!(Number.isInteger(warmup) && warmup >= 0))
    throw new ConfigError(`--warmup: ${warmup} is not a non-negative integer.`)
  const rounds = opts.rounds ?? DEFAULT_ROUNDS
  if (!(Number.isInteger(rounds) && rounds >= 1))
    throw new ConfigError(`--rounds: ${rounds} is not a positive integer.`)
  const warmupMs = opts.warmupMs ?? 100
  const threads = opts.threads ?? 1
  if (!(Number.isInteger(threads) && threads >= 0))
    throw new ConfigError(`--threads: ${threads} is not an integer ≥ 0.`)
  const epChoice = opts.ep ?? 'cpu'
  if (!isProviderChoice(epChoice))
    throw new BenchError(
      `--ep ${epChoice}: not an execution provider (choose ${PROVIDER_CHOICES.join(', ')}).`
    )
  const parityPoints = opts.parityPoints ?? BENCH_PARITY_POINTS
  const quality = opts.quality !== false
  const separate = opts.separate !== false
  const forms: BenchForm[] = [
    ...new Set(
      opts.form === undefined
        ? ['unrolled' as const]
        : typeof opts.form === 'string'
          ? [opts.form]
          : opts.form
    )
  ]
  if (forms.length === 0 || forms.some((f) => f !== 'unrolled' && f !== 'loop'))
    throw new ConfigError(`--form: choose unrolled, loop or both.`)
  const signal = ctx.signal
  const ort: Ort = await import('onnxruntime-node')
  // The execution provider creates a session here (probed once per process), or the bench stops with its
  // one-line reason before any run is opened.
  let resolved: Awaited<ReturnType<typeof resolveProvider>>
  try {
    resolved = await resolveProvider(ort, epChoice)
  } catch (e) {
    // The refusal starts with the provider's name: `--ep webgpu: no adapter (…)`.
    throw new BenchError(`--ep ${e instanceof Error ? e.message : String(e)}`)
  }
  const ep = resolved.provider
  for (const why of resolved.skipped) ctx.log?.(`--ep auto: skipped ${why}`)
  if (ep === 'webgpu' && forms.includes('loop'))
    ctx.log?.(
      '--form loop on webgpu: the provider registers no Loop kernel, so the loop runs on the CPU provider'
    )

  // Plan the work first (opens every run: unknown ids fail before anything is timed).
  interface Case {
    runId: string
    sampler: BenchSampler
    steps: number
  }
  const cases: Case[] = []
  const skipped: InferBenchReport['skipped'] = []
  const opened = new Map<string, OpenRun>()
  const sessions: InferenceSession[] = []
  const velocitySessions = new Map<string, InferenceSession>()
  const results: BenchResult[] = []
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bench-'))
  try {
    for (const id of [...new Set(opts.runs)]) {
      const open = await openRun(store, id)
      opened.set(id, open)
      const kind = runGraphKind(open, id)
      runStats(open, id)
      if (kind !== 'flow') {
        cases.push({ runId: id, sampler: 'onestep', steps: 1 })
        continue
      }
      const offered = fusedSamplersOf(open)
      for (const s of samplers) {
        if (s === 'onestep') continue
        if (!(offered as string[]).includes(s)) {
          skipped.push({
            run: id,
            sampler: s,
            reason: `${open.config.objective} samples with ${offered.join(', ')}`
          })
          continue
        }
        for (const k of stepsGrid) cases.push({ runId: id, sampler: s, steps: k })
      }
    }
    const unitsPerCase = (c: Case): number =>
      (c.sampler === 'onestep' ? 1 : forms.length + (separate ? 1 : 0)) * batches.length
    const total = cases.reduce((n, c) => n + unitsPerCase(c) * rounds + (quality ? 1 : 0), 0)
    let done = 0
    const progress = (phase: string): void => ctx.onProgress?.({ done, total, phase })

    const inputs = new Map<string, Float32Array>()
    const inputFor = (rows: number, cols: number): Float32Array => {
      const key = `${rows}x${cols}`
      let z = inputs.get(key)
      if (!z) {
        z = new Rng(BENCH_INPUT_SEED ^ rows).normals(rows * cols)
        inputs.set(key, z)
      }
      return z
    }

    // 1. Export, load, check and score every case; one timing unit per (case, batch, fused/separate).
    interface Unit {
      row: Omit<BenchResult, 'latencyMs' | 'samplesPerSec' | 'runs'>
      label: string
      fn: () => Promise<unknown>
      times: number[]
    }
    const units: Unit[] = []
    for (const c of cases) {
      if (signal?.aborted) throw new CancelledError('Benchmark cancelled.')
      const open = opened.get(c.runId)!
      const stats = runStats(open, c.runId)
      const label = `${c.runId} ${c.sampler}${c.sampler === 'onestep' ? '' : ` K=${c.steps}`}`
      const variants: { form: BenchForm | null; graph: RunGraph }[] =
        c.sampler === 'onestep'
          ? [{ form: null, graph: runGraph(open, c.runId, stats) }]
          : forms.map((form) => ({
              form,
              graph: runGraph(open, c.runId, stats, { sampler: c.sampler, steps: c.steps, form })
            }))
      const graph0 = variants[0]!.graph
      const inName = graph0.inputs[0]!.name
      const outName = graph0.outputs[0]!.name
      const latentDim = Number(graph0.inputs[0]!.shape[1])
      const ways: {
        form: BenchForm | null
        fused: boolean
        sample: (z: Float32Array, n: number) => Promise<unknown>
      }[] = []
      for (const v of variants) {
        const file = path.join(tmp, `${c.runId}-${c.sampler}-${c.steps}-${v.form ?? 'map'}.onnx`)
        fs.writeFileSync(file, v.graph.bytes)
        const session = await loadSession(ort, file, threads, ep)
        sessions.push(session)
        ways.push({
          form: v.form,
          fused: true,
          sample: async (z, n) =>
            (await session.run({ [inName]: new ort.Tensor('float32', z, [n, latentDim]) }))[outName]!
              .data as Float32Array
        })
      }
      let separateFor: ((batch: number) => (z: Float32Array) => Promise<Float32Array>) | null = null
      if (c.sampler !== 'onestep' && separate) {
        const fp = flowPlan(open, c.runId, c.sampler, c.steps)
        let vsession = velocitySessions.get(c.runId)
        if (!vsession) {
          const vfile = path.join(tmp, `${c.runId}-velocity.onnx`)
          fs.writeFileSync(vfile, velocityNetModel(fp.net, fp.output).bytes)
          vsession = await loadSession(ort, vfile, threads, ep)
          velocitySessions.set(c.runId, vsession)
        }
        const vs = vsession
        separateFor = (batch) => separateSampler(ort, vs, fp, stats, batch)
        ways.push({ form: null, fused: false, sample: (z, n) => separateFor!(n)(z) })
      }

      // Parity: what is timed computes the engine's samples.
      let parity: number | null = null
      if (parityPoints > 0) {
        progress(`${label}: parity`)
        const feeds = graph0.parityFeeds(parityPoints, new Rng(BENCH_INPUT_SEED))
        const ref = graph0.reference(feeds)
        const tol = graph0.tolerance(ref)
        const z = feeds[inName]!.data
        parity = 0
        for (const w of ways)
          parity = Math.max(parity, maxAbsDiff((await w.sample(z, parityPoints)) as Float32Array, ref))
        if (!(parity <= tol)) {
          if (ep === 'cpu')
            throw new BenchError(
              `${label}: onnxruntime's samples differ from the engine's by ${parity.toExponential(2)} ` +
                `(tolerance ${tol.toExponential(2)}); not timing a graph that computes something else.`
            )
          ctx.log?.(`${label}: parity ${parity.toExponential(2)} above the CPU tolerance on ${ep}`)
        }
      }

      let metrics: QualityMetrics | null = null
      if (quality) {
        progress(`${label}: quality`)
        const r = await evaluateRun(store, c.runId, {
          sampler: c.sampler,
          steps: c.steps,
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.evalN !== undefined ? { n: opts.evalN } : {})
        })
        metrics = pickMetrics(r.metrics)
        done++
      }

      for (const batch of batches) {
        const z = inputFor(batch, latentDim)
        for (const w of ways) {
          // the separate-calls sampler keeps its buffers per batch size
          const sep = w.fused ? null : separateFor!(batch)
          units.push({
            row: {
              run: c.runId,
              objective: open.config.objective,
              dataset: open.config.dataset.name,
              sampler: c.sampler,
              steps: c.steps,
              evaluations: graph0.evaluations,
              batch,
              fused: w.fused,
              form: w.form,
              metrics,
              parity
            },
            label:
              `${label} batch ${batch}` +
              (c.sampler === 'onestep'
                ? ''
                : w.fused
                  ? ` fused${forms.length > 1 ? ` (${w.form})` : ''}`
                  : ' separate'),
            fn: sep ? () => sep(z) : () => w.sample(z, batch),
            times: []
          })
        }
      }
    }

    // 2. Warm every unit up, then time them in rounds, each round a share of the repeats of every unit: load
    //    that comes and goes on a shared machine then falls on all configurations alike.
    for (const u of units) {
      progress(`warm-up: ${u.label}`)
      await timeCalls(u.fn, { warmup, warmupMs, repeats: 0, signal })
      await yieldToEventLoop()
    }
    for (let k = 0; k < rounds; k++) {
      const share = Math.ceil((repeats * (k + 1)) / rounds) - Math.ceil((repeats * k) / rounds)
      for (const u of units) {
        if (share === 0) continue
        progress(`round ${k + 1}/${rounds}: ${u.label}`)
        u.times.push(...(await timeCalls(u.fn, { warmup: 0, repeats: share, signal })))
        await yieldToEventLoop()
      }
      done += units.length
    }
    for (const u of units) {
      const latencyMs = percentiles(u.times)
      results.push({
        ...u.row,
        latencyMs,
        samplesPerSec: round(u.row.batch / (latencyMs.p50 / 1000), 1),
        runs: u.times.length
      })
    }
  } finally {
    for (const s of [...sessions, ...velocitySessions.values()]) await s.release()
    for (const o of opened.values()) o.dispose()
    fs.rmSync(tmp, { recursive: true, force: true })
  }

  const report: InferBenchReport = {
    machine: {
      ...hostMachine(),
      platform: `${os.platform()} ${os.arch()}`,
      threads,
      ort: ort.env.versions.common,
      ep: providerLabel(resolved)
    },
    settings: {
      samplers,
      steps: stepsGrid,
      batch: batches,
      repeats,
      rounds,
      warmup,
      warmupMs,
      forms,
      seed: opts.seed ?? null,
      evalN: opts.evalN ?? null,
      parityPoints
    },
    results,
    skipped,
    summary: summarize(results)
  }
  if (opts.peer) {
    ctx.onProgress?.({ done: 1, total: 1, phase: 'PyTorch peer' })
    report.peer = await benchPeer(
      {
        batches,
        threads: Math.max(1, threads),
        ep,
        seconds: opts.peerSeconds ?? 2,
        ...(opts.sharedDir ? { sharedDir: opts.sharedDir } : {})
      },
      ctx
    )
  }
  if (opts.outDir) report.files = writeBenchFiles(report, opts.outDir)
  return report
}

/** The summary of a result table (pure). */
export function summarize(results: readonly BenchResult[]): BenchSummary {
  const notes: string[] = []
  const comparisons: DatasetComparison[] = []
  const energyOf = (r: BenchResult): number | null => r.metrics?.energy ?? null
  const ref = (r: BenchResult): ConfigRef => ({
    run: r.run,
    objective: r.objective,
    sampler: r.sampler,
    steps: r.steps,
    energy: energyOf(r)
  })
  const datasets = [...new Set(results.map((r) => r.dataset))]
  for (const ds of datasets) {
    const rows = results.filter((r) => r.dataset === ds)
    const one = rows.filter((r) => r.sampler === 'onestep')
    const multi = rows.filter((r) => r.sampler !== 'onestep')
    if (one.length === 0 || multi.length === 0) {
      notes.push(`${ds}: no ${one.length === 0 ? 'one-step' : 'multi-step'} run to compare with.`)
      continue
    }
    // The one-step run: lowest energy (the first without quality).
    const oneRuns = [...new Set(one.map((r) => r.run))]
    const oneBest = oneRuns
      .map((id) => one.find((r) => r.run === id)!)
      .reduce((a, b) => ((energyOf(b) ?? Infinity) < (energyOf(a) ?? Infinity) ? b : a))
    // The best multi-step configuration: lowest energy at the largest K.
    const kMax = Math.max(...multi.map((r) => r.steps))
    const atMax = multi.filter((r) => r.steps === kMax)
    const bestRow = atMax.reduce((a, b) => ((energyOf(b) ?? Infinity) < (energyOf(a) ?? Infinity) ? b : a))
    const same = (a: BenchResult, b: BenchResult): boolean =>
      a.run === b.run && a.sampler === b.sampler && a.steps === b.steps
    const e1 = energyOf(oneBest)
    const eBest = energyOf(bestRow)
    const configs = new Map<string, BenchResult[]>()
    for (const r of multi) {
      const key = `${r.run}|${r.sampler}|${r.steps}`
      configs.set(key, [...(configs.get(key) ?? []), r])
    }
    const byBatch: BatchComparison[] = []
    for (const batch of [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b)) {
      const o = one.find((r) => r.run === oneBest.run && r.batch === batch)
      const bestTimed = multi.filter((r) => same(r, bestRow) && r.batch === batch)
      if (!o || bestTimed.length === 0) continue
      const fastest = (rs: BenchResult[]): BenchResult =>
        rs.reduce((a, b) => (b.latencyMs.p50 < a.latencyMs.p50 ? b : a))
      const b = fastest(bestTimed)
      let matched: BatchComparison['matched'] = null
      if (e1 !== null) {
        const ok = multi.filter((r) => r.batch === batch && energyOf(r) !== null && energyOf(r)! <= e1)
        if (ok.length > 0) {
          const m = fastest(ok)
          matched = {
            ...ref(m),
            fused: m.fused,
            form: m.form,
            p50: m.latencyMs.p50,
            speedup: round(m.latencyMs.p50 / o.latencyMs.p50, 2)
          }
        }
      }
      byBatch.push({
        batch,
        onestepP50: o.latencyMs.p50,
        best: { fused: b.fused, form: b.form, p50: b.latencyMs.p50 },
        latencyRatio: round(b.latencyMs.p50 / o.latencyMs.p50, 2),
        matched
      })
    }
    if (e1 !== null && byBatch.every((b) => b.matched === null))
      notes.push(
        `${ds}: no multi-step configuration of the grid reaches the one-step map's energy ${fmt(e1)}; ` +
          `the matched-quality speed-up is above every latency ratio measured.`
      )
    comparisons.push({
      dataset: ds,
      onestep: ref(oneBest),
      best: ref(bestRow),
      energyRatio: e1 !== null && eBest !== null ? round(e1 / eBest, 3) : null,
      byBatch
    })
  }
  const fusedVsSeparate: FusedGain[] = []
  const pairs = new Map<string, BenchResult[]>()
  for (const r of results) {
    if (r.sampler === 'onestep') continue
    const key = `${r.run}|${r.sampler}`
    pairs.set(key, [...(pairs.get(key) ?? []), r])
  }
  for (const rs of pairs.values()) {
    const kMax = Math.max(...rs.map((r) => r.steps))
    for (const batch of [...new Set(rs.map((r) => r.batch))].sort((a, b) => a - b)) {
      const fs = rs.filter((r) => r.steps === kMax && r.batch === batch && r.fused)
      const s = rs.find((r) => r.steps === kMax && r.batch === batch && !r.fused)
      if (fs.length === 0 || !s) continue
      const f = fs.reduce((a, b) => (b.latencyMs.p50 < a.latencyMs.p50 ? b : a))
      fusedVsSeparate.push({
        run: f.run,
        sampler: f.sampler,
        steps: kMax,
        batch,
        form: f.form,
        fusedP50: f.latencyMs.p50,
        separateP50: s.latencyMs.p50,
        speedup: round(s.latencyMs.p50 / f.latencyMs.p50, 2)
      })
    }
  }
  return { comparisons, fusedVsSeparate, notes }
}

export const CSV_COLUMNS = [
  'run',
  'objective',
  'dataset',
  'sampler',
  'steps',
  'evaluations',
  'batch',
  'fused',
  'form',
  'p10_ms',
  'p50_ms',
  'p90_ms',
  'samples_per_sec',
  'energy',
  'mmd',
  'precision',
  'recall',
  'coverage',
  'modes',
  'modes_covered',
  'high_quality',
  'parity'
] as const

/** The result table as CSV (one header line, one line per result). */
export function benchCsv(results: readonly BenchResult[]): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
  const lines = results.map((r) =>
    [
      r.run,
      r.objective,
      r.dataset,
      r.sampler,
      r.steps,
      r.evaluations,
      r.batch,
      r.fused,
      r.form,
      r.latencyMs.p10,
      r.latencyMs.p50,
      r.latencyMs.p90,
      r.samplesPerSec,
      r.metrics?.energy,
      r.metrics?.mmd,
      r.metrics?.precision,
      r.metrics?.recall,
      r.metrics?.coverage,
      r.metrics?.modes,
      r.metrics?.modesCovered,
      r.metrics?.highQuality,
      r.parity
    ]
      .map(cell)
      .join(',')
  )
  return [CSV_COLUMNS.join(','), ...lines].join('\n') + '\n'
}

/** Writes bench.json and bench.csv into `dir` (created if needed); returns their paths. */
export function writeBenchFiles(report: InferBenchReport, dir: string): string[] {
  const d = path.resolve(dir)
  fs.mkdirSync(d, { recursive: true })
  const json = path.join(d, 'bench.json')
  const csv = path.join(d, 'bench.csv')
  const files = [json, csv]
  fs.writeFileSync(json, JSON.stringify({ ...report, files }, null, 2) + '\n')
  fs.writeFileSync(csv, benchCsv(report.results))
  return files
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

function fmt(v: number): string {
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3)
}
