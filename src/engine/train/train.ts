/**
 * The one training loop for every objective: §2 statistics matching (φ = MLP, minimise D(φ#ν, μ₁) on
 * mini-batches), §3 density models and §4 flows (each a `TrainableModel` with its own networks).
 * Seeded, cancellable, NaN-safe (keeps the last finite weights), with periodic held-out evaluation, and
 * everything persisted in the run store as it goes.
 *
 * Random streams (all derived from `config.seed`): split, initialisation, training noise/batches, evaluation.
 */
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../backend'
import type { EngineContext } from '../context'
import { yieldToEventLoop } from '../context'
import { CancelledError, ConfigError, DivergenceError, NonFiniteSamplesError } from '../errors'
import { allObjectives, findObjective } from '../objectives/registry'
import {
  currentModel,
  hasCapability,
  objectiveArchs,
  type AnyObjective,
  type LoopModel,
  type ModelSpec,
  type SampleOptions,
  type StoredRun,
  type TrainableModel
} from '../objectives/types'
import { archOf, checkArch } from '../models/nets'
import { DEFAULT_CHANNELS } from '../models/unet'
import { chooseTrainer, ortBackendLabel, ortTrainable } from '../ort'
import { resolveParams, type ParamValues } from '../params'
import { sameRunData, type RunDataInfo } from '../../shared/run-data'
import { Rng, type RngState } from '../rng'
import type { Dataset, ImageReadOptions, Metrics, Points, Standardization } from '../types'
import {
  applyStandardization,
  builtinModes,
  datasetDigest,
  invertStandardization,
  isBuiltin,
  MIN_HELDOUT,
  pixelStandardization,
  resolveDataset,
  splitHeldout,
  standardize
} from '../data'
import { computeMetrics, nonFiniteRows, type ImageEvaluator, type KnownModes } from '../metrics'
import type { BestInfo, RunHandle, RunStore } from '../store'
import { SNAPSHOT_POINTS, snapshotSteps } from '../store/snapshots'
import type { DatasetConfig, ModelConfig, RunConfig } from './config'
import { runDiagnostics } from './diagnostics'
import { classifierDir, imageEvaluator } from './image-eval'
import { PushforwardModel } from './pushforward-model'
import { RunSampling, type SamplingEngine, type SamplingModel } from './run-sampling'
import { SNAPSHOT_EVERY } from './variables'

export type { PushforwardWeights } from './pushforward-model'

export interface TrainProgress {
  runId: string | null
  step: number
  steps: number
  loss: number
  samplesPerSec: number
  elapsedMs: number
  etaMs: number
  /** Present on evaluation steps. */
  metrics?: Metrics
}

export interface TrainResult {
  runId: string | null
  objective: string
  dataset: string
  backend: string
  steps: number
  durationMs: number
  finalLoss: number
  metrics: Metrics
  /** Objective-specific held-out figures (NLL, ELBO, …). */
  extra: Record<string, number>
  /** The sampler and K the metrics were measured with. */
  sampler: SampleOptions
  /** Standardised samples of the trained model and the held-out split (for plots/tests). */
  samples: Points
  heldout: Points
  standardization: Standardization
  weights: { kind: string } & Record<string, unknown>
  /** The best held-out evaluation (early-stopping style; its weights are weights.best.json), null without a store. */
  best: BestInfo | null
  /** Wall milliseconds of snapshots, previews and held-out evaluations (sampling and scoring), within durationMs. */
  evalMs: number
}

/**
 * Live sample previews while training (the workbench's scatter): every `everyMs`, `n` points drawn with the
 * model's default sampler from their own seeded stream (training draws are unaffected), in data units.
 */
export interface PreviewOptions {
  everyMs: number
  n: number
  onPreview(step: number, points: Points): void
}

/** The seed streams of a run, so eval/sample re-derive the same split. */
export const STREAMS = { split: 0x5eed01, init: 0x5eed02, train: 0x5eed03, eval: 0x5eed04 } as const
export const streamRng = (seed: number, stream: number): Rng => new Rng((seed ^ stream) >>> 0)
/** The stream an image run's evaluator draws its subsets and Gaussian yard-stick from (image-eval.ts). */
export const imageEvaluatorRng = (seed: number): Rng => streamRng(seed, STREAMS.eval + 7)

export const DEFAULT_MODEL: Omit<ModelConfig, 'latentDim'> = {
  base: 'normal',
  width: 128,
  depth: 3,
  activation: 'silu'
}

/**
 * Split and standardise a dataset the way a run does: per-feature statistics from the training split only,
 * or for images the fixed pixel scaling of their range to [−1, 1] (an image's pixels keep one scale).
 */
export function prepareData(
  ds: Pick<Dataset, 'n' | 'd' | 'data' | 'name' | 'image'>,
  config: Pick<RunConfig, 'seed' | 'heldout'>
): { train: Points; heldout: Points; stats: Standardization } {
  const { train: rawTrain, heldout: rawHeldout } = splitHeldout(
    ds,
    config.heldout,
    streamRng(config.seed, STREAMS.split)
  )
  const { points: train, stats } = ds.image
    ? (() => {
        const stats = pixelStandardization(ds.d, ds.image)
        return { points: applyStandardization(rawTrain, stats), stats }
      })()
    : standardize(rawTrain)
  return { train, heldout: applyStandardization(rawHeldout, stats), stats }
}

/**
 * The log line of a split that is not the held-out fraction asked for (null when it is): a run keeps at least
 * min(MIN_HELDOUT, ⌊n/2⌋) rows out, so on small data it holds out more than `heldout` says.
 */
export function heldoutNote(n: number, fraction: number, heldoutRows: number): string | null {
  if (heldoutRows === Math.round(fraction * n)) return null
  const pct = (v: number): string => `${Number((100 * v).toPrecision(3))} %`
  return (
    `held out ${heldoutRows} of ${n} rows (${pct(heldoutRows / n)}), not the ${pct(fraction)} asked for: ` +
    `a run keeps at least min(${MIN_HELDOUT}, n/2) rows out so that its held-out metrics are not noise.`
  )
}

/**
 * One log line per column of a table that holds the same value in every row (a constant column trains nothing and
 * its metrics say nothing about it); none for images, whose border pixels are often constant by design.
 */
export function constantColumnNotes(ds: Pick<Dataset, 'n' | 'd' | 'data' | 'columns'>): string[] {
  const out: string[] = []
  for (let j = 0; j < ds.d; j++) {
    const v = ds.data[j]!
    let same = ds.n > 1
    for (let i = 1; i < ds.n && same; i++) same = ds.data[i * ds.d + j] === v
    if (same)
      out.push(
        `column "${ds.columns[j] ?? `x${j}`}" is ${v} in every row: there is nothing to learn in it (leave it out of the columns).`
      )
  }
  return out
}

/** Held-out evaluations of a run whose interval the user left open (the last one at the end included). */
export const DEFAULT_EVALUATIONS = 8

/**
 * The evaluation interval scaled to the budget: about `DEFAULT_EVALUATIONS` held-out points over the run, so
 * that a short run's metric curve is a curve and a long one's is not dominated by evaluation time.
 */
export function defaultEvalEvery(steps: number, evaluations = DEFAULT_EVALUATIONS): number {
  return Math.max(1, Math.ceil(steps / evaluations))
}

/**
 * Image runs: fewer held-out evaluations, the ones before the end on IMAGE_EVAL_POINTS samples (a 784-D
 * Heun K = 100 sample costs ≈ 1.4 GFLOP a row), so that sampling stays a small share of the run.
 */
export const IMAGE_EVALUATIONS = 4
export const IMAGE_EVAL_POINTS = 250

/** Builds a RunConfig from partial user input, filling defaults from the objective and validating. */
export function makeRunConfig(
  ds: Dataset,
  input: {
    objective: string
    params?: Record<string, unknown>
    steps?: number
    batch?: number
    lr?: number
    seed?: number
    heldout?: number
    evalEvery?: number
    model?: Partial<ModelConfig>
    backend?: RunConfig['backend']
    device?: RunConfig['device']
  }
): RunConfig {
  const obj = findObjective(input.objective)
  // Image data: the objective's image budget where it declares one.
  const defaults = (ds.image ? obj.imageDefaults : undefined) ?? obj.defaults
  const params = resolveParams(`Objective ${obj.id}`, obj.params, {
    ...defaults.params,
    ...input.params
  })
  const steps = input.steps ?? defaults.steps
  const batch = input.batch ?? defaults.batch
  const lr = input.lr ?? defaults.lr
  const heldout = input.heldout ?? 0.2
  checkInt('steps', steps, 1, 10_000_000)
  checkInt('batch', batch, 2, 65_536)
  if (!(lr > 0 && lr < 10)) throw new ConfigError(`lr: ${lr} is outside (0, 10).`)
  if (!(heldout > 0 && heldout < 0.9)) throw new ConfigError(`heldout: ${heldout} is outside (0, 0.9).`)
  const model: ModelConfig = {
    ...DEFAULT_MODEL,
    latentDim: Math.max(ds.d, 1),
    ...defaults.model,
    ...input.model
  }
  checkInt('latent dimension', model.latentDim, 1, 4096)
  checkInt('width', model.width, 1, 8192)
  checkInt('depth', model.depth, 0, 64)
  checkArch(`Objective ${obj.id}`, objectiveArchs(obj), model, ds.image, ds.name)
  if (archOf(model) === 'mlp') {
    if (model.channels !== undefined)
      throw new ConfigError(
        'channels: the MLP has a width, not channels (channels applies to --arch unet or conv).'
      )
    delete model.arch
  } else {
    model.channels ??= DEFAULT_CHANNELS
    checkInt('channels', model.channels, 4, 256)
    if (model.channels % 4 !== 0) throw new ConfigError(`channels: ${model.channels} is not a multiple of 4.`)
  }
  if (model.base !== 'normal' && model.base !== 'uniform')
    throw new ConfigError(`base: "${String(model.base)}" is not normal or uniform.`)
  const evalEvery =
    input.evalEvery ?? defaultEvalEvery(steps, ds.image ? IMAGE_EVALUATIONS : DEFAULT_EVALUATIONS)
  checkInt('eval-every', evalEvery, 0, 10_000_000)
  return {
    objective: obj.id,
    params,
    dataset: {
      spec: ds.source.kind === 'builtin' ? ds.source.id : ds.source.path,
      name: ds.name,
      ...(ds.source.kind === 'file' && ds.source.columns !== undefined ? { columns: ds.source.columns } : {}),
      ...(ds.source.kind === 'file' && ds.source.skipRows !== undefined
        ? { skipRows: ds.source.skipRows }
        : {}),
      ...(ds.source.kind === 'file' ? imageReadOptions(ds.source) : {}),
      n: ds.n,
      ...(ds.source.kind === 'builtin' ? { seed: ds.source.seed } : {}),
      digest: datasetDigest(ds),
      rows: ds.n,
      dim: ds.d,
      columnNames: ds.columns,
      ...(ds.image ? { image: ds.image } : {}),
      ...(ds.classes ? { classes: ds.classes } : {})
    },
    model,
    steps,
    batch,
    lr,
    seed: input.seed ?? 0,
    heldout,
    evalEvery,
    backend: input.backend ?? 'auto',
    ...(input.device !== undefined ? { device: input.device } : {})
  }
}

/** The image read options present in `o` (to store with a run, so its data reload the same way). */
export function imageReadOptions(o: ImageReadOptions): ImageReadOptions {
  const out: ImageReadOptions = {}
  for (const k of ['imageShape', 'labelColumn', 'labels', 'resize'] as const)
    if (o[k] !== undefined) out[k] = o[k]
  return out
}

/** A stored run's data set, reloaded with the options it was trained with. */
export function loadRunDataset(config: Pick<RunConfig, 'dataset' | 'seed'>): Dataset {
  const dc = config.dataset
  return resolveDataset(dc.spec, {
    n: dc.n,
    seed: dc.seed ?? config.seed,
    ...(dc.columns !== undefined ? { columns: dc.columns } : {}),
    ...(dc.skipRows !== undefined ? { skipRows: dc.skipRows } : {}),
    ...imageReadOptions(dc)
  })
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(`${name}: ${v} is not an integer in [${min}, ${max}].`)
}

/** Gathers rows `idx` of `points` into `out`. */
function gatherRows(points: Points, idx: ArrayLike<number>, out: Float32Array): Float32Array {
  const d = points.d
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!
    for (let j = 0; j < d; j++) out[i * d + j] = points.data[r * d + j]!
  }
  return out
}

/** Builds the trainable model of any objective kind. */
export async function createModel(
  obj: AnyObjective,
  config: RunConfig,
  dim: number,
  store?: RunStore,
  log?: (message: string) => void,
  signal?: AbortSignal
): Promise<TrainableModel> {
  // A configuration stored before a parameter existed keeps what it trained with (`storedDefaults`).
  const params = resolveParams(`Objective ${obj.id}`, obj.params, { ...obj.storedDefaults, ...config.params })
  const rng = streamRng(config.seed, STREAMS.init)
  const image = config.dataset.image
  if (obj.kind === 'pushforward')
    return PushforwardModel.create(obj, { dim, image }, config.model, params, config.lr, rng)
  return obj.create({
    dim,
    ...(image ? { image } : {}),
    model: config.model,
    params,
    lr: config.lr,
    batch: config.batch,
    rng,
    ...(log ? { log } : {}),
    ...(signal ? { signal } : {}),
    ...(store
      ? storeRuns(
          store,
          { dim, ...(image ? { image } : {}), model: config.model, lr: config.lr, batch: config.batch },
          config.dataset
        )
      : {})
  })
}

/** `loadRun` and `restoreRun` of a model spec over the run store. */
function storeRuns(
  store: RunStore,
  spec: Pick<ModelSpec, 'dim' | 'image' | 'model' | 'lr' | 'batch'>,
  data: DatasetConfig
): Pick<ModelSpec, 'loadRun' | 'restoreRun'> {
  const loadRun = async (id: string): Promise<StoredRun> => {
    const run = store.load(id)
    return { objective: run.config.objective, weights: store.readWeights(id), config: run.config }
  }
  return { loadRun, restoreRun: runRestorer(loadRun, spec, data) }
}

/** What a run was trained on, for comparing runs' data (`sameRunData`: the teacher check, the Gallery). */
export function runDataInfo(
  dataset: Pick<DatasetConfig, 'spec' | 'name' | 'digest' | 'columns' | 'skipRows'>
): RunDataInfo {
  const builtin = isBuiltin(dataset.spec)
  return {
    name: dataset.name,
    spec: dataset.spec,
    builtin,
    ...(!builtin && dataset.digest !== undefined ? { digest: dataset.digest } : {}),
    ...(!builtin && dataset.columns !== undefined ? { columns: dataset.columns } : {}),
    ...(!builtin && dataset.skipRows !== undefined ? { skipRows: dataset.skipRows } : {})
  }
}

/**
 * Why a teacher trained on `teacher` cannot teach a run on `data`, or null: a teacher's transport (in its own
 * standardised units) fits only its own data. The Gallery's rule (`sameRunData`): built-ins match by id (another
 * seed draws the same law); files by the digest of their values where both runs stored one, else by path, column
 * selection and skipped lines.
 */
export function teacherDataMismatch(
  teacher: Pick<DatasetConfig, 'spec' | 'name' | 'digest' | 'columns' | 'skipRows'>,
  data: Pick<DatasetConfig, 'spec' | 'name' | 'digest' | 'columns' | 'skipRows'>
): string | null {
  if (sameRunData(runDataInfo(teacher), runDataInfo(data))) return null
  const other = teacher.name === data.name ? 'other data under the same name' : `"${teacher.name}"`
  return `it was trained on ${other}, and this run's data are "${data.name}"; a teacher's transport fits only its own data. Train a teacher on "${data.name}" (or learn on "${teacher.name}").`
}

/**
 * `ModelSpec.restoreRun` over a source of stored runs (the run store; a test's runs in memory): finds the run's
 * objective in the registry, checks the capability asked for, and rebuilds its model with that objective's
 * `restore`, the run's own parameters and the learning run's model configuration (as teachers always were).
 */
export function runRestorer(
  load: (id: string) => Promise<StoredRun>,
  spec: Pick<ModelSpec, 'dim' | 'image' | 'model' | 'lr' | 'batch'>,
  data?: DatasetConfig
): NonNullable<ModelSpec['restoreRun']> {
  return async (runId, need) => {
    const run = await load(runId)
    const teacherData = record(record(run.config)?.dataset)
    if (need === 'teacher' && data && teacherData && typeof teacherData.spec === 'string') {
      const why = teacherDataMismatch(teacherData as unknown as DatasetConfig, data)
      if (why) throw new ConfigError(`Run ${runId} cannot teach this run: ${why}`)
    }
    const obj = allObjectives().find((o) => o.id === run.objective)
    if (need && (!obj || !hasCapability(obj, need))) {
      const able = allObjectives().filter((o) => hasCapability(o, need))
      throw new ConfigError(
        `Run ${runId} was trained with ${run.objective}, which cannot ${need === 'teacher' ? 'teach' : `do ${need}`}; ` +
          `use a run of ${able.map((o) => o.id).join(', ')}.`
      )
    }
    if (!obj)
      throw new ConfigError(
        `Run ${runId} was trained with ${run.objective}, an objective not registered here.`
      )
    const weights = record(run.weights)
    if (!weights || typeof weights.kind !== 'string')
      throw new ConfigError(`Run ${runId} has no readable weights.`)
    const params = (record(record(run.config)?.params) ?? {}) as ParamValues
    const model = restoreModel(
      obj,
      { ...spec, params, dataset: spec.image ? { image: spec.image } : {} },
      spec.dim,
      weights as { kind: string } & Record<string, unknown>
    )
    return { runId, objective: obj, model, config: run.config as RunConfig }
  }
}

function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

/** Rebuilds a stored model (eval, sample, export). */
export function restoreModel(
  obj: AnyObjective,
  config: Pick<RunConfig, 'model' | 'params' | 'lr' | 'batch'> & {
    dataset: Pick<RunConfig['dataset'], 'image'>
  },
  dim: number,
  weights: { kind: string } & Record<string, unknown>
): TrainableModel {
  if (obj.kind === 'pushforward') {
    if (weights.kind !== 'pushforward-mlp')
      throw new ConfigError(`weights.json holds "${weights.kind}", not a one-step map.`)
    return PushforwardModel.restore(weights as never, config.model)
  }
  const params = resolveParams(`Objective ${obj.id}`, obj.params, config.params)
  const image = config.dataset.image
  return obj.restore(weights, {
    dim,
    ...(image ? { image } : {}),
    model: config.model,
    params,
    lr: config.lr,
    batch: config.batch
  })
}

/**
 * The known modes of a run's data (the built-in mixtures, by id) with the run's standardisation, for the
 * metrics' mode coverage; null for data without known modes.
 */
export function runModes(datasetId: string | null, stats: Standardization): KnownModes | null {
  const modes = datasetId === null ? null : builtinModes(datasetId)
  return modes ? { modes, standardization: stats } : null
}

/** Held-out metrics of a model with its default (or the given) sampler; mode coverage with `known` modes. */
export async function scoreModel(
  model: SamplingModel,
  heldout: Points,
  train: Points,
  n: number,
  rng: Rng,
  sampler?: Partial<SampleOptions>,
  known?: KnownModes | null,
  images?: ImageEvaluator | null
): Promise<{ metrics: Metrics; samples: Points; sampler: SampleOptions; nfe?: number }> {
  const opts: SampleOptions = {
    ...sampler,
    sampler: sampler?.sampler ?? model.samplers[0]!,
    steps: sampler?.steps ?? model.defaultSteps
  }
  if (!model.samplers.includes(opts.sampler))
    throw new ConfigError(`This model samples with ${model.samplers.join(', ')}, not "${opts.sampler}".`)
  const samples: Points = { n, d: heldout.d, data: await model.sample(n, rng.fork(), opts) }
  const bad = nonFiniteRows(samples)
  if (bad > 0) throw new NonFiniteSamplesError(bad, n)
  const metrics = computeMetrics(samples, heldout, train, rng.fork(), known)
  if (images) metrics.image = images.score(samples, rng.fork())
  const nfe = model.lastRun?.nfe
  return { metrics, samples, sampler: opts, ...(nfe !== undefined ? { nfe } : {}) }
}

/**
 * How often a run writes a checkpoint (weights.json and checkpoint.json): every `fraction` of the step budget
 * or every `everyMs` of training, whichever comes first, and when it is cancelled. Independent of `evalEvery`.
 * A network whose checkpoint takes seconds (an MNIST-size MLP: 80 MB of weights and 80 MB of state) would spend
 * a large part of the run writing them; so a periodic checkpoint also waits until the training since the last
 * one is at least (1 − maxShare)/maxShare times that one's wall time — checkpoints take at most `maxShare` of
 * the run (a cancelled run is always checkpointed).
 */
export interface CheckpointPolicy {
  fraction: number
  everyMs: number
  maxShare?: number
}
export const DEFAULT_CHECKPOINTS: CheckpointPolicy = { fraction: 0.1, everyMs: 30_000, maxShare: 0.05 }

/** Whether a periodic checkpoint is due: `stepsDone` of `steps`, `sinceMs` since the last, which took `lastMs`. */
export function checkpointDue(
  policy: CheckpointPolicy,
  stepsDone: number,
  steps: number,
  sinceMs: number,
  lastMs: number
): boolean {
  if (stepsDone >= steps) return false
  const every = Math.max(1, Math.round(steps * policy.fraction))
  if (stepsDone % every !== 0 && sinceMs < policy.everyMs) return false
  const share = policy.maxShare ?? 1
  return share >= 1 || sinceMs * share >= lastMs * (1 - share)
}

/** What the training loop is given besides the data and config (see `trainRun`). */
export type TrainContext = EngineContext<TrainProgress> & {
  store?: RunStore
  evalPoints?: number
  preview?: PreviewOptions
  checkpoints?: CheckpointPolicy
  /** Called after each checkpoint is on disk. */
  onCheckpoint?(step: number): void
  /** Which engine samples snapshots, previews and metrics (default `auto`: run-sampling.ts). */
  sampling?: SamplingEngine
  /**
   * The image evaluator of this data set and split, built once by a caller that trains many runs on them
   * (bench:quality); by default each image run builds its own (`imageEvaluator`).
   */
  images?: ImageEvaluator
}

/** The run's random streams, by name (all derived from `config.seed`; checkpoints store their positions). */
type Streams = Record<'train' | 'eval' | 'preview' | 'snapshot', Rng>

function freshStreams(seed: number): Streams {
  return {
    train: streamRng(seed, STREAMS.train),
    eval: streamRng(seed, STREAMS.eval),
    preview: streamRng(seed, STREAMS.eval + 5),
    // Snapshots for the Gallery's slider over training: their own stream, so they change nothing else.
    snapshot: streamRng(seed, STREAMS.eval + 6)
  }
}

/** Where the loop starts: step 0, or a checkpoint (resume.ts). */
export interface LoopStart {
  step: number
  elapsedMs: number
  loss: number
  streams: Streams
  best: BestInfo | null
}

/** Streams at a stored position. */
export function streamsFrom(rng: Record<string, RngState>): Streams {
  const get = (k: keyof Streams): Rng => {
    const st = rng[k]
    if (!st) throw new ConfigError(`The checkpoint has no position for the ${k} stream.`)
    return Rng.fromState(st)
  }
  return { train: get('train'), eval: get('eval'), preview: get('preview'), snapshot: get('snapshot') }
}

/** Everything the loop needs, built by `trainRun` (a new run) or `resumeRun` (a stopped one). */
export interface LoopSetup {
  obj: AnyObjective
  ds: Dataset
  config: RunConfig
  model: LoopModel
  handle: RunHandle | null
  backendId: string
  train: Points
  heldout: Points
  stats: Standardization
}

/**
 * The batch a run can use: at most its training rows (a small table with the default batch trains on all
 * of its rows at every step, and says so). Throws a ConfigError naming the `batch` field below 2 rows.
 */
export function fitBatch(
  config: RunConfig,
  trainRows: number,
  heldoutRows: number,
  name: string,
  log?: (m: string) => void
): RunConfig {
  if (trainRows >= config.batch) return config
  if (trainRows < 2)
    throw new ConfigError(
      `${name} has ${trainRows} training row${trainRows === 1 ? '' : 's'} after holding out ${heldoutRows}; training needs at least 2.`
    )
  log?.(
    `batch: ${config.batch} is more than the ${trainRows} training rows of ${name}; each step uses all ${trainRows}.`
  )
  return { ...config, batch: trainRows }
}

/**
 * Trains any objective on `ds` with `config`. With a `store`, the run is created only after every input has
 * been validated, then updated as training goes (metrics log, checkpoints) and finished with its status.
 * A batch larger than the training split is capped at it (logged; the stored config holds the batch used).
 */
export async function trainRun(ds: Dataset, config: RunConfig, ctx: TrainContext = {}): Promise<TrainResult> {
  const obj = findObjective(config.objective)
  resolveParams(`Objective ${obj.id}`, obj.params, config.params)
  const { train, heldout, stats } = prepareData(ds, config)
  const split = heldoutNote(ds.n, config.heldout, heldout.n)
  if (split) ctx.log?.(split)
  if (!ds.image) for (const line of constantColumnNotes(ds)) ctx.log?.(line)
  config = fitBatch(config, train.n, heldout.n, ds.name, ctx.log)
  const { model, backendId } = await buildLoopModel(obj, config, ds.d, ctx)
  let handle: RunHandle | null = null
  try {
    handle = ctx.store ? ctx.store.create({ config }) : null
  } catch (e) {
    model.dispose()
    throw e
  }
  handle?.setBackend(backendId)
  handle?.setStandardization(stats)
  const start: LoopStart = {
    step: 0,
    elapsedMs: 0,
    loss: NaN,
    streams: freshStreams(config.seed),
    best: null
  }
  return trainLoop({ obj, ds, config, model, handle, backendId, train, heldout, stats }, start, ctx)
}

/** The model the loop drives: tfjs, or wrapped for onnxruntime's training step; logs the backend. */
export async function buildLoopModel(
  obj: AnyObjective,
  config: RunConfig,
  dim: number,
  ctx: Pick<TrainContext, 'store' | 'log' | 'signal'>
): Promise<{ model: LoopModel; backendId: string }> {
  // onnxruntime trains the objectives that have its step (src/engine/ort/); TensorFlow.js samples and scores.
  const {
    trainer,
    skipped: ortSkipped,
    device
  } = await chooseTrainer(obj, config.backend, config.device, archOf(config.model))
  // Refused before anything changes (initBackend switches the process's TensorFlow.js backend).
  if (Number(config.params.dropout ?? 0) > 0 && trainer !== 'onnxruntime')
    throw new ConfigError(
      `dropout trains on onnxruntime's step only (--backend onnxruntime or auto, an MLP network); this run would train on TensorFlow.js.`
    )
  const backend = await initBackend(config.backend)
  const backendId = trainer === 'onnxruntime' ? ortBackendLabel(device) : backend.id
  const skipped = [...backend.skipped, ...(ortSkipped ? [ortSkipped] : [])]
  ctx.log?.(
    `backend: ${backendId}` +
      (trainer === 'onnxruntime' ? ` (sampling and metrics on ${backend.id})` : '') +
      (skipped.length ? ` (skipped ${skipped.join('; ')})` : '')
  )
  const built = await createModel(obj, config, dim, ctx.store, ctx.log, ctx.signal)
  try {
    const model =
      trainer === 'onnxruntime'
        ? await ortTrainable(built, { batch: config.batch, provider: device?.provider ?? 'cpu' })
        : built
    return { model, backendId }
  } catch (e) {
    built.dispose()
    throw e
  }
}

/** The loop itself, from `start` (step 0 or a checkpoint) to the end of the budget. Disposes `model`. */
export async function trainLoop(setup: LoopSetup, start: LoopStart, ctx: TrainContext): Promise<TrainResult> {
  const { obj, ds, config, model, handle, backendId, train, heldout, stats } = setup
  const runId = handle?.id ?? null
  const { train: rng, eval: evalRng, preview: previewRng, snapshot: snapshotRng } = start.streams
  const B = config.batch
  const yBuf = new Float32Array(B * ds.d)
  const idx = new Uint32Array(B)
  let snapshot: tf.Tensor[] = model.snapshot()
  let snapshotStep = start.step
  const t0 = performance.now() - start.elapsedMs
  let lastReport = 0
  let lastYield = performance.now()
  let loss = start.loss
  /** A line at least every 1/LOSS_LINES of the budget (a fast run's curve is a curve), and every 250 ms. */
  const logEvery = Math.max(1, Math.ceil(config.steps / LOSS_LINES))
  /** The steps' losses since the last logged line: a line logs their mean, not one batch's draw. */
  const window = { sum: 0, n: 0 }
  let lineLoss = loss
  let step = start.step
  let best = start.best
  const evalN = Math.min(ctx.evalPoints ?? heldout.n, heldout.n)
  // Image runs score the evaluations before the end on fewer samples (the last one on evalN).
  const midEvalN = ds.image ? Math.min(evalN, IMAGE_EVAL_POINTS) : evalN
  const known = runModes(ds.source.kind === 'builtin' ? ds.source.id : null, stats)
  const policy = ctx.checkpoints ?? DEFAULT_CHECKPOINTS
  let lastCkpt = performance.now()
  /** Checkpoints written by this process, their wall time (the state's copy, serialising, writing), the last's. */
  const ckpts = { count: 0, ms: 0, lastMs: 0 }
  const checkpoint = async (stepsDone: number): Promise<void> => {
    if (!handle) return
    const began = performance.now()
    const streams: Streams = { train: rng, eval: evalRng, preview: previewRng, snapshot: snapshotRng }
    const state = (await model.trainState?.()) ?? null
    handle.saveCheckpoint(model.toJSON(), {
      step: stepsDone,
      elapsedMs: performance.now() - t0,
      loss,
      rng: Object.fromEntries(Object.entries(streams).map(([k, r]) => [k, r.state()])),
      state
    })
    lastCkpt = performance.now()
    ckpts.count++
    ckpts.lastMs = lastCkpt - began
    ckpts.ms += ckpts.lastMs
    ctx.onCheckpoint?.(stepsDone)
  }
  /** Keeps the weights of the best held-out energy so far (weights.best.json). */
  const keepBest = (stepsDone: number, metrics: Metrics): void => {
    if (!handle || !Number.isFinite(metrics.energy) || (best && best.value <= metrics.energy)) return
    best = { step: stepsDone, metric: 'energy', value: metrics.energy }
    handle.saveBest(model.toJSON(), best)
  }
  const snapshotAt = new Set(handle ? snapshotSteps(config.steps) : [])
  const snapshotPoints = ds.image ? IMAGE_SNAPSHOT_POINTS : SNAPSHOT_POINTS
  const takeSnapshot = (step: number, pts: Points): void => {
    const n = Math.min(snapshotPoints, pts.n)
    const head: Points = { n, d: pts.d, data: pts.data.subarray(0, n * pts.d) }
    handle?.appendSnapshot(step, invertStandardization(head, stats))
  }
  let lastPreview = -Infinity
  /** The last held-out evaluation of this process: a run stopped before its end keeps it as its figures. */
  let lastEval: { step: number; metrics: Metrics } | null = null
  let images: ImageEvaluator | null = null
  // Snapshots, previews and metrics sample through onnxruntime where the model has a graph (run-sampling.ts).
  const sampling = new RunSampling(() => currentModel(model), config, {
    ...(ctx.sampling ? { engine: ctx.sampling } : {}),
    ...(ctx.log ? { log: ctx.log } : {})
  })
  /** Wall time of snapshots, previews and held-out evaluations (sampling and scoring). */
  let evalMs = 0
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const t = performance.now()
    try {
      return await f()
    } finally {
      evalMs += performance.now() - t
    }
  }

  try {
    // Labelled image sets: metrics in the features of the data set's classifier (trained once, cached).
    images =
      ctx.images ??
      (await imageEvaluator(ds, stats, { train, heldout }, imageEvaluatorRng(config.seed), {
        ...(ctx.store ? { cacheDir: classifierDir(ctx.store.root) } : {}),
        ...(ctx.log ? { log: ctx.log } : {})
      }))
    // ── the steps ──
    for (; step < config.steps; step++) {
      if (ctx.signal?.aborted)
        throw new CancelledError(`Training cancelled at step ${step} of ${config.steps}.`)
      for (let i = 0; i < B; i++) idx[i] = rng.int(train.n)
      gatherRows(train, idx, yBuf)
      const y = tf.tensor2d(yBuf, [B, ds.d])
      try {
        loss = (await model.step(y, { rng, step, steps: config.steps })).loss
        window.sum += loss
        window.n++
      } finally {
        y.dispose()
      }
      if (!Number.isFinite(loss))
        throw new DivergenceError(
          `Training diverged at step ${step} (loss is ${loss}); kept the last finite weights from step ${snapshotStep}. Try a smaller learning rate (lr).`
        )
      if ((step + 1) % SNAPSHOT_EVERY === 0) {
        tf.dispose(snapshot)
        snapshot = model.snapshot()
        snapshotStep = step + 1
      }
      // ── logging and held-out evaluation ──
      const now = performance.now()
      const isEval = config.evalEvery > 0 && (step + 1) % config.evalEvery === 0 && step + 1 < config.steps
      const isLine = (step + 1) % logEvery === 0 || now - lastReport > 250
      if (isEval || isLine || step === start.step || step + 1 === config.steps) {
        const elapsed = now - t0
        const sps = ((step + 1 - start.step) * B) / ((now - t0 - start.elapsedMs) / 1000)
        sampling.version = step + 1
        let metrics: Metrics | undefined
        let evalError: string | undefined
        if (isEval) {
          try {
            metrics = (
              await timed(() =>
                scoreModel(sampling, heldout, train, midEvalN, evalRng.fork(), undefined, known, images)
              )
            ).metrics
          } catch (e) {
            // samples that blow up mid-run are a fact of the run, not the end of it: logged, kept, trained on
            if (!(e instanceof NonFiniteSamplesError)) throw e
            evalError = e.message
            ctx.log?.(`step ${step + 1}: held-out evaluation skipped: ${e.message}`)
          }
        }
        const meanLoss = window.sum / window.n
        window.sum = window.n = 0
        lineLoss = meanLoss
        handle?.appendMetrics({
          step: step + 1,
          loss: meanLoss,
          time: elapsed,
          samplesPerSec: sps,
          ...(metrics ? { metrics } : {}),
          ...(evalError ? { evalError } : {})
        })
        if (metrics) {
          keepBest(step + 1, metrics)
          lastEval = { step: step + 1, metrics }
        }
        ctx.onProgress?.({
          runId,
          step: step + 1,
          steps: config.steps,
          loss: meanLoss,
          samplesPerSec: sps,
          elapsedMs: elapsed,
          etaMs: ((now - t0 - start.elapsedMs) / (step + 1 - start.step)) * (config.steps - step - 1),
          ...(metrics ? { metrics } : {})
        })
        lastReport = performance.now() // after the evaluation: the next step is not logged for its time
      }
      const opts: SampleOptions = { sampler: model.samplers[0]!, steps: model.defaultSteps }
      sampling.version = step + 1
      if (snapshotAt.has(step + 1)) {
        const data = await timed(() => sampling.sample(snapshotPoints, snapshotRng.fork(), opts))
        takeSnapshot(step + 1, { n: snapshotPoints, d: ds.d, data })
      }
      if (ctx.preview && now - lastPreview >= ctx.preview.everyMs && step + 1 < config.steps) {
        const n = ctx.preview.n
        const pts: Points = {
          n,
          d: ds.d,
          data: await timed(() => sampling.sample(n, previewRng.fork(), opts))
        }
        ctx.preview.onPreview(step + 1, invertStandardization(pts, stats))
        lastPreview = performance.now()
      }
      // ── checkpoint ──
      if (checkpointDue(policy, step + 1, config.steps, performance.now() - lastCkpt, ckpts.lastMs))
        await checkpoint(step + 1)
      if (now - lastYield > 50) {
        await yieldToEventLoop()
        lastYield = performance.now()
      }
    }
    // ── the end: final held-out metrics, weights, samples ──
    sampling.version = config.steps
    const beforeFinal = evalMs
    const scored = await timed(() =>
      scoreModel(sampling, heldout, train, evalN, evalRng.fork(), undefined, known, images)
    )
    const weights = model.toJSON()
    const extra = await timed(async () => runDiagnostics(model, weights, config, heldout, evalRng.fork()))
    const durationMs = performance.now() - t0
    handle?.saveWeights(weights)
    keepBest(config.steps, scored.metrics)
    // The stored samples are those scored (fewer than the held-out rows where `evalPoints` says so), at most 5 000.
    const samples: Points = { n: Math.min(scored.samples.n, 5000), d: ds.d, data: new Float32Array(0) }
    samples.data = scored.samples.data.subarray(0, samples.n * ds.d)
    handle?.saveSamples(ds.columns, invertStandardization(samples, stats))
    takeSnapshot(config.steps, samples)
    handle?.appendMetrics({ step: config.steps, loss: lineLoss, time: durationMs, metrics: scored.metrics })
    handle?.finish('completed', { stepsDone: config.steps, durationMs, metrics: scored.metrics, extra })
    ctx.log?.(samplingShare(evalMs, durationMs - start.elapsedMs, sampling, evalMs - beforeFinal))
    if (ckpts.count > 0)
      ctx.log?.(
        `checkpoints: ${ckpts.count} written in ${(ckpts.ms / 1000).toFixed(1)} s ` +
          `(${((100 * ckpts.ms) / (durationMs - start.elapsedMs)).toFixed(1)} % of the run)`
      )
    ctx.log?.(
      `trained ${config.steps} steps in ${(durationMs / 1000).toFixed(1)} s` +
        (best && best.step < config.steps
          ? `; best held-out energy ${best.value.toPrecision(4)} at step ${best.step} (kept as the best checkpoint)`
          : '')
    )
    return {
      runId,
      objective: obj.id,
      dataset: ds.name,
      backend: backendId,
      steps: config.steps,
      durationMs,
      finalLoss: loss,
      metrics: scored.metrics,
      extra,
      sampler: scored.sampler,
      samples: scored.samples,
      heldout,
      standardization: stats,
      weights,
      best,
      evalMs
    }
  } catch (e) {
    if (handle) {
      // Cancelled between two steps: a full checkpoint there, so resuming loses nothing. Diverged: the last
      // finite weights. Any other failure: the current weights (the last periodic checkpoint stays resumable).
      if (e instanceof DivergenceError) model.restore(snapshot)
      const stepsDone = e instanceof DivergenceError ? snapshotStep : step
      try {
        if (e instanceof CancelledError) await checkpoint(step)
        else handle.saveWeights(model.toJSON())
      } catch {
        /* weights unreadable: the run record still says what happened */
      }
      const status = e instanceof CancelledError ? 'cancelled' : 'failed'
      const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'INTERNAL'
      const message = e instanceof Error ? e.message : String(e)
      handle.finish(
        status,
        {
          stepsDone,
          durationMs: performance.now() - t0,
          metrics: lastEval?.metrics ?? null,
          ...(lastEval ? { metricsStep: lastEval.step } : {})
        },
        { code, message }
      )
    }
    throw e
  } finally {
    tf.dispose(snapshot)
    await sampling.dispose().catch(() => undefined)
    model.dispose()
  }
}

/** Lines of the loss curve a run logs at least, however fast its steps (metrics.jsonl, progress). */
export const LOSS_LINES = 200

/** Snapshots drawn by an image run (an 8 × 8 grid; 784-D samples are costly, and a grid shows 64). */
export const IMAGE_SNAPSHOT_POINTS = 64

/**
 * The log line on sampling's share of a run's wall time (this session's, a resumed run's from its restart):
 * all of it, then the part spent during training (snapshots, previews, the held-out evaluations before the
 * end) and the final evaluation with the run's diagnostics (`finalMs`), whose size the user chose (held-out
 * split, sampler, K).
 */
export function samplingShare(evalMs: number, wallMs: number, sampling: RunSampling, finalMs = 0): string {
  const ort = sampling.ortTime
  const pct = (ms: number): string => `${(wallMs > 0 ? (100 * ms) / wallMs : 0).toFixed(1)} %`
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  return (
    `sampling and evaluation (snapshots, previews, held-out metrics): ${s(evalMs)} of ${s(wallMs)} ` +
    `(${pct(evalMs)}; during training ${s(evalMs - finalMs)} = ${pct(evalMs - finalMs)}, ` +
    `final evaluation and diagnostics ${s(finalMs)} = ${pct(finalMs)})` +
    (ort && ort.builds > 0
      ? `; onnxruntime sampled: ${ort.builds} graph builds ${(ort.buildMs / 1000).toFixed(1)} s, runs ${(ort.runMs / 1000).toFixed(1)} s`
      : '; sampled through TensorFlow.js')
  )
}
