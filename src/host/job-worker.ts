/**
 * A job worker: one training job in its own process, so a long or crashing job never blocks or takes down the
 * host. Started by `jobs.ts` — with `child_process.fork` (web host, tests; run through tsx) or Electron's
 * `utilityProcess.fork` (the built bundle). Talks over whichever channel it has: `process.parentPort`
 * (utility process) or `process.send` (fork). Plain Node: no Electron import.
 *
 * It receives one `train` message, streams `progress`/`snapshot` messages, and ends with `done` or `error`; or
 * one `bench` message, streams `bench-progress`, saves the report (benchmarks.ts) and ends with `bench-done` or
 * `error`. `cancel` aborts the work through its AbortSignal.
 */
import { invertStandardization } from '../engine/data'
import { CancelledError, isEngineError } from '../engine/errors'
import { initBackend } from '../engine/backend'
import { findObjective } from '../engine/objectives/registry'
import { chooseTrainer } from '../engine/ort'
import { archOf } from '../engine/models/nets'
import { RunStore } from '../engine/store'
import { resolveRunDataset } from '../engine/train/evaluate'
import { trainRun, type TrainProgress } from '../engine/train/train'
import { resumeRun } from '../engine/train/resume'
import type { Points } from '../engine/types'
import { benchInference } from '../engine/bench/infer-bench'
import { runDemo } from '../engine/demo'
import { BenchLibrary } from './benchmarks'
import type { FromWorker, ToWorker } from './job-protocol'
import { metricsInfo } from './runs'

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

/** Sends one message; `sent` runs once it has left the process (at once for a utility process, after a grace). */
function post(msg: FromWorker, sent?: () => void): void {
  if (parentPort) {
    parentPort.postMessage(msg)
    if (sent) setTimeout(sent, 100)
  } else if (process.send) {
    process.send(msg, undefined, undefined, () => sent?.())
  } else {
    sent?.()
  }
}

function onMessage(listener: (msg: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data as ToWorker))
  else process.on('message', (m) => listener(m as ToWorker))
}

const controller = new AbortController()
let started = false
let runId: string | null = null

async function train(job: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { config } = job
  const ds = resolveRunDataset(config)
  const backend = await initBackend(config.backend)
  // The regressions train on onnxruntime where it loads (TensorFlow.js samples and scores them).
  const { trainer } = await chooseTrainer(
    findObjective(config.objective),
    config.backend,
    undefined,
    archOf(config.model)
  )
  post({ type: 'backend', backend: trainer === 'onnxruntime' ? 'onnxruntime' : backend.id })
  if (controller.signal.aborted) throw new CancelledError('Training cancelled before it started.')
  const store = new RunStore(job.runsDir)
  const ctx = {
    signal: controller.signal,
    log: (message: string) => post({ type: 'log', message }),
    onProgress: (p: TrainProgress) => {
      if (p.runId && runId === null) {
        runId = p.runId
        if (job.name) store.rename(runId, job.name)
        post({ type: 'run', runId })
      }
      post({
        type: 'progress',
        runId: p.runId,
        step: p.step,
        steps: p.steps,
        loss: p.loss,
        samplesPerSec: p.samplesPerSec,
        etaMs: p.etaMs,
        ...(p.metrics ? { metrics: metricsInfo(p.metrics) } : {})
      })
    },
    preview: {
      everyMs: job.preview.everyMs,
      n: job.preview.n,
      onPreview: (step: number, pts: Points) =>
        post({ type: 'snapshot', step, dim: pts.d, points: Array.from(pts.data) })
    }
  }
  const result = job.resume
    ? await resumeRun(store, job.resume, ctx)
    : await trainRun(ds, config, { store, ...ctx })
  // The final snapshot: the samples the metrics were measured on, in data units.
  const { samples, standardization } = result
  const n = Math.min(job.preview.n, samples.n)
  const head = { n, d: samples.d, data: samples.data.subarray(0, n * samples.d) }
  const points = Array.from(invertStandardization(head, standardization).data)
  post({ type: 'snapshot', step: config.steps, dim: samples.d, points })
  post({ type: 'done', runId: result.runId, metrics: metricsInfo(result.metrics) }, () => process.exit(0))
}

async function bench(job: Extract<ToWorker, { type: 'bench' }>): Promise<void> {
  const backend = await initBackend('auto')
  post({ type: 'backend', backend: backend.id })
  const store = new RunStore(job.runsDir)
  const report = await benchInference(store, job.options, {
    signal: controller.signal,
    onProgress: (p) =>
      post({
        type: 'bench-progress',
        done: p.done,
        total: p.total,
        phase: p.phase,
        ...(p.configurations ? { configurations: p.configurations } : {})
      })
  })
  if (controller.signal.aborted) throw new CancelledError('Benchmark cancelled.')
  new BenchLibrary(job.benchDir).save(
    { id: job.id, title: job.title, createdAt: new Date().toISOString(), runs: job.options.runs },
    report
  )
  post({ type: 'bench-done', benchId: job.id }, () => process.exit(0))
}

async function demo(job: Extract<ToWorker, { type: 'demo' }>): Promise<void> {
  const backend = await initBackend('auto')
  post({ type: 'backend', backend: backend.id })
  const store = new RunStore(job.runsDir)
  const announced = new Set<string>()
  const report = await runDemo(
    store,
    { budget: job.budget },
    {
      signal: controller.signal,
      onProgress: (p) => {
        post({ type: 'bench-progress', done: Math.round(1000 * p.fraction), total: 1000, phase: p.phase })
        for (const id of p.runs ?? [])
          if (!announced.has(id)) {
            announced.add(id)
            post({ type: 'run', runId: id })
          }
      }
    }
  )
  if (controller.signal.aborted) throw new CancelledError('Demo cancelled.')
  const runs = [report.runs.statistics, report.runs.flow, report.runs.distilled]
  new BenchLibrary(job.benchDir).save(
    { id: job.id, title: job.title, createdAt: new Date().toISOString(), runs },
    report.bench
  )
  post({ type: 'bench-done', benchId: job.id }, () => process.exit(0))
}

// An orphaned worker (its host gone) stops rather than training for no one.
process.on('disconnect', () => process.exit(1))

onMessage((msg) => {
  if (msg.type === 'cancel') {
    controller.abort()
    return
  }
  if (started) return
  started = true
  const work = msg.type === 'train' ? train(msg) : msg.type === 'bench' ? bench(msg) : demo(msg)
  work.catch((e: unknown) => {
    const engine = isEngineError(e)
    if (!engine) console.error(e)
    const message = e instanceof Error ? e.message : String(e)
    post(
      {
        type: 'error',
        runId,
        code: engine ? e.code : 'INTERNAL',
        message: engine
          ? message
          : `Internal error in the ${{ train: 'training', bench: 'benchmark', demo: 'demo' }[msg.type]} process: ${message}`
      },
      () => process.exit(engine ? 0 : 1)
    )
  })
})
