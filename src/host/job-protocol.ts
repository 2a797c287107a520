/**
 * Messages between the job manager (host process) and one job worker (a forked Node process, or an Electron
 * utility process). Types only; both sides import them with `import type`. One worker runs one job (a training run
 * or a benchmark), then exits.
 */
import type { BenchConfigProgress, MetricsInfo } from '../shared/api'
import type { ErrorCode } from '../shared/errors'
import type { RunConfig } from '../engine/train/config'
import type { InferBenchOptions } from '../engine/bench/infer-types'

/** Host → worker. */
export type ToWorker =
  | {
      type: 'train'
      config: RunConfig
      /** The run store's root; the worker creates the run there. */
      runsDir: string
      /** Display name of the run, if the user gave one. */
      name?: string
      /** Continue this stopped run from its checkpoint (its own config) instead of creating a run. */
      resume?: string
      /** Sample snapshots: every `everyMs`, `n` points. */
      preview: { everyMs: number; n: number }
    }
  | {
      type: 'bench'
      /** The benchmark's id: it is saved as `<benchDir>/<id>/` once it has completed. */
      id: string
      title: string
      options: Omit<InferBenchOptions, 'outDir'>
      runsDir: string
      benchDir: string
    }
  | {
      type: 'demo'
      /** The job's id: the demo's benchmark is saved as `<benchDir>/<id>/`. */
      id: string
      title: string
      budget: 'full' | 'tiny'
      runsDir: string
      benchDir: string
    }
  | { type: 'cancel' }

/** Worker → host. The last message of a worker is `done` or `error`; an exit without either is a crash. */
export type FromWorker =
  | { type: 'backend'; backend: string }
  | { type: 'run'; runId: string }
  | {
      type: 'progress'
      runId: string | null
      step: number
      steps: number
      loss: number
      samplesPerSec: number
      etaMs: number
      metrics?: MetricsInfo
    }
  | { type: 'snapshot'; step: number; dim: number; points: number[] }
  | { type: 'log'; message: string }
  | { type: 'done'; runId: string | null; metrics: MetricsInfo }
  | {
      type: 'bench-progress'
      done: number
      total: number
      phase: string
      configurations?: BenchConfigProgress
    }
  | { type: 'bench-done'; benchId: string }
  | { type: 'error'; runId: string | null; code: ErrorCode; message: string }
