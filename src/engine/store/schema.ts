/**
 * Zod schemas and TS types of what the run store writes: `run.json`, `metrics.jsonl` lines and the
 * `weights.json` envelope. Every read of these files goes through a schema; a compile-time guard below checks
 * that the schemas describe exactly the engine's own types (`RunConfig`, `Metrics`, `MlpWeights`), so the two
 * cannot drift apart silently.
 *
 * Numbers that may legitimately be NaN (a loss or metric after divergence) are written by `JSON.stringify`
 * as `null`; the `finite` schema reads `null` back as `NaN`, so such a record round-trips instead of being
 * rejected. (±Infinity also comes back as NaN.)
 */
import { z } from 'zod'
import type { Metrics } from '../types'
import type { RunConfig } from '../train/config'
import type { ParamValues } from '../params'
import type { MlpWeights } from '../models/mlp'
import { decodeFloat32 } from './float32-base64'

/** A number, or `null` read back as `NaN` (how JSON stores NaN/±Infinity). */
const num = z.union([z.number(), z.null().transform(() => NaN)])
const int = z.number().int()
const count = z.number().int().nonnegative()

// ── RunConfig ──────────────────────────────────────────────────────────────────────────────────────────────

/** Must list the same values as `Activation` in models/mlp.ts (checked at compile time below). */
export const ActivationSchema = z.enum(['silu', 'relu', 'tanh', 'gelu', 'leaky-relu'])
/** Must list the same values as `BackendChoice` in types.ts (checked at compile time below). */
export const BackendChoiceSchema = z.enum([
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
  'onnxruntime',
  'auto'
])
export const ParamValuesSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))

export const ImageInfoSchema = z.object({
  shape: z.array(count).min(2).max(3),
  range: z.tuple([z.number(), z.number()])
})

export const DatasetConfigSchema = z.object({
  spec: z.string(),
  name: z.string(),
  columns: z.string().optional(),
  skipRows: count.optional(),
  n: count,
  seed: z.number().int().optional(),
  digest: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  rows: count,
  dim: count,
  columnNames: z.array(z.string()),
  imageShape: z.string().optional(),
  labelColumn: z.string().optional(),
  labels: z.string().optional(),
  resize: z.string().optional(),
  image: ImageInfoSchema.optional(),
  classes: z.array(z.string()).optional()
})

export const ModelConfigSchema = z.object({
  latentDim: count,
  base: z.enum(['normal', 'uniform']),
  width: count,
  depth: count,
  activation: ActivationSchema,
  arch: z.enum(['mlp', 'unet', 'conv']).optional(),
  channels: count.optional()
})

export const RunConfigSchema = z.object({
  objective: z.string(),
  params: ParamValuesSchema,
  dataset: DatasetConfigSchema,
  model: ModelConfigSchema,
  steps: count,
  batch: count,
  lr: z.number(),
  seed: int,
  heldout: z.number(),
  evalEvery: count,
  backend: BackendChoiceSchema,
  device: z.enum(['auto', 'cpu', 'webgpu', 'cuda']).optional()
})

// ── Metrics, results, run.json ─────────────────────────────────────────────────────────────────────────────

export const MetricsSchema = z.object({
  energy: num,
  energyGaussian: num,
  mmd: num,
  slicedW2: num,
  precision: num,
  recall: num,
  density: num,
  coverage: num,
  n: num,
  memorisation: z.number().min(0).optional(),
  modes: count.optional(),
  modesCovered: count.optional(),
  highQuality: z.number().min(0).max(1).optional(),
  image: z
    .object({
      fd: num,
      fdGaussian: num,
      fdData: num,
      n: count.optional(),
      referenceN: count.optional(),
      kid: num,
      precision: num,
      recall: num,
      density: num,
      coverage: num,
      features: z.enum(['classes', 'clusters']).optional(),
      classKL: num,
      minClassShare: num,
      memorisation: num,
      copies: num,
      classifierAccuracy: num
    })
    .optional()
})

export const StandardizationSchema = z.object({
  mean: z.array(z.number()),
  std: z.array(z.number()),
  /** Image runs: the pixel range samples are clipped to (absent for tables and older runs). */
  range: z.tuple([z.number(), z.number()]).optional()
})

/** What a finished run reports. `extra` holds objective-specific numbers (e.g. `{ finalLoss: 0.01 }`). */
export interface RunResult {
  stepsDone: number
  durationMs: number
  /** Held-out figures: of the final weights, or for a run stopped early its last evaluation's (`metricsStep`). */
  metrics: Metrics | null
  /** A run stopped before its end: the step its `metrics` were measured at (absent: the final weights'). */
  metricsStep?: number
  extra?: Record<string, number>
}
export const RunResultSchema = z.object({
  stepsDone: count,
  durationMs: z.number(),
  metrics: MetricsSchema.nullable(),
  metricsStep: count.optional(),
  extra: z.record(z.string(), num).optional()
})

/** The status written in run.json. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled'
export const RunStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled'])
/** The status reported by `list`/`load`: a `running` run whose process is gone (on this host) is `crashed`. */
export type ReportedStatus = RunStatus | 'crashed'
/** Final states a `RunHandle.finish` may write. */
export type FinalStatus = Exclude<RunStatus, 'running'>

export interface RunErrorInfo {
  code: string
  message: string
}
export const RunErrorSchema = z.object({ code: z.string(), message: z.string() })

export const RUN_SCHEMA_VERSION = 1

/**
 * The last checkpoint a run wrote (weights.json and checkpoint.json at `step`): a crashed or cancelled run is
 * evaluated, sampled and exported from it, and resumed from it when `resumable` (its model keeps a training state).
 */
export interface CheckpointInfo {
  step: number
  /** Training time up to that step. */
  elapsedMs: number
  at: string
  resumable: boolean
}
export const CheckpointInfoSchema = z.object({
  step: count,
  elapsedMs: z.number().nonnegative(),
  at: z.iso.datetime(),
  resumable: z.boolean()
})

/** The best held-out evaluation of a run (early-stopping style), kept as weights.best.json. */
export interface BestInfo {
  step: number
  /** The held-out metric it is best at (lower is better). */
  metric: 'energy'
  value: number
}
export const BestInfoSchema = z.object({ step: count, metric: z.literal('energy'), value: z.number() })

type Issue = { path: (string | number)[]; message: string }

/**
 * What the field types cannot say: the counts a model is rebuilt from are positive, and the standardisation
 * has one finite mean and one finite, positive deviation per dimension (dividing by a zero or missing std
 * would turn every sample into NaN or shift it silently).
 */
function recordProblem(r: z.output<typeof RunRecordBase>): Issue | null {
  const c = r.config
  const positive: [string[], number][] = [
    [['config', 'steps'], c.steps],
    [['config', 'dataset', 'dim'], c.dataset.dim],
    [['config', 'dataset', 'rows'], c.dataset.rows],
    [['config', 'model', 'latentDim'], c.model.latentDim],
    [['config', 'model', 'width'], c.model.width]
  ]
  for (const [path, v] of positive) if (!(v >= 1)) return { path, message: `is ${v}; it must be at least 1` }
  if (!(c.batch >= 2)) return { path: ['config', 'batch'], message: `is ${c.batch}; it must be at least 2` }
  if (!(Number.isFinite(c.lr) && c.lr > 0))
    return { path: ['config', 'lr'], message: `is ${c.lr}; it must be > 0` }
  if (!(c.heldout > 0 && c.heldout < 1))
    return { path: ['config', 'heldout'], message: `is ${c.heldout}; it must be in (0, 1)` }
  const s = r.standardization
  if (s) {
    for (const k of ['mean', 'std'] as const)
      if (s[k].length !== c.dataset.dim)
        return {
          path: ['standardization', k],
          message: `has ${s[k].length} values, the data have ${c.dataset.dim} dimensions`
        }
    const m = s.mean.findIndex((x) => !Number.isFinite(x))
    if (m >= 0)
      return { path: ['standardization', 'mean', m], message: `is ${s.mean[m]}, not a finite number` }
    const d = s.std.findIndex((x) => !(Number.isFinite(x) && x > 0))
    if (d >= 0)
      return { path: ['standardization', 'std', d], message: `is ${s.std[d]}; a deviation must be > 0` }
  }
  if (r.result && r.result.stepsDone > c.steps)
    return {
      path: ['result', 'stepsDone'],
      message: `is ${r.result.stepsDone}, more than the ${c.steps} steps asked for`
    }
  if (r.checkpoint && r.checkpoint.step > c.steps)
    return {
      path: ['checkpoint', 'step'],
      message: `is ${r.checkpoint.step}, more than the ${c.steps} steps asked for`
    }
  return null
}

function checkRecordCounts(r: z.output<typeof RunRecordBase>, ctx: z.RefinementCtx): void {
  const p = recordProblem(r)
  if (p) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
}

/** The content of `runs/<id>/run.json`. */
const RunRecordBase = z.object({
  schema: z.literal(RUN_SCHEMA_VERSION),
  id: z.string(),
  name: z.string(),
  /** ISO 8601, UTC (`Date.toISOString()`). */
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  status: RunStatusSchema,
  /** Process that writes the run, and its host — used to tell a live run from a crashed one. */
  pid: int,
  hostname: z.string(),
  config: RunConfigSchema,
  /** The backend that actually ran (`wasm`, …), once known. */
  backend: z.string().nullable(),
  standardization: StandardizationSchema.nullable(),
  result: RunResultSchema.nullable(),
  error: RunErrorSchema.nullable(),
  /** Absent in runs written before checkpoints existed. */
  checkpoint: CheckpointInfoSchema.nullable().optional(),
  best: BestInfoSchema.nullable().optional()
})
export const RunRecordSchema = RunRecordBase.superRefine(checkRecordCounts)
export type RunRecord = z.output<typeof RunRecordSchema>

/** One line of `metrics.jsonl`. `time`: milliseconds since training started. */
export interface MetricsRecord {
  step: number
  loss: number
  time: number
  samplesPerSec?: number
  metrics?: Partial<Metrics>
  /** Why a scheduled held-out evaluation has no metrics (its samples were not finite). */
  evalError?: string
}
export const MetricsRecordSchema = z.object({
  step: count,
  loss: num,
  time: num,
  samplesPerSec: num.optional(),
  metrics: MetricsSchema.partial().optional(),
  evalError: z.string().max(500).optional()
})

// ── checkpoint.json ────────────────────────────────────────────────────────────────────────────────────────

const RngStateSchema = z.object({ s: z.array(int).length(4), spare: z.number().nullable() })

/** A training state's float32 array: plain JSON numbers (schema 1) or base64 of their bytes (schema 2). */
const numbersArray = z.array(z.number()).transform((a) => Float32Array.from(a))
const base64Array = z.string().transform((text, ctx) => {
  const a = decodeFloat32(text)
  if (typeof a === 'string') {
    ctx.addIssue({ code: 'custom', message: a })
    return z.NEVER
  }
  return a
})

const checkpointVersion = <S extends number, A extends z.ZodType<Float32Array, unknown>>(schema: S, array: A) =>
  z.object({
    schema: z.literal(schema),
    step: count,
    elapsedMs: z.number().nonnegative(),
    loss: num,
    rng: z.record(z.string(), RngStateSchema),
    state: z.object({ arrays: z.record(z.string(), array), counters: z.record(z.string(), z.number()) }).nullable()
  })

/** The checkpoint.json format written now: the training state's arrays as base64 float32 (float32-base64.ts). */
export const CHECKPOINT_SCHEMA_VERSION = 2

/**
 * `runs/<id>/checkpoint.json`: what resuming needs besides weights.json — the step, the positions of the run's
 * random streams, and the model's training state (variables, optimizer moments, counters; null when the model
 * cannot be resumed). Schema 1 (until 2026-12-03) stored the arrays as JSON numbers; it is still read.
 */
export const CheckpointFileSchema = z.discriminatedUnion('schema', [
  checkpointVersion(1, numbersArray),
  checkpointVersion(CHECKPOINT_SCHEMA_VERSION, base64Array)
])
export type CheckpointFile = z.output<typeof CheckpointFileSchema>

// ── weights.json ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * The shape every `weights.json` must have: a JSON object with a string `kind` naming the model family
 * (`'mlp'`, …); the rest is the model's own business, e.g. `{ kind: 'mlp', phi: MlpWeights }`.
 */
export const WeightsEnvelopeSchema = z.looseObject({ kind: z.string().min(1) })
export type WeightsEnvelope = z.output<typeof WeightsEnvelopeSchema>

/** Validates an `MlpWeights` (for loaders: `store.readWeights(id, z.looseObject({ kind: …, phi: MlpWeightsSchema }))`). */
export const MlpWeightsSchema = z
  .object({
    spec: z.object({
      inDim: count,
      outDim: count,
      width: count,
      depth: count,
      activation: ActivationSchema,
      residual: z.boolean().optional(),
      skip: z.number().finite().optional()
    }),
    layers: z.array(z.object({ w: z.array(z.number()), b: z.array(z.number()), inDim: count, outDim: count }))
  })
  .superRefine((m, ctx) => {
    m.layers.forEach((l, i) => {
      if (l.w.length !== l.inDim * l.outDim)
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'w'],
          message: `has ${l.w.length} values, expected inDim × outDim = ${l.inDim * l.outDim}`
        })
      if (l.b.length !== l.outDim)
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'b'],
          message: `has ${l.b.length} values, expected outDim = ${l.outDim}`
        })
    })
  })

// ── Views ──────────────────────────────────────────────────────────────────────────────────────────────────

/** One row of `RunStore.list()`. */
export interface RunSummary {
  id: string
  name: string
  status: ReportedStatus
  createdAt: string
  updatedAt: string
  objective: string
  /** The dataset's display name. */
  dataset: string
  /** Steps asked for. */
  steps: number
  /** Steps actually done (once finished), else null. */
  stepsDone: number | null
  /** The hyper-parameters a table compares runs by: batch, learning rate, seed and the objective's own params. */
  hyper: { batch: number; lr: number; seed: number; params: ParamValues }
  /** Training wall time: the whole run once finished, else up to its last checkpoint; null before either. */
  wallMs: number | null
  /** The final weights' held-out figures, or a stopped run's last evaluation's (at `metricsStep`). */
  metrics: Metrics | null
  /** A run stopped before its end: the step its `metrics` were measured at; else null. */
  metricsStep: number | null
  backend: string | null
  error: RunErrorInfo | null
  /** The step of the last checkpoint (what a crashed run can be evaluated and resumed from), else null. */
  checkpointStep: number | null
  /** Whether `pfm train --resume` can continue it (stopped, with a resumable checkpoint before the end). */
  resumable: boolean
  /** The best held-out evaluation, else null. */
  best: BestInfo | null
}

/** `RunStore.load()`: the record (status as reported) plus the run's directory. */
export type LoadedRun = Omit<RunRecord, 'status'> & { status: ReportedStatus; dir: string }

/** A run directory that could not be read, with the reason (a sentence fragment). */
export interface StoreProblem {
  id: string
  reason: string
}

// ── Compile-time guards: the schemas match the engine's types exactly ──────────────────────────────────────

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertTrue<_T extends true>(): void {}
assertTrue<Equals<z.output<typeof RunConfigSchema>, RunConfig>>()
assertTrue<Equals<z.output<typeof MetricsSchema>, Metrics>>()
assertTrue<Equals<z.output<typeof MetricsRecordSchema>, MetricsRecord>>()
assertTrue<Equals<z.output<typeof RunResultSchema>, RunResult>>()
assertTrue<Equals<z.output<typeof RunStatusSchema>, RunStatus>>()
assertTrue<Equals<z.output<typeof RunErrorSchema>, RunErrorInfo>>()
assertTrue<Equals<z.output<typeof MlpWeightsSchema>, MlpWeights>>()
