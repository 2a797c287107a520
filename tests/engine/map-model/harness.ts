/**
 * A small training harness for the model objectives that train a one-step map (objectives/map-model.ts: gan,
 * wgan-gp, realnvp, vae, anneal — one list, MAP_OBJECTIVES, across the three families): the same data pipeline
 * as a run (seeded built-in → split → standardise), the objective's `create`, `step` on uniform mini-batches,
 * then held-out metrics of `sample(…, 'onestep')` and `evaluate`. It mirrors train.ts's `trainRun` without
 * the run store, so these tests do not depend on the registry the lead merges the objectives into.
 */
import * as tf from '@tensorflow/tfjs-core'
import { applyStandardization, generateBuiltin, splitHeldout, standardize } from '../../../src/engine/data'
import { computeMetrics } from '../../../src/engine/metrics'
import { DENSITY_OBJECTIVES } from '../../../src/engine/objectives/density'
import { anneal } from '../../../src/engine/objectives/flows/anneal'
import { ADVERSARIAL_OBJECTIVES } from '../../../src/engine/objectives/statistics'
import type { ModelObjective, SampleOptions, TrainableModel } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import type { ModelConfig } from '../../../src/engine/train/config'
import type { Metrics, Points } from '../../../src/engine/types'

export interface HarnessOptions {
  dataset?: string
  n?: number
  seed?: number
  steps?: number
  batch?: number
  lr?: number
  params?: Record<string, unknown>
  model?: Partial<ModelConfig>
  /** Points sampled for the metrics (default: the held-out size). */
  evalN?: number
  /** Log every this many steps (0: never). */
  logEvery?: number
  log?: (msg: string) => void
  /** Keep the model (the caller disposes it). */
  keep?: boolean
}

export interface HarnessResult {
  metrics: Metrics
  ratio: number
  extra: Record<string, number>
  seconds: number
  /** CPU seconds of this process during training (the machine is shared: wall time varies). */
  cpuSeconds: number
  losses: number[]
  train: Points
  heldout: Points
  model: TrainableModel | null
}

/** The model objectives that train a one-step map, from the three families. */
export const MAP_OBJECTIVES: ModelObjective[] = [...ADVERSARIAL_OBJECTIVES, ...DENSITY_OBJECTIVES, anneal]

export const ONESTEP: SampleOptions = { sampler: 'onestep', steps: 1 }

export function prepare(dataset: string, n: number, seed: number): { train: Points; heldout: Points } {
  const ds = generateBuiltin(dataset, n, seed)
  const { train: rawTrain, heldout: rawHeld } = splitHeldout(ds, 0.2, new Rng(seed ^ 0x5eed01))
  const { points: train, stats } = standardize(rawTrain)
  return { train, heldout: applyStandardization(rawHeld, stats) }
}

export async function trainObjective(obj: ModelObjective, o: HarnessOptions = {}): Promise<HarnessResult> {
  const seed = o.seed ?? 0
  const { train, heldout } = prepare(o.dataset ?? '8gaussians', o.n ?? 20_000, seed)
  const d = train.d
  const steps = o.steps ?? obj.defaults.steps
  const batch = o.batch ?? obj.defaults.batch
  const lr = o.lr ?? obj.defaults.lr
  const model: ModelConfig = {
    latentDim: d,
    base: 'normal',
    width: 128,
    depth: 3,
    activation: 'silu',
    ...obj.defaults.model,
    ...o.model
  }
  const params = resolveParams(`Objective ${obj.id}`, obj.params, o.params ?? {})
  const m = await obj.create({ dim: d, model, params, lr, batch, rng: new Rng(seed ^ 0x5eed02) })
  const rng = new Rng(seed ^ 0x5eed03)
  const yBuf = new Float32Array(batch * d)
  const losses: number[] = []
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  try {
    for (let step = 0; step < steps; step++) {
      for (let i = 0; i < batch; i++) {
        const r = rng.int(train.n)
        for (let j = 0; j < d; j++) yBuf[i * d + j] = train.data[r * d + j]!
      }
      const y = tf.tensor2d(yBuf, [batch, d])
      let loss: number
      let extra: Record<string, number> | undefined
      try {
        ;({ loss, extra } = m.step(y, { rng, step, steps }))
      } finally {
        y.dispose()
      }
      losses.push(loss)
      if (!Number.isFinite(loss)) throw new Error(`${obj.id}: loss ${loss} at step ${step}`)
      if (o.logEvery && (step % o.logEvery === 0 || step + 1 === steps))
        o.log?.(`${obj.id} step ${step} loss ${loss.toFixed(4)} ${extra ? JSON.stringify(extra) : ''}`)
    }
    const seconds = (performance.now() - t0) / 1000
    const cu = process.cpuUsage(c0)
    const cpuSeconds = (cu.user + cu.system) / 1e6
    const evalRng = new Rng(seed ^ 0x5eed04)
    const evalN = Math.min(o.evalN ?? heldout.n, heldout.n)
    const samples: Points = { n: evalN, d, data: m.sample(evalN, evalRng.fork(), ONESTEP) }
    const metrics = computeMetrics(samples, heldout, train, evalRng.fork())
    const extra = m.evaluate?.(heldout, evalRng.fork()) ?? {}
    return {
      metrics,
      ratio: metrics.energy / metrics.energyGaussian,
      extra,
      seconds,
      cpuSeconds,
      losses,
      train,
      heldout,
      model: o.keep ? m : null
    }
  } finally {
    if (!o.keep) m.dispose()
  }
}
