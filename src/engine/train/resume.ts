/**
 * `pfm train --resume <runId>`: continues a stopped run (crashed, cancelled, failed) from its last checkpoint.
 *
 * What is restored: the model's training state (variables, optimizer moments and step counts, moving
 * averages — `TrainableModel.trainState`), the positions of the run's four random streams (batches and
 * noise, held-out evaluations, previews, snapshots), the step, the elapsed time and the best held-out
 * evaluation so far. So the resumed run draws the same batches and noise and applies the same updates as an
 * uninterrupted run: on the same machine and backend its final weights, samples and metrics are bit-identical
 * to the uninterrupted run's (tests/engine/train/resume.test.ts checks this on both training paths). What
 * differs: wall-clock figures (`time`, samples/s) and the metrics log's time-based progress lines.
 */
import { StoreError } from '../errors'
import { findObjective } from '../objectives/registry'
import type { RunStore } from '../store'
import type { LoadedRun } from '../store'
import type { AnyObjective } from '../objectives/types'
import type { RunConfig } from './config'
import { resolveRunDataset } from './evaluate'
import {
  buildLoopModel,
  fitBatch,
  prepareData,
  streamsFrom,
  trainLoop,
  type LoopStart,
  type TrainContext,
  type TrainResult
} from './train'

/** Resumes run `id` of `store` to the end of its budget; the run keeps its id, config and logs. */
export async function resumeRun(
  store: RunStore,
  id: string,
  ctx: Omit<TrainContext, 'store'> = {}
): Promise<TrainResult & { resumedFrom: number }> {
  // Everything is checked before the run is reopened: a refused resume leaves the run as it was.
  const stored: LoadedRun = store.load(id)
  store.checkResumable(stored)
  const obj = findObjective(stored.config.objective)
  const ds = resolveRunDataset(stored.config)
  const { train, heldout, stats } = prepareData(ds, stored.config)
  const config = fitBatch(stored.config, train.n, heldout.n, ds.name, ctx.log)
  const { model, backendId, from, read } = await restoreModel(store, id, obj, config, ds.d, ctx)
  let reopened: ReturnType<RunStore['resume']>
  try {
    reopened = store.resume(id, read)
  } catch (e) {
    model.dispose()
    throw e
  }
  const { handle, run } = reopened
  handle.setBackend(backendId)
  ctx.log?.(`resuming run ${id} at step ${from.step} of ${config.steps}`)
  const result = await trainLoop(
    { obj, ds, config, model, handle, backendId, train, heldout, stats },
    { ...from, best: run.best ?? null },
    { ...ctx, store }
  )
  return { ...result, resumedFrom: from.step }
}

/**
 * Builds the run's model and loads its checkpointed training state into it; returns the model and where the
 * loop starts. The parsed checkpoint (four copies of every weight, as JS numbers: about 0.7 GB for a 3.3 M
 * parameter MLP) stays inside this function, so the resumed loop does not carry it: held for the whole run,
 * it made every full garbage collection mark it and the resumed MNIST run trained at a fifth of its speed.
 */
async function restoreModel(
  store: RunStore,
  id: string,
  obj: AnyObjective,
  config: RunConfig,
  dim: number,
  ctx: Omit<TrainContext, 'store'>
): Promise<
  Awaited<ReturnType<typeof buildLoopModel>> & {
    from: Omit<LoopStart, 'best'>
    read: Parameters<RunStore['resume']>[1]
  }
> {
  // the stamp before the read: a checkpoint replaced after it is refused when the run is reopened
  const stamp = store.checkpointStamp(id)
  const checkpoint = store.readCheckpoint(id) // the usual "no checkpoint.json" when there is none
  if (!stamp) throw new StoreError(`Run "${id}": its checkpoint appeared while it was being resumed; resume again.`)
  if (!checkpoint.state)
    throw new StoreError(
      `Run "${id}": its ${config.objective} model keeps no training state, so it cannot be resumed (its weights at step ${checkpoint.step} can still be evaluated, sampled and exported).`
    )
  const built = await buildLoopModel(obj, config, dim, {
    store,
    ...(ctx.log ? { log: ctx.log } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {})
  })
  try {
    if (!built.model.loadTrainState)
      throw new StoreError(`Run "${id}": its ${obj.id} model cannot load a training state.`)
    built.model.loadTrainState(checkpoint.state)
  } catch (e) {
    built.model.dispose()
    throw e
  }
  const { step, elapsedMs, loss } = checkpoint
  return {
    ...built,
    from: { step, elapsedMs, loss, streams: streamsFrom(checkpoint.rng) },
    read: { step, stamp }
  }
}
