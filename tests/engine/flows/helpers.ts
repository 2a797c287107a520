/**
 * A small training harness for the §4 objectives (the shape of the shared loop: create → step on
 * standardised data batches → sample → held-out metrics), so quality can be checked on its own.
 */
import * as tf from '@tensorflow/tfjs-core'
import { generateBuiltin, splitHeldout, standardize, applyStandardization } from '../../../src/engine/data'
import { computeMetrics } from '../../../src/engine/metrics'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import type {
  ModelObjective,
  ModelSpec,
  SampleOptions,
  TrainableModel
} from '../../../src/engine/objectives/types'
import type { Metrics, Points } from '../../../src/engine/types'
import type { ModelConfig } from '../../../src/engine/train/config'

export interface HarnessResult {
  model: TrainableModel
  metrics: Metrics
  trainMs: number
  sampleMs: number
  finalLoss: number
  train: Points
  heldout: Points
}

export function toyData(id: string, n = 30_000, seed = 0): { train: Points; heldout: Points } {
  const ds = generateBuiltin(id, n, seed)
  const { train: rawTrain, heldout: rawHeldout } = splitHeldout(ds, 0.2, new Rng(seed + 101))
  const { points: train, stats } = standardize(rawTrain)
  return { train, heldout: applyStandardization(rawHeldout, stats) }
}

export function modelSpec(
  obj: ModelObjective,
  dim: number,
  o: {
    params?: Record<string, unknown>
    lr?: number
    batch?: number
    seed?: number
    model?: Partial<ModelConfig>
  } = {},
  loadRun?: ModelSpec['loadRun']
): ModelSpec {
  return {
    dim,
    model: { latentDim: dim, base: 'normal', width: 128, depth: 3, activation: 'silu', ...o.model },
    params: resolveParams(obj.id, obj.params, o.params ?? {}),
    lr: o.lr ?? obj.defaults.lr,
    batch: o.batch ?? obj.defaults.batch,
    rng: new Rng(o.seed ?? 1),
    ...(loadRun ? { loadRun } : {})
  }
}

/** Trains `obj` on `data` for `steps` and measures held-out metrics of `sample` at the given sampler. */
export async function trainAndMeasure(
  obj: ModelObjective,
  data: { train: Points; heldout: Points },
  o: {
    steps?: number
    batch?: number
    lr?: number
    params?: Record<string, unknown>
    seed?: number
    sample?: SampleOptions
    loadRun?: ModelSpec['loadRun']
    model?: Partial<ModelConfig>
  } = {}
): Promise<HarnessResult> {
  const { train, heldout } = data
  const steps = o.steps ?? obj.defaults.steps
  const B = o.batch ?? obj.defaults.batch
  const spec = modelSpec(obj, train.d, o, o.loadRun)
  const model = await obj.create(spec)
  const rng = new Rng((o.seed ?? 1) + 7)
  const y = new Float32Array(B * train.d)
  let loss = NaN
  const t0 = performance.now()
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < B; i++) {
      const r = rng.int(train.n)
      for (let j = 0; j < train.d; j++) y[i * train.d + j] = train.data[r * train.d + j]!
    }
    const yt = tf.tensor2d(y, [B, train.d])
    loss = model.step(yt, { rng, step, steps }).loss
    yt.dispose()
  }
  const trainMs = performance.now() - t0
  const opts = o.sample ?? { sampler: model.samplers[0]!, steps: model.defaultSteps }
  const t1 = performance.now()
  const s = model.sample(heldout.n, new Rng(999), opts)
  const sampleMs = performance.now() - t1
  const metrics = computeMetrics({ n: heldout.n, d: train.d, data: s }, heldout, train, new Rng(4242))
  return { model, metrics, trainMs, sampleMs, finalLoss: loss, train, heldout }
}
