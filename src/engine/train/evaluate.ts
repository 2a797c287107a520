/** Re-opening a stored run: rebuild its data split, restore its model, sample and score it. */
import { initBackend } from '../backend'
import { datasetDigest, invertStandardization, isBuiltin, splitHeldout } from '../data'
import { ConfigError, StoreError } from '../errors'
import { isConvGeneratorWeights } from '../models/nets'
import { findObjective } from '../objectives/registry'
import type { SampleOptions, TrainableModel } from '../objectives/types'
import { energyFloor } from '../metrics/energy-distance'
import { findSampler } from '../samplers/registry'
import type { Dataset, ImageInfo, Metrics, Points } from '../types'
import { BEST_WEIGHTS_FILE, WEIGHTS_FILE, type LoadedRun, type RunStore, type WeightsChoice } from '../store'
import { Rng } from '../rng'
import type { RunConfig } from './config'
import { runDiagnostics } from './diagnostics'
import { classifierDir, imageEvaluator } from './image-eval'
import { RunSampling, type SamplingEngine } from './run-sampling'
import {
  STREAMS,
  imageEvaluatorRng,
  loadRunDataset,
  prepareData,
  restoreModel,
  runModes,
  scoreModel,
  streamRng
} from './train'

export interface OpenRun {
  run: LoadedRun
  config: RunConfig
  model: TrainableModel
  weights: { kind: string } & Record<string, unknown>
  dispose(): void
}

/**
 * Loads a stored run's model: `final` (default) is weights.json — the end of training, or the last checkpoint
 * of a crashed, cancelled or failed run; `best` is weights.best.json, the best held-out evaluation's.
 */
export async function openRun(store: RunStore, id: string, which: WeightsChoice = 'final'): Promise<OpenRun> {
  const run = store.load(id)
  const weights = store.readWeightsOf(id, which)
  if (!weights || typeof weights.kind !== 'string') throw new StoreError(`Run "${id}" has no model weights.`)
  await initBackend(run.config.backend)
  const obj = findObjective(run.config.objective)
  const file = which === 'best' ? BEST_WEIGHTS_FILE : WEIGHTS_FILE
  const where = `Run "${id}": ${file}`
  const phiW = (weights as { phi?: { spec?: Record<string, unknown> } }).phi
  if (obj.kind === 'pushforward' && phiW?.spec) {
    // An MLP's spec has inDim / outDim, a conv generator's latentDim / dim.
    const [inKey, outKey] = isConvGeneratorWeights(phiW) ? ['latentDim', 'dim'] : ['inDim', 'outDim']
    const phi = phiW.spec
    if (phi[inKey] !== run.config.model.latentDim)
      throw new StoreError(
        `${where} field "phi.spec.${inKey}" is ${String(phi[inKey])}; run.json's config.model.latentDim is ${run.config.model.latentDim}.`
      )
    if (phi[outKey] !== run.config.dataset.dim)
      throw new StoreError(
        `${where} field "phi.spec.${outKey}" is ${String(phi[outKey])}; the run's data have ${run.config.dataset.dim} dimensions.`
      )
  }
  let model: TrainableModel
  try {
    model = restoreModel(obj, run.config, run.config.dataset.dim, weights)
  } catch (e) {
    throw new StoreError(
      `${where} does not hold a ${obj.id} model: ${e instanceof Error ? e.message : String(e)}`
    )
  }
  try {
    // Two points drawn with the default sampler: the stored model must produce points of the data's dimension.
    const probe = model.sample(2, new Rng(1), { sampler: model.samplers[0]!, steps: model.defaultSteps })
    if (probe.length !== 2 * run.config.dataset.dim)
      throw new StoreError(
        `${where} holds a model of ${probe.length / 2}-dimensional points; the run's data have ${run.config.dataset.dim} dimensions.`
      )
  } catch (e) {
    model.dispose()
    if (e instanceof StoreError) throw e
    throw new StoreError(
      `${where} does not hold a working ${obj.id} model: ${e instanceof Error ? e.message : String(e)}`
    )
  }
  return { run, config: run.config, model, weights, dispose: () => model.dispose() }
}

/** The run's data rebuilt the way training split it (held-out split in standardised coordinates). */
export function rebuildData(config: RunConfig): ReturnType<typeof prepareData> {
  return prepareData(resolveRunDataset(config), config)
}

/**
 * The run's dataset and its held-out rows in data units — the very rows its metrics score against (the split of
 * `prepareData`, before standardisation): the Gallery's reference panel.
 */
export function runHeldout(config: RunConfig): { ds: Dataset; heldout: Points } {
  const ds = resolveRunDataset(config)
  return { ds, heldout: splitHeldout(ds, config.heldout, streamRng(config.seed, STREAMS.split)).heldout }
}

/**
 * The run's dataset, loaded again; a StoreError when it no longer holds what the run trained on: other
 * rows × columns, or (runs that stored a digest) other values or labels.
 */
export function resolveRunDataset(config: RunConfig): Dataset {
  const ds = loadRunDataset(config)
  const dc = config.dataset
  if (ds.n !== dc.rows || ds.d !== dc.dim)
    throw new StoreError(
      `The data of this run changed: ${dc.spec} now has ${ds.n}×${ds.d} values, the run was trained on ${dc.rows}×${dc.dim}.`
    )
  const digest = dc.digest === undefined ? undefined : datasetDigest(ds)
  if (digest !== dc.digest)
    throw new StoreError(
      `The data of this run changed: ${dc.spec} has the run's ${dc.rows}×${dc.dim} shape but other values or labels than it was trained on (digest ${digest}, the run's ${dc.digest}); ` +
        (isBuiltin(dc.spec)
          ? 'this version of the built-in draws other points.'
          : 'restore that file to evaluate, resume or sample against its data.')
    )
  return ds
}

/** Most evaluation draws `evaluateRun` takes in one call. */
export const MAX_DRAWS = 20

/**
 * One evaluation draw's headline figures: the held-out energy over its Gaussian yard-stick, and for image runs
 * fd over its Gaussian yard-stick and the rarest class's share.
 */
export interface DrawFigures {
  seed: number
  energy: number
  energyRatio: number
  fd?: number
  fdRatio?: number
  minClassShare?: number
}

/** Mean, sample standard deviation, least and greatest of a figure over the draws. */
export interface Spread {
  mean: number
  sd: number
  min: number
  max: number
}

export function spreadOf(values: readonly number[]): Spread {
  const n = values.length
  const mean = values.reduce((a, b) => a + b, 0) / n
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) }
}

function drawFigures(seed: number, m: Metrics): DrawFigures {
  return {
    seed,
    energy: m.energy,
    energyRatio: m.energy / m.energyGaussian,
    ...(m.image
      ? { fd: m.image.fd, fdRatio: m.image.fd / m.image.fdGaussian, minClassShare: m.image.minClassShare }
      : {})
  }
}

/**
 * Held-out metrics of a stored run with n samples (default: the whole held-out split). With `draws` = R > 1
 * the model is scored on R sample draws (seeds seed, seed + 1, …; the held-out split and yard-sticks stay),
 * so that a figure's sampling noise is seen beside it — at mnist's n = 2 000 fd moves by ±0.3 from draw to
 * draw, as much as two models differ: `metrics` is the first draw's, `draws` every draw's headline figures.
 */
export async function evaluateRun(
  store: RunStore,
  id: string,
  opts: {
    n?: number
    seed?: number
    draws?: number
    weights?: WeightsChoice
    engine?: SamplingEngine
  } & Partial<SampleOptions> = {}
): Promise<{
  metrics: Metrics
  sampler: SampleOptions
  extra: Record<string, number>
  nfe?: number
  draws: DrawFigures[]
}> {
  const R = opts.draws ?? 1
  if (!(Number.isInteger(R) && R >= 1 && R <= MAX_DRAWS))
    throw new ConfigError(`draws: ${R} must be an integer in [1, ${MAX_DRAWS}].`)
  const open = await openRun(store, id, opts.weights)
  const sampling = runSampling(open, opts.engine)
  try {
    const ds = resolveRunDataset(open.config)
    const { train, heldout, stats } = prepareData(ds, open.config)
    const seed = opts.seed ?? open.config.seed
    const images = await imageEvaluator(ds, stats, { train, heldout }, imageEvaluatorRng(open.config.seed), {
      cacheDir: classifierDir(store.root)
    })
    const n = Math.min(opts.n ?? heldout.n, heldout.n)
    const sub: Points =
      n === heldout.n ? heldout : { n, d: heldout.d, data: heldout.data.subarray(0, n * heldout.d) }
    const { n: _n, seed: _seed, draws: _draws, weights: _weights, engine: _engine, ...sampler } = opts
    const score = (rng: Rng): ReturnType<typeof scoreModel> =>
      scoreModel(sampling, sub, train, n, rng, sampler, runModes(open.config.dataset.spec, stats), images)
    const rng = streamRng(seed, STREAMS.eval + 2)
    const scored = await score(rng)
    const extra = runDiagnostics(open.model, open.weights, open.config, heldout, rng.fork())
    const draws = [drawFigures(seed, scored.metrics)]
    for (let i = 1; i < R; i++)
      draws.push(drawFigures(seed + i, (await score(streamRng(seed + i, STREAMS.eval + 2))).metrics))
    return {
      metrics: scored.metrics,
      sampler: scored.sampler,
      extra,
      ...(scored.nfe !== undefined ? { nfe: scored.nfe } : {}),
      draws
    }
  } finally {
    await sampling.dispose()
    open.dispose()
  }
}

/** The sampling of an opened run: onnxruntime where it has a graph and pays (run-sampling.ts). */
export function runSampling(open: OpenRun, engine?: SamplingEngine): RunSampling {
  return new RunSampling(() => open.model, open.config, engine ? { engine } : {})
}

/**
 * Network evaluations one sample takes on a fixed grid: 1 for a one-step map, the sampler's `nfePerStep` per
 * step otherwise (an adaptive run reports what it used instead: `TrainableModel.lastRun`).
 */
export function evaluationsPerSample(o: Pick<SampleOptions, 'sampler' | 'steps'>): number {
  return o.sampler === 'onestep' ? 1 : findSampler(o.sampler).nfePerStep * o.steps
}

/** What `sampleRun` draws. */
export interface RunSamples {
  columns: string[]
  /** In data units; with `score`, at most as many as the held-out split has. */
  points: Points
  sampler: SampleOptions
  image?: ImageInfo
  /** Network evaluations per sample, as the sampling counted them (flows; an adaptive run's actual count). */
  nfe?: number
  /** Steps the sampling took where it knows its grid (flows; an adaptive run's own choice of steps). */
  stepsTaken?: number
  /** Network evaluations per sample: `nfe`, or what the sampler takes on its grid (`evaluationsPerSample`). */
  evaluations: number
  /** Milliseconds the network evaluations took (not the scoring, nor an onnxruntime graph build). */
  sampleMs: number
  /** With `score`: the samples' held-out metrics, and the held-out data's own energy floor at that n. */
  scored?: { metrics: Metrics; energyFloor: number }
}

/**
 * n samples of a stored run in data units (with the image shape and range of an image run), from the run's
 * seeded sampling stream (`pfm sample` and the Gallery draw the same points). With `score`, n is capped at the
 * held-out split's size and the samples are scored against it.
 */
export async function sampleRun(
  store: RunStore,
  id: string,
  n: number,
  opts: {
    seed?: number
    weights?: WeightsChoice
    engine?: SamplingEngine
    score?: boolean
  } & Partial<SampleOptions> = {}
): Promise<RunSamples> {
  const open = await openRun(store, id, opts.weights)
  const sampling = runSampling(open, opts.engine)
  try {
    const stats = open.run.standardization
    if (!stats) throw new StoreError(`Run "${id}" has no stored standardisation.`)
    const rng = streamRng(opts.seed ?? open.config.seed, STREAMS.eval + 3)
    const { seed: _seed, weights: _weights, engine: _engine, score, ...options } = opts
    const sampler: SampleOptions = {
      ...options,
      sampler: opts.sampler ?? open.model.samplers[0]!,
      steps: opts.steps ?? open.model.defaultSteps
    }
    if (!open.model.samplers.includes(sampler.sampler))
      throw new StoreError(
        `Run "${id}" samples with ${open.model.samplers.join(', ')}, not "${sampler.sampler}".`
      )
    let samples: Points
    let scored: RunSamples['scored']
    if (score) {
      const { train, heldout, stats: split } = rebuildData(open.config)
      const k = Math.min(n, heldout.n)
      const sub: Points = { n: k, d: heldout.d, data: heldout.data.subarray(0, k * heldout.d) }
      const r = await scoreModel(
        sampling,
        sub,
        train,
        k,
        rng,
        sampler,
        runModes(open.config.dataset.spec, split)
      )
      samples = r.samples
      scored = { metrics: r.metrics, energyFloor: energyFloor(train, sub, rng) }
    } else {
      samples = { n, d: open.config.dataset.dim, data: await sampling.sample(n, rng, sampler) }
    }
    const image = open.config.dataset.image
    const nfe = sampling.lastRun?.nfe
    const grid = sampling.lastRun?.grid ?? []
    return {
      columns: open.config.dataset.columnNames,
      points: invertStandardization(samples, stats),
      sampler,
      ...(image ? { image } : {}),
      ...(nfe !== undefined ? { nfe } : {}),
      ...(grid.length > 1 ? { stepsTaken: grid.length - 1 } : {}),
      evaluations: nfe ?? evaluationsPerSample(sampler),
      sampleMs: sampling.lastSampleMs,
      ...(scored ? { scored } : {})
    }
  } finally {
    await sampling.dispose()
    open.dispose()
  }
}
