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
import { resolveRunDataset } from './evaluate'
import {
  buildLoopModel,
  fitBatch,
  prepareData,
  streamsFrom,
  trainLoop,
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
  const checkpoint = store.readCheckpoint(id)
  if (!checkpoint.state)
    throw new StoreError(
      `Run "${id}": its ${stored.config.objective} model keeps no training state, so it cannot be resumed (its weights at step ${checkpoint.step} can still be evaluated, sampled and exported).`
    )
  const obj = findObjective(stored.config.objective)
  const ds = resolveRunDataset(stored.config)
  const { train, heldout, stats } = prepareData(ds, stored.config)
  const config = fitBatch(stored.config, train.n, heldout.n, ds.name, ctx.log)
  const streams = streamsFrom(checkpoint.rng)
  const { model, backendId } = await buildLoopModel(obj, config, ds.d, {
    store,
    ...(ctx.log ? { log: ctx.log } : {})
  })
  let reopened: ReturnType<RunStore['resume']>
  try {
    if (!model.loadTrainState)
      throw new StoreError(`Run "${id}": its ${obj.id} model cannot load a training state.`)
    model.loadTrainState(checkpoint.state)
    reopened = store.resume(id)
  } catch (e) {
    model.dispose()
    throw e
  }
  const { handle, run } = reopened
  handle.setBackend(backendId)
  ctx.log?.(`resuming run ${id} at step ${checkpoint.step} of ${config.steps}`)
  const result = await trainLoop(
    { obj, ds, config, model, handle, backendId, train, heldout, stats },
    {
      step: checkpoint.step,
      elapsedMs: checkpoint.elapsedMs,
      loss: checkpoint.loss,
      streams,
      best: run.best ?? null
    },
    { ...ctx, store }
  )
  return { ...result, resumedFrom: checkpoint.step }
}
