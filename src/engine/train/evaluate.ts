/** Re-opening a stored run: rebuild its data split, load φ, sample and score it. */
import { initBackend } from '../backend'
import { resolveDataset } from '../data'
import { invertStandardization } from '../data'
import { StoreError } from '../errors'
import { computeMetrics } from '../metrics'
import { Mlp } from '../models/mlp'
import type { Metrics, Points } from '../types'
import type { LoadedRun, RunStore } from '../store'
import type { RunConfig } from './config'
import { STREAMS, prepareData, streamRng, type PushforwardWeights } from './train'
import { sampleMap } from './sampling'

export interface OpenRun {
  run: LoadedRun
  config: RunConfig
  phi: Mlp
  dispose(): void
}

/** Loads a completed (or checkpointed) one-step map. */
export async function openPushforwardRun(store: RunStore, id: string): Promise<OpenRun> {
  const run = store.load(id)
  const w = store.readWeights<PushforwardWeights>(id)
  if (!w || w.kind !== 'pushforward-mlp' || !w.phi)
    throw new StoreError(`Run "${id}" has no one-step map weights (weights.json kind is ${String(w?.kind)}).`)
  await initBackend(run.config.backend === 'auto' ? 'auto' : run.config.backend)
  const phi = Mlp.fromJSON(w.phi, 'phi')
  return { run, config: run.config, phi, dispose: () => phi.dispose() }
}

/** The run's data rebuilt the way training split it (held-out split in standardised coordinates). */
export function rebuildData(config: RunConfig): ReturnType<typeof prepareData> {
  const ds = resolveDataset(config.dataset.spec, {
    n: config.dataset.n,
    seed: config.seed,
    ...(config.dataset.columns !== undefined ? { columns: config.dataset.columns } : {}),
    ...(config.dataset.skipRows !== undefined ? { skipRows: config.dataset.skipRows } : {})
  })
  if (ds.n !== config.dataset.rows || ds.d !== config.dataset.dim)
    throw new StoreError(
      `The data of this run changed: ${config.dataset.spec} now has ${ds.n}×${ds.d} values, the run was trained on ${config.dataset.rows}×${config.dataset.dim}.`
    )
  return prepareData(ds, config)
}

/** Held-out metrics of a stored run with n samples (default: the whole held-out split). */
export async function evaluateRun(store: RunStore, id: string, opts: { n?: number; seed?: number } = {}): Promise<Metrics> {
  const open = await openPushforwardRun(store, id)
  try {
    const { train, heldout } = rebuildData(open.config)
    const rng = streamRng(opts.seed ?? open.config.seed, STREAMS.eval + 2)
    const samples = sampleMap(open.phi, open.config.model, opts.n ?? heldout.n, rng)
    return computeMetrics(samples, heldout, train, rng.fork())
  } finally {
    open.dispose()
  }
}

/** n samples of a stored run in data units. */
export async function sampleRun(
  store: RunStore,
  id: string,
  n: number,
  seed?: number
): Promise<{ columns: string[]; points: Points }> {
  const open = await openPushforwardRun(store, id)
  try {
    const stats = open.run.standardization
    if (!stats) throw new StoreError(`Run "${id}" has no stored standardisation.`)
    const rng = streamRng(seed ?? open.config.seed, STREAMS.eval + 3)
    const pts = sampleMap(open.phi, open.config.model, n, rng)
    return { columns: open.config.dataset.columnNames, points: invertStandardization(pts, stats) }
  } finally {
    open.dispose()
  }
}
