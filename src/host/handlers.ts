/**
 * The host side of the contract, free of Electron: the lab (handler table, job queue, event hub) and
 * `dispatch`, which validates a call against its schema (schemas.ts), runs its handler and wraps the outcome in
 * a `Result`. `ipc.ts` plugs this into `ipcMain`; the web host (src/web/server.ts) into HTTP and a WebSocket.
 *
 * ```
 * <dataDir>/runs/        the run store (see engine/store)
 *           datasets/    imported files and their index (see datasets.ts)
 *           exports/     ONNX files written without an explicit path (the web host offers them for download)
 *           benchmarks/  saved benchmarks (see benchmarks.ts)
 * ```
 */
import { DEFAULT_BENCH_GRID } from '../shared/samplers'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { z } from 'zod'
import type {
  BenchRequest,
  Channel,
  DatasetInfo,
  EngineInfo,
  Events,
  ExportReport,
  Handlers,
  ImportRequest,
  ObjectiveInfo,
  Result,
  TrainRequest
} from '../shared/api'
import { isEngineError } from '../engine/errors'
import { currentBackend } from '../engine/backend'
import { allObjectives, findObjective } from '../engine/objectives/registry'
import { objectiveArchs } from '../engine/objectives/types'
import { BUILTINS, inspectHead } from '../engine/data'
import { exportPushforward } from '../engine/onnx/export'
import { probeAll } from '../engine/onnx/providers'
import { onnxExportName } from '../shared/export-name'
import { RunStore } from '../engine/store'
import { describeFsError } from '../engine/store/fs-utils'
import { makeRunConfig } from '../engine/train/train'
import { hasOrtStep, OrtUnsupportedError } from '../engine/ort'
import { BenchLibrary } from './benchmarks'
import { DatasetLibrary } from './datasets'
import { HostError } from './errors'
import { forkWorker, JobManager, type SpawnWorker } from './jobs'
import { UploadStore } from './uploads'
import { NearestImages } from './nearest-image'
import { gridOptions, listRuns, runDetail, runSnapshots, sampleSet } from './runs'
import { ARG_SCHEMAS, INSPECT_HEAD_BYTES } from './schemas'

export { ARG_SCHEMAS } from './schemas'

/** Native file dialogs (Electron). Each resolves to the chosen path, or null when the user cancels. */
export interface NativeDialogs {
  openDataFile(): Promise<string | null>
  saveOnnxFile(defaultName: string): Promise<string | null>
}

/**
 * Which file paths a renderer may name (in `datasets.import({ path })` and `export.onnx({ path })`):
 * `dialog` — only paths the user chose in this host's native dialogs (Electron); `none` — no paths at all
 * (web host: uploads and the exports folder only); `any` — every path (trusted callers and tests).
 */
export type PathAccess = 'dialog' | 'none' | 'any'

/** What the handlers need from their host. */
export interface HostOptions {
  version: string
  /** The app's data folder: runs, imported datasets and exports live under it. */
  dataDir: string
  /** Starts job workers (default: `forkWorker()`, Node + tsx). */
  spawnWorker?: SpawnWorker
  /** Training jobs running at once, 1 or 2 (default 1). */
  maxConcurrentJobs?: number
  /** Worker stop grace after a cancel, ms (default 5000). */
  cancelGraceMs?: number
  /** Native dialogs; without them `dialogs.*` answers NOT_SUPPORTED. */
  dialogs?: NativeDialogs
  /** Default `none`, or `dialog` when `dialogs` are given. */
  pathAccess?: PathAccess
  /** Where the web host offers a file of the exports folder for download. */
  downloadUrl?(fileName: string): string
}

/** One host event, as a tagged union. */
export type LabEvent = { [E in keyof Events]: { event: E; payload: Events[E] } }[keyof Events]

/** A running lab: the handler table, its job manager and its events. */
export interface Lab {
  handlers: Handlers
  jobs: JobManager
  /** Subscribes to every host event; returns the unsubscribe function. */
  subscribe(listener: (e: LabEvent) => void): () => void
  paths: {
    dataDir: string
    runs: string
    datasets: string
    exports: string
    benchmarks: string
    uploads: string
  }
  /** Files the web host streamed in, waiting for their `datasets:import`. */
  uploads: UploadStore
  /** Stops the job workers (cancel, then kill after the grace period). */
  close(): Promise<void>
}

export function createLab(options: HostOptions): Lab {
  const dataDir = path.resolve(options.dataDir)
  const paths = {
    dataDir,
    runs: path.join(dataDir, 'runs'),
    datasets: path.join(dataDir, 'datasets'),
    exports: path.join(dataDir, 'exports'),
    benchmarks: path.join(dataDir, 'benchmarks'),
    uploads: path.join(dataDir, 'uploads')
  }
  const store = RunStore.open(paths.runs)
  const library = new DatasetLibrary(paths.datasets)
  const uploads = new UploadStore(paths.uploads)
  const benchmarks = new BenchLibrary(paths.benchmarks)
  const nearest = new NearestImages(store)
  const listeners = new Set<(e: LabEvent) => void>()
  const publish = (e: LabEvent): void => {
    for (const l of listeners) {
      try {
        l(e)
      } catch (err) {
        console.error('[events]', err)
      }
    }
  }
  const runsChanged = (id: string): void => publish({ event: 'runs:changed', payload: { id } })
  const benchChanged = (id: string): void => publish({ event: 'bench:changed', payload: { id } })
  const jobs = new JobManager({
    spawn: options.spawnWorker ?? forkWorker(),
    runsDir: paths.runs,
    ...(options.maxConcurrentJobs !== undefined ? { maxConcurrent: options.maxConcurrentJobs } : {}),
    ...(options.cancelGraceMs !== undefined ? { cancelGraceMs: options.cancelGraceMs } : {}),
    onUpdate: (job) => publish({ event: 'jobs:update', payload: job }),
    onRunsChanged: runsChanged,
    onBenchSaved: benchChanged
  })

  // Paths the user chose in a native dialog: the only ones a renderer may name under `dialog` access.
  const access: PathAccess = options.pathAccess ?? (options.dialogs ? 'dialog' : 'none')
  const granted = { open: new Set<string>(), save: new Set<string>() }
  const allowPath = (kind: 'open' | 'save', p: string): string => {
    const abs = path.resolve(p)
    if (access === 'any' || (access === 'dialog' && granted[kind].has(abs))) return abs
    throw new HostError(
      'FORBIDDEN',
      access === 'none'
        ? 'This host does not read or write files by path: upload the file, or export into the app’s exports folder.'
        : `The app only ${kind === 'open' ? 'reads files chosen in its open dialog' : 'writes files chosen in its save dialog'}: choose ${abs} again.`
    )
  }
  const dialogs = (): NativeDialogs => {
    if (!options.dialogs)
      throw new HostError(
        'NOT_SUPPORTED',
        'Native file dialogs exist only in the desktop app; upload the file, or download the export, instead.'
      )
    return options.dialogs
  }

  const importDataset = async (req: ImportRequest): Promise<DatasetInfo> => {
    const opts = {
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.columns !== undefined ? { columns: req.columns } : {}),
      ...(req.skipRows !== undefined ? { skipRows: req.skipRows } : {})
    }
    if (req.path !== undefined) return library.importPath(allowPath('open', req.path), opts)
    if (req.uploadId !== undefined) {
      const file = uploads.path(req.uploadId)
      try {
        return await library.importPath(file, { ...opts, fileName: req.fileName!, move: true })
      } finally {
        uploads.remove(req.uploadId)
      }
    }
    const bytes = Buffer.from(req.contentBase64!, 'base64')
    return library.import({ bytes, fileName: req.fileName!, ...opts })
  }

  const startTraining = async (req: TrainRequest): Promise<ReturnType<JobManager['enqueueTrain']>> => {
    const objective = findObjective(req.objective)
    // Refused here, before anything is queued (the worker would refuse it too, but later).
    if (req.backend === 'onnxruntime' && !hasOrtStep(objective)) throw new OrtUnsupportedError(objective.id)
    if ((req.device === 'webgpu' || req.device === 'cuda') && !hasOrtStep(objective))
      throw new HostError(
        'CONFIG',
        `${objective.title} has no onnxruntime training step, so it cannot train on ${req.device}; choose the CPU.`
      )
    const info = library.info(req.dataset)
    const ds = await library.load(req.dataset, req.seed ?? 0)
    const config = makeRunConfig(ds, {
      objective: req.objective,
      ...(req.params !== undefined ? { params: req.params } : {}),
      ...(req.steps !== undefined ? { steps: req.steps } : {}),
      ...(req.batch !== undefined ? { batch: req.batch } : {}),
      ...(req.lr !== undefined ? { lr: req.lr } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.evalEvery !== undefined ? { evalEvery: req.evalEvery } : {}),
      ...(req.backend !== undefined ? { backend: req.backend } : {}),
      ...(req.device !== undefined ? { device: req.device } : {}),
      ...(req.model !== undefined ? { model: req.model as Parameters<typeof makeRunConfig>[1]['model'] } : {})
    })
    const title = req.name ?? `${objective.title} on ${info.title}`
    return jobs.enqueueTrain({ title, config, ...(req.name !== undefined ? { name: req.name } : {}) })
  }

  /** Checks here what the worker would refuse (running, completed, no resumable checkpoint), then queues it. */
  const resumeTraining = (runId: string): ReturnType<JobManager['enqueueTrain']> => {
    const run = store.load(runId)
    store.checkResumable(run)
    if (jobs.list().some((j) => j.runId === runId && (j.status === 'queued' || j.status === 'running')))
      throw new HostError('CONFIG', `Run "${run.name}" is already queued or training.`)
    const checkpoint = store.readCheckpoint(runId)
    if (!checkpoint.state)
      throw new HostError(
        'CONFIG',
        `Run "${run.name}" cannot be resumed: its ${run.config.objective} model keeps no training state (its weights at step ${checkpoint.step} can still be evaluated, sampled and exported).`
      )
    return jobs.enqueueTrain({
      title: `${run.name} (resumed at step ${checkpoint.step})`,
      config: run.config,
      resume: { runId, step: checkpoint.step }
    })
  }

  /** Checks the runs exist and have finished, and the grid is of a size one sitting can time. */
  const startBench = (req: BenchRequest): ReturnType<JobManager['enqueueBench']> => {
    const { runs } = store.list()
    const byId = new Map(runs.map((r) => [r.id, r]))
    for (const id of req.runs) {
      const r = byId.get(id)
      if (!r) throw new HostError('NOT_FOUND', `There is no run "${id}" to benchmark.`)
      if (r.status !== 'completed')
        throw new HostError(
          'CONFIG',
          `Run "${r.name}" (${id}) is ${r.status}: only completed runs can be benchmarked.`
        )
    }
    const samplers = req.samplers ?? [...DEFAULT_BENCH_GRID.samplers]
    const steps = req.steps ?? [...DEFAULT_BENCH_GRID.steps]
    const batch = req.batch ?? [...DEFAULT_BENCH_GRID.batch]
    const configurations = req.runs.length * samplers.length * steps.length * batch.length
    if (configurations > MAX_BENCH_CONFIGURATIONS)
      throw new HostError(
        'CONFIG',
        `This benchmark would time up to ${configurations} configurations (runs × samplers × steps × batch sizes); ` +
          `the limit is ${MAX_BENCH_CONFIGURATIONS}: choose fewer runs, samplers, step counts or batch sizes.`
      )
    const largest = Math.max(...steps) * Math.max(...batch)
    // A GPU provider times K = 100 at batch 65,536 in well under a second per call.
    const limit = req.ep === 'webgpu' || req.ep === 'cuda' ? GPU_BENCH_STEP_ROWS : MAX_BENCH_STEP_ROWS
    if (largest > limit)
      throw new HostError(
        'CONFIG',
        `K = ${Math.max(...steps)} steps at batch ${Math.max(...batch)} is too large a call to time ` +
          `(at most ${limit.toLocaleString('en-US')} steps × rows).`
      )
    const names = req.runs.map((id) => byId.get(id)!.name)
    const title = req.name ?? `Benchmark of ${names.length <= 3 ? names.join(', ') : `${names.length} runs`}`
    return jobs.enqueueBench({
      title,
      benchDir: paths.benchmarks,
      options: {
        runs: req.runs,
        samplers,
        steps,
        batch,
        ...(req.repeats !== undefined ? { repeats: req.repeats, rounds: Math.min(5, req.repeats) } : {}),
        ...(req.quality !== undefined ? { quality: req.quality } : {}),
        ...(req.separate !== undefined ? { separate: req.separate } : {}),
        ...(req.threads !== undefined ? { threads: req.threads } : {}),
        ...(req.ep !== undefined ? { ep: req.ep } : {})
      }
    })
  }

  const exportOnnx: Handlers['export']['onnx'] = async (req) => {
    let file: string
    let inExports = false
    if (req.path !== undefined) {
      file = allowPath('save', req.path)
    } else {
      try {
        fs.mkdirSync(paths.exports, { recursive: true })
      } catch (e) {
        throw new HostError(
          'STORE',
          `Could not create the exports folder ${paths.exports}: ${describeFsError(e)}.`
        )
      }
      // Written under a temporary name, then named after what the graph holds (the engine resolves the
      // run's default sampler and K), so that exports of one run with other samplers or K sit side by side.
      file = path.join(paths.exports, `${req.runId}.partial-${process.pid}-${Date.now()}.onnx`)
      inExports = true
    }
    const r = await exportPushforward(store, req.runId, file, {
      ...(req.sampler !== undefined ? { sampler: req.sampler } : {}),
      ...(req.steps !== undefined ? { steps: req.steps } : {}),
      ...(req.graph !== undefined ? { graph: req.graph } : {}),
      ...gridOptions(req)
    })
    const holds = { graph: r.graph, sampler: r.sampler, steps: r.steps }
    if (inExports) {
      const named = path.join(paths.exports, onnxExportName(req.runId, holds))
      try {
        fs.renameSync(r.path, named)
      } catch (e) {
        fs.rmSync(r.path, { force: true })
        throw new HostError('STORE', `Could not write the export ${named}: ${describeFsError(e)}.`)
      }
      r.path = named
    }
    const report: ExportReport = {
      path: r.path,
      ...holds,
      evaluations: r.evaluations,
      opset: r.opset,
      inputs: r.inputs.map(({ name, shape }) => ({ name, shape })),
      outputs: r.outputs.map(({ name, shape }) => ({ name, shape })),
      parity: { ...r.parity }
    }
    if (inExports && options.downloadUrl) report.downloadUrl = options.downloadUrl(path.basename(r.path))
    return report
  }

  const handlers: Handlers = {
    engine: {
      info: async (): Promise<EngineInfo> => ({
        version: options.version,
        backend: currentBackend()?.id ?? null,
        objectives: allObjectives().map(({ id, family, title }) => ({ id, family, title })),
        datasets: BUILTINS.map(({ id, dim, title }) => ({ id, dim, title })),
        ort: await ortInfo()
      })
    },
    objectives: {
      list: (): ObjectiveInfo[] =>
        allObjectives().map((o) => ({
          id: o.id,
          family: o.family,
          kind: o.kind,
          title: o.title,
          paper: o.paper,
          summary: o.summary,
          defaults: { ...o.defaults },
          ...(o.imageDefaults ? { imageDefaults: { ...o.imageDefaults } } : {}),
          params: Object.entries(o.params).map(([name, p]) => ({ name, ...p })),
          archs: objectiveArchs(o)
        }))
    },
    datasets: {
      list: () => library.list(),
      preview: (id, n) => library.preview(id, n),
      import: (req) => importDataset(req),
      inspect: (req) =>
        req.path !== undefined
          ? library.inspectPath(allowPath('open', req.path), INSPECT_HEAD_BYTES)
          : inspectHead(req.head!, req.fileName!, req.truncated ?? false),
      remove: (id) => library.remove(id)
    },
    training: {
      start: (req) => startTraining(req),
      cancel: (jobId) => jobs.cancel(jobId),
      jobs: () => jobs.list(),
      resume: (runId) => resumeTraining(runId)
    },
    runs: {
      list: () => listRuns(store),
      get: (id) => runDetail(store, id),
      samples: (req) => sampleSet(store, req),
      snapshots: (id) => runSnapshots(store, id),
      nearest: (req) => nearest.find(req),
      heldout: (id, n) => nearest.heldout(id, n ?? 2000),
      rename: (id, name) => {
        store.rename(id, name)
        runsChanged(id)
      },
      remove: (id) => {
        store.delete(id)
        nearest.forget(id)
        runsChanged(id)
      }
    },
    export: {
      onnx: exportOnnx
    },
    bench: {
      start: (req) => startBench(req),
      list: () => benchmarks.list(),
      get: (id) => benchmarks.get(id),
      remove: (id) => {
        benchmarks.remove(id)
        benchChanged(id)
      }
    },
    demo: {
      start: (req) =>
        jobs.enqueueDemo({
          title: 'Demo: one-step maps against a flow',
          budget: req.budget ?? 'full',
          benchDir: paths.benchmarks
        })
    },
    dialogs: {
      openDataFile: async () => {
        const p = await dialogs().openDataFile()
        if (p !== null) granted.open.add(path.resolve(p))
        return p
      },
      saveOnnxFile: async (defaultName) => {
        const p = await dialogs().saveOnnxFile(defaultName)
        if (p !== null) granted.save.add(path.resolve(p))
        return p
      }
    }
  }

  return {
    handlers,
    jobs,
    paths,
    uploads,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    close: async () => {
      await jobs.close()
      await library.close()
    }
  }
}

let ortCache: Promise<EngineInfo['ort']> | null = null

/** onnxruntime-node's version and execution providers (loaded once; null when it cannot load here). */
function ortInfo(): Promise<EngineInfo['ort']> {
  ortCache ??= import('onnxruntime-node').then(
    async (ort) => {
      // Listed as available only where a session is created: `webgpu` is bundled on every Linux x64 machine.
      const probes = await probeAll(ort)
      return {
        version: ort.env.versions.common ?? 'unknown',
        executionProviders: probes.filter((p) => p.ok).map((p) => p.provider),
        notInstalled: ort
          .listSupportedBackends()
          .filter((b) => !b.bundled)
          .map((b) => b.name),
        unavailable: probes.flatMap((p) => (p.ok ? [] : [{ name: p.provider, reason: p.reason }])),
        adapter: probes.flatMap((p) => (p.ok && p.adapter ? [p.adapter] : []))[0] ?? null
      }
    },
    (e: unknown) => {
      console.error('[engine:info] onnxruntime-node did not load:', e)
      return null
    }
  )
  return ortCache
}

/** Most run × sampler × K × batch configurations one benchmark may ask for. */
export const MAX_BENCH_CONFIGURATIONS = 2000
/** Largest K × batch of one timed call (keeps a single call to seconds on a laptop CPU). */
export const MAX_BENCH_STEP_ROWS = 1000 * 4096
/** The same on a GPU provider: K = 1000 at batch 65,536. */
export const GPU_BENCH_STEP_ROWS = 1000 * 65_536

/** The handler table alone (see {@link createLab} for the jobs and events behind it). */
export function createHandlers(options: HostOptions): Handlers {
  return createLab(options).handlers
}

/** Every channel of the contract, `domain:verb`, in table order. */
export function channels(handlers: Handlers): Channel[] {
  return Object.entries(handlers).flatMap(([domain, methods]) =>
    Object.keys(methods).map((method) => `${domain}:${method}` as Channel)
  )
}

type AnyHandler = (...args: unknown[]) => unknown
type AnySchema = z.ZodType<unknown[]>

function lookup<T>(table: object, channel: string): T | undefined {
  const [domain, method, ...rest] = channel.split(':')
  if (!domain || !method || rest.length > 0) return undefined
  const methods: unknown = Object.hasOwn(table, domain)
    ? (table as Record<string, unknown>)[domain]
    : undefined
  if (typeof methods !== 'object' || methods === null || !Object.hasOwn(methods, method)) return undefined
  return (methods as Record<string, T>)[method]
}

/**
 * Runs one call: checks the channel exists and the arguments match its schema, then awaits the handler.
 * Never throws: engine and host errors keep their code and sentence; anything else becomes `INTERNAL`.
 */
export async function dispatch(
  handlers: Handlers,
  channel: string,
  args: unknown[]
): Promise<Result<unknown>> {
  const handler = lookup<AnyHandler>(handlers, channel)
  const schema = lookup<AnySchema>(ARG_SCHEMAS, channel)
  if (!handler || !schema) {
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `There is no API method "${channel}".` } }
  }
  const parsed = schema.safeParse(args)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` at argument ${issue.path.map(String).join('.')}` : ''
    return {
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: `Invalid request to ${channel}${where}: ${issue?.message ?? 'bad arguments'}.`
      }
    }
  }
  try {
    return { ok: true, value: await handler(...parsed.data) }
  } catch (e) {
    if (isEngineError(e)) return { ok: false, error: { code: e.code, message: e.message } }
    console.error(`[${channel}]`, e)
    const message = e instanceof Error ? e.message : String(e)
    return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${channel}: ${message}` } }
  }
}
