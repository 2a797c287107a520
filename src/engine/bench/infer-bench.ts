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
 *
 * This file is the orchestration; beside it: the option checks (infer-options.ts), the separate-calls sampler
 * (infer-separate.ts), the timing and statistics (infer-timing.ts, infer-summary.ts), the files
 * (infer-files.ts), the report's types (infer-types.ts) and the PyTorch peer (infer-peer.ts).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'
import { CancelledError } from '../errors'
import type { EngineContext } from '../context'
import { yieldToEventLoop } from '../context'
import { velocityNetModel } from '../onnx/flow'
import { maxAbsDiff } from '../onnx/runtime'
import { providerLabel, resolveProvider } from '../onnx/providers'
import {
  MAX_JUMPS,
  flowPlan,
  fusedSamplersOf,
  runGraph,
  runGraphKind,
  runStats,
  type RunGraph
} from '../onnx/run-graph'
import { Rng } from '../rng'
import type { RunStore } from '../store'
import { evaluateRun, openRun, type OpenRun } from '../train/evaluate'
import type { Metrics } from '../types'
import { writeBenchFiles } from './infer-files'
import { checkOptions } from './infer-options'
import { benchPeer } from './infer-peer'
import { separateSampler } from './infer-separate'
import { summarize } from './infer-summary'
import {
  BenchError,
  loadSession,
  percentiles,
  round,
  timeCalls,
  type InferBenchProgress
} from './infer-timing'
import type { BenchConfigProgress } from '../../shared/api'
import type {
  BenchForm,
  BenchResult,
  BenchSampler,
  InferBenchOptions,
  InferBenchReport,
  QualityMetrics
} from './infer-types'
import { machine as hostMachine } from './peer'

const BENCH_INPUT_SEED = 0xbe4c

type Ort = typeof import('onnxruntime-node')

function pickMetrics(m: Metrics): QualityMetrics {
  const { energy, mmd, precision, recall, coverage, modes, modesCovered, highQuality } = m
  return {
    energy,
    mmd,
    precision,
    recall,
    coverage,
    ...(modes !== undefined ? { modes, modesCovered: modesCovered!, highQuality: highQuality! } : {}),
    ...(m.image ? { fd: m.image.fd, fdFeatures: m.image.features ?? 'classes' } : {})
  }
}

/** Runs the benchmark. Progress through `ctx.onProgress`; `ctx.signal` cancels between timed calls. */
export async function benchInference(
  store: RunStore,
  opts: InferBenchOptions,
  ctx: EngineContext<InferBenchProgress> = {}
): Promise<InferBenchReport> {
  const settings = checkOptions(opts)
  const { samplers, stepsGrid, batches, repeats, warmup, rounds, warmupMs, threads, epChoice } = settings
  const { parityPoints, quality, separate, forms } = settings
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
    /** A few-step run's K jumps: one chain of networks, no loop form and no separate calls. */
    jumps?: boolean
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
        // The one-step flow families also sample in K > 1 jumps of the same network (their euler).
        if (kind === 'jumps' && samplers.includes('euler'))
          for (const k of stepsGrid)
            if (k > 1 && k <= MAX_JUMPS) cases.push({ runId: id, sampler: 'euler', steps: k, jumps: true })
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
      (c.sampler === 'onestep' || c.jumps ? 1 : forms.length + (separate ? 1 : 0)) * batches.length
    // The work, in configurations (the report's rows) × stages: each is prepared (exported, checked, scored),
    // warmed up and timed in every round; each stage counts as it ends, so the share done moves within a stage.
    const configurations = cases.reduce((n, c) => n + unitsPerCase(c), 0)
    const total = configurations * (rounds + 2)
    let done = 0
    let stage: BenchConfigProgress = { stage: 'prepare', done: 0, total: configurations }
    const progress = (phase: string): void =>
      ctx.onProgress?.({ done, total, phase, configurations: { ...stage } })

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
      stage = { stage: 'prepare', done: units.length, total: configurations }
      const open = opened.get(c.runId)!
      const stats = runStats(open, c.runId)
      const label = `${c.runId} ${c.sampler}${c.sampler === 'onestep' ? '' : ` K=${c.steps}`}`
      const variants: { form: BenchForm | null; graph: RunGraph }[] =
        c.sampler === 'onestep'
          ? [{ form: null, graph: runGraph(open, c.runId, stats) }]
          : c.jumps
            ? [{ form: null, graph: runGraph(open, c.runId, stats, { sampler: c.sampler, steps: c.steps }) }]
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
      if (c.sampler !== 'onestep' && !c.jumps && separate) {
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
              (c.sampler === 'onestep' || c.jumps
                ? ''
                : w.fused
                  ? ` fused${forms.length > 1 ? ` (${w.form})` : ''}`
                  : ' separate'),
            fn: sep ? () => sep(z) : () => w.sample(z, batch),
            times: []
          })
        }
      }
      // this case's configurations are prepared
      done = units.length
    }

    // 2. Warm every unit up, then time them in rounds, each round a share of the repeats of every unit: load
    //    that comes and goes on a shared machine then falls on all configurations alike.
    for (const [i, u] of units.entries()) {
      stage = { stage: 'warm-up', done: i, total: configurations }
      progress(`warm-up: ${u.label}`)
      await timeCalls(u.fn, { warmup, warmupMs, repeats: 0, signal })
      await yieldToEventLoop()
      done++
    }
    for (let k = 0; k < rounds; k++) {
      const share = Math.ceil((repeats * (k + 1)) / rounds) - Math.ceil((repeats * k) / rounds)
      for (const [i, u] of units.entries()) {
        if (share > 0) {
          stage = { stage: 'timing', done: i, total: configurations, round: k + 1, rounds }
          progress(`round ${k + 1}/${rounds}: ${u.label}`)
          u.times.push(...(await timeCalls(u.fn, { warmup: 0, repeats: share, signal })))
          await yieldToEventLoop()
        }
        done++
      }
    }
    stage = { stage: 'timing', done: units.length, total: configurations, round: rounds, rounds }
    progress('timed')
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
