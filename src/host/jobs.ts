/**
 * Training and benchmark jobs, each in its own worker process (see job-worker.ts), behind a FIFO queue: any number can be
 * queued, `maxConcurrent` (1–2) run at once. The manager turns worker messages into `JobInfo` updates —
 * throttled to a few per second per job, with a thinned loss curve, the evaluation metrics and the latest sample
 * snapshot — and reports them through `onUpdate`; `onRunsChanged` fires when a job's run appears or ends.
 *
 * Cancel removes a queued job, or asks a running worker to stop (AbortSignal in the worker) and kills it
 * (SIGKILL) after a grace period. A worker that exits without its final message is a failed job with a sentence
 * saying so; its run, left `running` by a dead process, reads back as `crashed` from the store.
 *
 * How a worker starts is injected (`SpawnWorker`): `forkWorker()` runs the TypeScript worker with Node + tsx
 * (web host, tests); the Electron main process passes a `utilityProcess.fork` of the built bundle.
 */
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { JobInfo } from '../shared/api'
import { benchProgressText } from '../shared/bench-progress'
import type { RunConfig } from '../engine/train/config'
import { RunStore } from '../engine/store'
import type { InferBenchOptions } from '../engine/bench/infer-types'
import { HostError } from './errors'
import type { FromWorker, ToWorker } from './job-protocol'

/** One worker process, as the manager sees it. */
export interface WorkerHandle {
  readonly pid: number | undefined
  send(msg: ToWorker): void
  onMessage(listener: (msg: FromWorker) => void): void
  /** Called once when the process has ended (or could not start: code null, signal null). */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** Ends the process at once (SIGKILL). */
  kill(): void
}

export type SpawnWorker = () => WorkerHandle

/** What a training job runs: a validated run config (see `makeRunConfig`). */
export interface TrainJobSpec {
  title: string
  config: RunConfig
  /** Display name of the run. */
  name?: string
  /** Continue this stopped run from its checkpoint (at `step`) instead of creating one. */
  resume?: { runId: string; step: number }
}

/** What a benchmark job runs: the engine's `benchInference` options (already validated). */
export interface BenchJobSpec {
  title: string
  options: Omit<InferBenchOptions, 'outDir'>
  /** Where completed benchmarks are saved (`<benchDir>/<jobId>/`). */
  benchDir: string
}

/** The demo (engine/demo): three trainings and a benchmark, saved like a benchmark job's. */
export interface DemoJobSpec {
  title: string
  budget: 'full' | 'tiny'
  benchDir: string
}

type JobSpec =
  ({ kind: 'train' } & TrainJobSpec) | ({ kind: 'bench' } & BenchJobSpec) | ({ kind: 'demo' } & DemoJobSpec)

export interface JobManagerOptions {
  spawn: SpawnWorker
  /** The run store's root, where workers create their runs. */
  runsDir: string
  /** Jobs running at once: 1 (default) or 2. */
  maxConcurrent?: number
  /** How long a cancelled worker may take to stop before it is killed (default 5 s). */
  cancelGraceMs?: number
  /** Least time between two updates of one job (default 250 ms); status changes are sent at once. */
  throttleMs?: number
  /** Sample snapshots: every `everyMs` (default 3 s), `n` points (default 1000). */
  preview?: { everyMs: number; n: number }
  /** Finished jobs kept in `list()` (default 50). */
  keepFinished?: number
  onUpdate(job: JobInfo): void
  onRunsChanged(runId: string): void
  /** A benchmark was saved. */
  onBenchSaved?(benchId: string): void
}

/** Points kept in a job's loss curve; beyond, every other one is dropped. */
export const MAX_CURVE_POINTS = 400

interface Job {
  info: JobInfo
  spec: JobSpec
  worker: WorkerHandle | null
  cancelRequested: boolean
  /** The worker sent `done` or `error`. */
  settled: boolean
  killTimer: ReturnType<typeof setTimeout> | null
  lastEmit: number
  emitTimer: ReturnType<typeof setTimeout> | null
  exited: Promise<void>
  markExited: () => void
}

const TERMINAL: readonly JobInfo['status'][] = ['completed', 'failed', 'cancelled']

/**
 * What a killed worker's run has on disk, as the store reads it back (a sentence starting with a space): its
 * checkpoint step (weights for eval, sample and export; resumable or not), or that it had none yet.
 */
export function runOnDisk(runsDir: string, runId: string): string {
  let checkpoint: { step: number; resumable: boolean } | null | undefined
  try {
    checkpoint = new RunStore(runsDir).load(runId).checkpoint
  } catch (e) {
    return ` Run ${runId} cannot be read back: ${e instanceof Error ? e.message : String(e)}`
  }
  if (!checkpoint)
    return ` Run ${runId} shows as crashed; it stopped before its first checkpoint, so no weights were saved.`
  return (
    ` Run ${runId} shows as crashed with its checkpoint at step ${checkpoint.step}: its weights there can be` +
    ` evaluated, sampled and exported${checkpoint.resumable ? ', and it can be resumed' : ''}.`
  )
}

export class JobManager {
  private readonly jobs = new Map<string, Job>()
  private readonly queue: Job[] = []
  private running = 0
  private seq = 0
  private closed = false
  private readonly maxConcurrent: number
  private readonly graceMs: number
  private readonly throttleMs: number
  private readonly preview: { everyMs: number; n: number }
  private readonly keepFinished: number

  constructor(private readonly opts: JobManagerOptions) {
    const max = opts.maxConcurrent ?? 1
    if (!Number.isInteger(max) || max < 1 || max > 2)
      throw new HostError('CONFIG', `maxConcurrent must be 1 or 2, got ${max}.`)
    this.maxConcurrent = max
    this.graceMs = opts.cancelGraceMs ?? 5000
    this.throttleMs = opts.throttleMs ?? 250
    this.preview = opts.preview ?? { everyMs: 3000, n: 1000 }
    this.keepFinished = opts.keepFinished ?? 50
  }

  /** Queues a training job; it starts as soon as a slot is free. */
  enqueueTrain(spec: TrainJobSpec): JobInfo {
    const info = this.enqueue({ kind: 'train', ...spec }, spec.config.steps)
    if (!spec.resume) return info
    // A resumed run is known from the start, and so is where it stands.
    const job = this.jobs.get(info.id)!
    job.info.runId = spec.resume.runId
    job.info.step = spec.resume.step
    this.emit(job)
    return copy(job.info)
  }

  /** Queues a benchmark job; `steps` counts its timed configurations once the worker knows them. */
  enqueueBench(spec: BenchJobSpec): JobInfo {
    return this.enqueue({ kind: 'bench', ...spec }, 0)
  }

  /** Queues the demo; its progress is in thousandths, its stage in `phase`. */
  enqueueDemo(spec: DemoJobSpec): JobInfo {
    return this.enqueue({ kind: 'demo', ...spec }, 1000)
  }

  private enqueue(spec: JobSpec, steps: number): JobInfo {
    if (this.closed) throw new HostError('NOT_SUPPORTED', 'The host is shutting down; no new jobs start.')
    const id = `job-${Date.now().toString(36)}-${(++this.seq).toString(36)}`
    let markExited = (): void => {}
    const exited = new Promise<void>((resolve) => (markExited = resolve))
    const job: Job = {
      info: {
        id,
        kind: spec.kind,
        status: 'queued',
        title: spec.title,
        runId: null,
        step: 0,
        steps,
        loss: null,
        samplesPerSec: null,
        etaMs: null,
        backend: null,
        lossCurve: [],
        evalCurve: [],
        snapshot: null,
        error: null,
        createdAt: new Date().toISOString(),
        phase: null,
        benchId: null,
        configurations: null
      },
      spec,
      worker: null,
      cancelRequested: false,
      settled: false,
      killTimer: null,
      lastEmit: 0,
      emitTimer: null,
      exited,
      markExited
    }
    this.jobs.set(id, job)
    this.queue.push(job)
    this.emit(job)
    this.pump()
    return copy(job.info)
  }

  /** Every job still known: running and queued first (in queue order), then finished ones, newest first. */
  list(): JobInfo[] {
    const all = [...this.jobs.values()]
    const rank = (j: Job): number => (j.info.status === 'running' ? 0 : j.info.status === 'queued' ? 1 : 2)
    const live = all.filter((j) => rank(j) < 2).sort((a, b) => rank(a) - rank(b))
    const done = all.filter((j) => rank(j) === 2).reverse()
    return [...live, ...done].map((j) => copy(j.info))
  }

  get(id: string): JobInfo | undefined {
    const j = this.jobs.get(id)
    return j ? copy(j.info) : undefined
  }

  /**
   * Cancels a job: a queued one leaves the queue at once; a running one is asked to stop and killed after the
   * grace period. Cancelling a finished job does nothing.
   */
  cancel(id: string): void {
    const job = this.jobs.get(id)
    if (!job) throw new HostError('NOT_FOUND', `There is no job "${id}".`)
    if (TERMINAL.includes(job.info.status) || job.cancelRequested) return
    job.cancelRequested = true
    if (job.info.status === 'queued') {
      this.queue.splice(this.queue.indexOf(job), 1)
      job.markExited()
      this.finish(job, 'cancelled', { code: 'CANCELLED', message: 'Cancelled before it started.' })
      return
    }
    try {
      job.worker?.send({ type: 'cancel' })
    } catch {
      /* the worker is already gone: its exit settles the job */
    }
    job.killTimer = setTimeout(() => job.worker?.kill(), this.graceMs)
  }

  /** Cancels everything (queued jobs at once, running workers with the grace period) and waits for the workers. */
  async close(): Promise<void> {
    this.closed = true
    const pending = [...this.jobs.values()].filter((j) => !TERMINAL.includes(j.info.status))
    for (const j of pending) this.cancel(j.info.id)
    await Promise.all(pending.map((j) => j.exited))
  }

  /** Starts queued jobs while slots are free. */
  private pump(): void {
    while (!this.closed && this.running < this.maxConcurrent && this.queue.length > 0) {
      this.launch(this.queue.shift()!)
    }
  }

  private launch(job: Job): void {
    this.running++
    job.info.status = 'running'
    let worker: WorkerHandle
    try {
      worker = this.opts.spawn()
    } catch (e) {
      this.running--
      job.markExited()
      const message = e instanceof Error ? e.message : String(e)
      this.finish(job, 'failed', {
        code: 'WORKER_START',
        message: `The ${processName(job)} process could not start: ${message}`
      })
      this.pump()
      return
    }
    job.worker = worker
    worker.onMessage((msg) => this.onMessage(job, msg))
    worker.onExit((code, signal) => this.onExit(job, code, signal))
    this.emit(job, true)
    try {
      worker.send(this.message(job))
    } catch {
      worker.kill() // its exit reports the failure
    }
  }

  /** The worker's one job message. */
  private message(job: Job): ToWorker {
    const spec = job.spec
    const runsDir = this.opts.runsDir
    switch (spec.kind) {
      case 'train':
        return {
          type: 'train',
          config: spec.config,
          runsDir,
          ...(spec.name !== undefined ? { name: spec.name } : {}),
          ...(spec.resume ? { resume: spec.resume.runId } : {}),
          preview: this.preview
        }
      case 'bench':
        return {
          type: 'bench',
          id: job.info.id,
          title: spec.title,
          options: spec.options,
          runsDir,
          benchDir: spec.benchDir
        }
      case 'demo':
        return {
          type: 'demo',
          id: job.info.id,
          title: spec.title,
          budget: spec.budget,
          runsDir,
          benchDir: spec.benchDir
        }
    }
  }

  private onMessage(job: Job, msg: FromWorker): void {
    if (job.settled) return
    const info = job.info
    switch (msg.type) {
      case 'backend':
        info.backend = msg.backend
        this.emit(job)
        return
      case 'run':
        info.runId = msg.runId
        this.emit(job, true)
        this.opts.onRunsChanged(msg.runId)
        return
      case 'progress':
        info.phase = null
        info.step = msg.step
        info.steps = msg.steps
        info.loss = Number.isFinite(msg.loss) ? msg.loss : null
        info.samplesPerSec = msg.samplesPerSec
        info.etaMs = msg.etaMs
        if (info.loss !== null) appendThinned(info.lossCurve, [msg.step, info.loss])
        if (msg.metrics) info.evalCurve.push({ step: msg.step, metrics: msg.metrics })
        this.emit(job)
        return
      case 'snapshot':
        info.snapshot = { step: msg.step, dim: msg.dim, points: msg.points }
        this.emit(job)
        return
      case 'log':
        // A training job's log line before its first step (a teacher's pool takes minutes) is its stage.
        if (job.spec.kind === 'train' && info.step === 0) {
          info.phase = msg.message
          this.emit(job)
        }
        return
      case 'bench-progress':
        info.step = msg.done
        info.steps = msg.total
        info.phase = msg.phase
        // The demo's progress is in thousandths: no configurations to count.
        if (msg.configurations) info.configurations = { ...msg.configurations }
        this.emit(job)
        return
      case 'bench-done':
        job.settled = true
        info.step = info.steps
        info.phase = null
        info.benchId = msg.benchId
        this.finish(job, 'completed', null)
        this.opts.onBenchSaved?.(msg.benchId)
        return
      case 'done':
        job.settled = true
        info.step = info.steps
        info.etaMs = 0
        info.evalCurve.push({ step: info.steps, metrics: msg.metrics })
        this.finish(job, 'completed', null)
        return
      case 'error':
        job.settled = true
        if (msg.code === 'CANCELLED') this.finish(job, 'cancelled', { code: msg.code, message: msg.message })
        else this.finish(job, 'failed', { code: msg.code, message: msg.message })
    }
  }

  private onExit(job: Job, code: number | null, signal: string | null): void {
    if (job.killTimer) clearTimeout(job.killTimer)
    job.killTimer = null
    job.worker = null
    this.running--
    job.markExited()
    if (!job.settled && !TERMINAL.includes(job.info.status)) {
      const { step, steps, runId } = job.info
      const how = signal
        ? `was killed (${signal})`
        : code === null
          ? 'could not start'
          : `exited with code ${code}`
      const bench = job.spec.kind !== 'train'
      const run =
        job.spec.kind === 'bench'
          ? ' Nothing was saved.'
          : job.spec.kind === 'demo'
            ? ' The runs it had finished stay in the run list; its benchmark was not saved.'
            : runId
              ? runOnDisk(this.opts.runsDir, runId)
              : ' No run had been created yet.'
      const where =
        job.spec.kind === 'demo'
          ? `${Math.round(step / 10)} % (${job.info.phase ?? 'starting'})`
          : bench
            ? job.info.configurations
              ? benchProgressText(job.info.configurations)
              : 'its start'
            : `step ${step} of ${steps}`
      if (job.cancelRequested)
        this.finish(job, 'cancelled', {
          code: 'CANCELLED',
          message: `Cancelled: the ${processName(job)} process did not stop within ${Math.round(this.graceMs / 100) / 10} s and was killed at ${where}.${run}`
        })
      else
        this.finish(job, 'failed', {
          code: 'WORKER_CRASHED',
          message: `The ${processName(job)} process stopped unexpectedly: it ${how} at ${where}.${run}`
        })
    }
    this.pump()
  }

  private finish(job: Job, status: 'completed' | 'failed' | 'cancelled', error: JobInfo['error']): void {
    job.info.status = status
    job.info.error = error
    if (status !== 'completed') job.info.etaMs = null
    this.emit(job, true)
    if (job.info.runId) this.opts.onRunsChanged(job.info.runId)
    this.prune()
  }

  /** Drops the oldest finished jobs beyond `keepFinished`. */
  private prune(): void {
    const done = [...this.jobs.values()].filter((j) => TERMINAL.includes(j.info.status))
    for (const j of done.slice(0, Math.max(0, done.length - this.keepFinished))) this.jobs.delete(j.info.id)
  }

  /** Reports a job: at once for status changes (`now`), else at most once per `throttleMs`. */
  private emit(job: Job, now = false): void {
    const send = (): void => {
      if (job.emitTimer) clearTimeout(job.emitTimer)
      job.emitTimer = null
      job.lastEmit = Date.now()
      this.opts.onUpdate(copy(job.info))
    }
    const wait = job.lastEmit + this.throttleMs - Date.now()
    if (now || job.info.status === 'queued' || wait <= 0) send()
    else job.emitTimer ??= setTimeout(send, wait)
  }
}

function processName(job: Job): string {
  return { train: 'training', bench: 'benchmark', demo: 'demo' }[job.spec.kind]
}

/** A copy a listener may keep (the manager goes on mutating its own). */
function copy(info: JobInfo): JobInfo {
  return {
    ...info,
    lossCurve: info.lossCurve.slice(),
    evalCurve: info.evalCurve.slice(),
    error: info.error ? { ...info.error } : null
  }
}

/** Appends a point; past `MAX_CURVE_POINTS`, keeps every other point (the last one always stays). */
export function appendThinned(
  curve: [number, number][],
  point: [number, number],
  max = MAX_CURVE_POINTS
): void {
  curve.push(point)
  if (curve.length <= max) return
  const kept = curve.filter((_, i) => i % 2 === 0 || i === curve.length - 1)
  curve.length = 0
  curve.push(...kept)
}

/**
 * Starts workers with `child_process.fork`, running the TypeScript worker through tsx's loader (no build step).
 * `workerPath` defaults to job-worker.ts beside this file.
 */
export function forkWorker(opts: { workerPath?: string; env?: NodeJS.ProcessEnv } = {}): SpawnWorker {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const workerPath = opts.workerPath ?? path.join(here, 'job-worker.ts')
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return () => {
    const child = fork(workerPath, [], {
      execArgv: ['--import', tsx],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(opts.env ? { env: opts.env } : {})
    })
    let exited = false
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = []
    const onExit = (code: number | null, signal: string | null): void => {
      if (exited) return
      exited = true
      exitListeners.forEach((l) => l(code, signal))
    }
    child.on('exit', onExit)
    child.on('error', () => {
      // A failed spawn emits no 'exit'; a failed send is followed by the real exit.
      if (child.pid === undefined) onExit(null, null)
    })
    return {
      pid: child.pid,
      send: (msg) => {
        if (child.connected) child.send(msg)
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        if (!exited) child.kill('SIGKILL')
      }
    }
  }
}
