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
  SamplerGridOptions,
  SamplerId
} from '../shared/api'
import { StoreError } from '../engine/errors'
import { imageGridPng } from '../engine/io/image-grid'
import { findObjective } from '../engine/objectives/registry'
import type { RunStore, RunSummary, LoadedRun } from '../engine/store'
import { openRun, sampleRun } from '../engine/train/evaluate'
import { runDataInfo } from '../engine/train/train'
import type { Metrics } from '../engine/types'
import type { SampleOptions } from '../engine/objectives/types'

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
    ...(r.metricsStep !== null ? { metricsStep: r.metricsStep } : {}),
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
    data: runDataInfo(run.config.dataset),
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

/** Points a Gallery request draws when it names no n. */
const DEFAULT_SAMPLES = 2000

/**
 * `n` fresh samples of a stored run in data units: the engine's `sampleRun` (the same seeded stream as
 * `pfm sample`). With `metrics`, they are scored against the held-out split (n capped at its size) beside the
 * data's own energy floor; with `grid`, an image run's samples also come as one PNG grid.
 */
/** A request's spacing and tolerance as the engine's sample options (tolerance: rtol = atol). */
export function gridOptions(req: SamplerGridOptions): Pick<SampleOptions, 'grid' | 'rtol' | 'atol'> {
  return {
    ...(req.spacing !== undefined ? { grid: req.spacing } : {}),
    ...(req.tolerance !== undefined ? { rtol: req.tolerance, atol: req.tolerance } : {})
  }
}

export async function sampleSet(store: RunStore, req: SampleRequest): Promise<SampleSet> {
  const r = await sampleRun(store, req.runId, req.n ?? DEFAULT_SAMPLES, {
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
    ...(req.sampler !== undefined ? { sampler: req.sampler } : {}),
    ...(req.steps !== undefined ? { steps: req.steps } : {}),
    ...gridOptions(req),
    score: req.metrics === true
  })
  const { points, image } = r
  if (req.grid && !image)
    throw new StoreError(`Run "${req.runId}" was not trained on images; it has no sample grid.`)
  return {
    runId: req.runId,
    sampler: r.sampler.sampler,
    steps: r.stepsTaken ?? r.sampler.steps,
    dim: points.d,
    n: points.n,
    points: Array.from(points.data),
    metrics: r.scored ? { ...metricsInfo(r.scored.metrics), energyFloor: r.scored.energyFloor } : null,
    ...(image ? { image } : {}),
    ...(req.grid && image ? { gridPng: Buffer.from(imageGridPng(points, image)).toString('base64') } : {}),
    cost: { evaluations: r.evaluations, msPerSample: r.sampleMs / Math.max(1, points.n) }
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
