/**
 * The run store as the contract shows it: summaries, details with the metrics log, and fresh samples of a
 * stored model (optionally scored against the held-out split). Plain Node.
 */
import type {
  MetricsInfo,
  RunDetail,
  RunSnapshots,
  RunSummaryInfo,
  SampleRequest,
  SampleSet,
  SamplerId
} from '../shared/api'
import { invertStandardization } from '../engine/data'
import { StoreError } from '../engine/errors'
import { imageGridPng } from '../engine/io/image-grid'
import { findObjective } from '../engine/objectives/registry'
import type { SampleOptions } from '../engine/objectives/types'
import type { RunStore, RunSummary, LoadedRun } from '../engine/store'
import { openRun, rebuildData, runSampling } from '../engine/train/evaluate'
import { STREAMS, runModes, scoreModel, streamRng } from '../engine/train/train'
import type { Metrics, Points } from '../engine/types'
import { energyDistance } from '../engine/metrics/energy-distance'
import { subsample } from '../engine/metrics/points'
import type { Rng } from '../engine/rng'

export function metricsInfo(m: Metrics): MetricsInfo
export function metricsInfo(m: Partial<Metrics>): Partial<MetricsInfo>
export function metricsInfo(m: Partial<Metrics>): Partial<MetricsInfo> {
  const keys = [
    'energy',
    'energyGaussian',
    'mmd',
    'slicedW2',
    'precision',
    'recall',
    'density',
    'coverage',
    'n',
    'memorisation',
    'modes',
    'modesCovered',
    'highQuality'
  ] as const
  const out: Partial<MetricsInfo> = {}
  for (const k of keys) if (m[k] !== undefined) out[k] = m[k]
  if (m.image) out.image = { ...m.image }
  return out
}

export function summaryInfo(r: RunSummary): RunSummaryInfo {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    objective: r.objective,
    dataset: r.dataset,
    createdAt: r.createdAt,
    steps: r.steps,
    stepsDone: r.stepsDone,
    hyper: { ...r.hyper, params: { ...r.hyper.params } },
    wallMs: r.wallMs,
    backend: r.backend,
    metrics: r.metrics ? metricsInfo(r.metrics) : null,
    checkpointStep: r.checkpointStep,
    resumable: r.resumable,
    best: r.best
  }
}

export function listRuns(store: RunStore): {
  runs: RunSummaryInfo[]
  problems: { id: string; reason: string }[]
} {
  const { runs, problems } = store.list()
  return { runs: runs.map(summaryInfo), problems: problems.map(({ id, reason }) => ({ id, reason })) }
}

/** The samplers a run's model offers; for a run without weights yet, what its objective kind implies. */
async function samplersOf(
  store: RunStore,
  run: LoadedRun
): Promise<{ samplers: SamplerId[]; defaultSteps: number }> {
  const obj = findObjective(run.config.objective)
  if (obj.kind === 'pushforward') return { samplers: ['onestep'], defaultSteps: 1 }
  try {
    const open = await openRun(store, run.id)
    try {
      return { samplers: [...open.model.samplers], defaultSteps: open.model.defaultSteps }
    } finally {
      open.dispose()
    }
  } catch {
    return { samplers: [], defaultSteps: 1 }
  }
}

export async function runDetail(store: RunStore, id: string): Promise<RunDetail> {
  const run = store.load(id)
  const summary = store.summary(id)
  const { records } = store.readMetricsLog(id)
  const { samplers, defaultSteps } = await samplersOf(store, run)
  return {
    ...summaryInfo(summary),
    config: run.config,
    extra: run.result?.extra ?? {},
    log: records.map((r) => ({
      step: r.step,
      loss: r.loss,
      ...(r.metrics ? { metrics: metricsInfo(r.metrics) } : {})
    })),
    samplers,
    defaultSteps
  }
}

/**
 * `n` fresh samples of a stored run in data units (the same seeded stream as `pfm sample`). With `metrics`,
 * they are scored against the held-out split, and `n` is capped at its size.
 */
/** Draws of training points the energy floor is measured on. */
const FLOOR_DRAWS = 3

/**
 * The held-out data's own energy floor at this n: the energy distance between as many training points and the
 * held-out ones, whose expectation is 0 (one law) — so its noise is what a perfect sampler scores. Root mean
 * square over FLOOR_DRAWS draws of training points (the unbiased estimate can come out negative).
 */
export function energyFloor(train: Points, heldout: Points, rng: Rng): number {
  let sq = 0
  for (let i = 0; i < FLOOR_DRAWS; i++)
    sq += energyDistance(subsample(train, Math.min(heldout.n, train.n), rng.fork()), heldout) ** 2
  return Math.sqrt(sq / FLOOR_DRAWS)
}

/**
 * Network evaluations one sample takes: 1 for a one-step map, 2 per step for Heun (it evaluates the network at
 * both ends of a step), one per step for the other samplers (Euler, DDIM, DDPM).
 */
export function evaluationsPerSample(o: SampleOptions): number {
  if (o.sampler === 'onestep') return 1
  return (o.sampler === 'heun' ? 2 : 1) * o.steps
}

export async function sampleSet(store: RunStore, req: SampleRequest): Promise<SampleSet> {
  const open = await openRun(store, req.runId)
  // The sampling alone is timed (not the scoring): the cost the Gallery shows beside the metrics.
  const timed = runSampling(open)
  try {
    const stats = open.run.standardization
    if (!stats) throw new StoreError(`Run "${req.runId}" has no stored standardisation.`)
    const model = open.model
    const opts: SampleOptions = {
      sampler: req.sampler ?? model.samplers[0]!,
      steps: req.steps ?? model.defaultSteps
    }
    if (!model.samplers.includes(opts.sampler))
      throw new StoreError(
        `Run "${req.runId}" samples with ${model.samplers.join(', ')}, not "${opts.sampler}".`
      )
    const rng = streamRng(req.seed ?? open.config.seed, STREAMS.eval + 3)
    const dim = open.config.dataset.dim
    let samples: Points
    let metrics: MetricsInfo | null = null
    if (req.metrics) {
      const { train, heldout, stats: split } = rebuildData(open.config)
      const n = Math.min(req.n ?? 2000, heldout.n)
      const sub: Points = { n, d: heldout.d, data: heldout.data.subarray(0, n * heldout.d) }
      const scored = await scoreModel(timed, sub, train, n, rng, opts, runModes(open.config.dataset.spec, split))
      samples = scored.samples
      metrics = {
        ...metricsInfo(scored.metrics),
        energyFloor: energyFloor(train, sub, rng)
      }
    } else {
      const n = req.n ?? 2000
      samples = { n, d: dim, data: await timed.sample(n, rng, opts) }
    }
    const points = invertStandardization(samples, stats)
    const image = open.config.dataset.image
    if (req.grid && !image)
      throw new StoreError(`Run "${req.runId}" was not trained on images; it has no sample grid.`)
    return {
      runId: req.runId,
      sampler: opts.sampler,
      steps: opts.steps,
      dim,
      n: points.n,
      points: Array.from(points.data),
      metrics,
      ...(image ? { image } : {}),
      ...(req.grid && image ? { gridPng: Buffer.from(imageGridPng(points, image)).toString('base64') } : {}),
      cost: { evaluations: evaluationsPerSample(opts), msPerSample: timed.lastSampleMs / Math.max(1, points.n) }
    }
  } finally {
    await timed.dispose()
    open.dispose()
  }
}

/** The run's training snapshots (a run trained before snapshots existed has none). */
export function runSnapshots(store: RunStore, id: string): RunSnapshots {
  const run = store.load(id)
  const { records } = store.readSnapshots(id)
  const dim = records[0]?.d ?? run.config.dataset.dim ?? 0
  return {
    runId: id,
    steps: run.config.steps,
    dim,
    snapshots: records.filter((r) => r.d === dim).map((r) => ({ step: r.step, points: r.points }))
  }
}
