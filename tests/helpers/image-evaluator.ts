/**
 * The image evaluator of a run whose image metrics a test does not read: the run's split and yard-sticks, with a
 * classifier trained for a few steps instead of 800 (seconds per data set). Pass it as `trainRun`'s `images`.
 */
import { initBackend } from '../../src/engine/backend'
import type { ImageEvaluator } from '../../src/engine/metrics'
import { Rng } from '../../src/engine/rng'
import type { RunConfig } from '../../src/engine/train/config'
import { imageEvaluator } from '../../src/engine/train/image-eval'
import { prepareData } from '../../src/engine/train/train'
import type { Dataset } from '../../src/engine/types'

export async function cheapImageEvaluator(ds: Dataset, config: RunConfig): Promise<ImageEvaluator> {
  await initBackend(config.backend)
  const { train, heldout, stats } = prepareData(ds, config)
  const ev = await imageEvaluator(ds, stats, { train, heldout }, new Rng(7), { classifier: { steps: 20 } })
  if (!ev) throw new Error(`${ds.name} has no image evaluator: it is not an image set.`)
  return ev
}
