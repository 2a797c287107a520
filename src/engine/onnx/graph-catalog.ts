/**
 * One small example of every graph kind the engine builds — the training step (each activation, with and
 * without the moving average), the one-step maps, the flows' network and fused samplers, RealNVP's sampler —
 * and seeded inputs for any of them: what the op-coverage test and the GPU check (scripts/gpu-check.ts) run.
 */
import { ACTIVATIONS, randomMlpWeights, type Activation } from '../models/mlp'
import type { Rng } from '../rng'
import { trainStepModel } from '../ort/train-graph'
import { VELOCITY_FIELD, epsField, findSampler, tracePlan } from '../samplers'
import { fusedSamplerModel, timedNetOf, velocityNetModel, type TimedNet } from './flow'
import { inspectModel } from './inspect'
import { pushforwardModel } from './pushforward'
import { realNvpSamplerModel } from './realnvp'
import type { FloatTensor } from './runtime'
import { timeGrid } from './sampler'

/** tf.train.adam's constants (ort/train-step.ts's TFJS_ADAM, repeated to keep this module free of onnxruntime). */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
const STATS = { mean: [0.5, -1], std: [2, 0.5] }

/** A velocity network (x, t) → v on 2-D data with a sinusoidal time embedding. */
export function exampleVelocityNet(activation: Activation, rng: Rng): TimedNet {
  return timedNetOf({
    spec: { dim: 2, timeDim: 4, maxFreq: 10, width: 8, depth: 2, activation },
    mlp: randomMlpWeights({ inDim: 6, outDim: 2, width: 8, depth: 2, activation }, rng)
  })
}

/** A variance-preserving diffusion's schedule, for the ε-prediction (ddim) sampler. */
const EPS = epsField(
  (t: number) => Math.exp(-5 * t * t),
  (t: number) => 10 * t
)

export interface CatalogGraph {
  name: string
  /** training | onestep | velocity | sampler | realnvp */
  kind: string
  bytes: Uint8Array
}

/** Every graph kind the engine builds, small (width 8), from `rng`. */
export function engineGraphs(rng: Rng): CatalogGraph[] {
  const out: CatalogGraph[] = []
  for (const activation of ACTIVATIONS) {
    for (const ema of [false, true])
      out.push({
        name: `training step (${activation}${ema ? ', EMA' : ''})`,
        kind: 'training',
        bytes: trainStepModel({ sizes: [3, 8, 8, 2], activation, batch: 4, adam: ADAM, ema, lossScale: 1 })
      })
    out.push({
      name: `one-step map (${activation})`,
      kind: 'onestep',
      bytes: pushforwardModel(
        randomMlpWeights({ inDim: 2, outDim: 2, width: 8, depth: 2, activation }, rng),
        STATS
      ).bytes
    })
    out.push({
      name: `velocity network (${activation})`,
      kind: 'velocity',
      bytes: velocityNetModel(exampleVelocityNet(activation, rng)).bytes
    })
  }
  const net = exampleVelocityNet('silu', rng)
  for (const sampler of ['euler', 'heun'] as const)
    out.push({
      name: `fused ${sampler}`,
      kind: 'sampler',
      bytes: fusedSamplerModel(net, tracePlan(findSampler(sampler), VELOCITY_FIELD, timeGrid(4)), {
        scale: STATS.std,
        shift: STATS.mean
      }).bytes
    })
  out.push({
    name: 'fused ddim',
    kind: 'sampler',
    bytes: fusedSamplerModel(net, tracePlan(findSampler('ddim'), EPS, timeGrid(4, 1, 0)), null).bytes
  })
  out.push({
    name: 'realnvp sampler',
    kind: 'realnvp',
    bytes: realNvpSamplerModel(
      {
        dim: 2,
        logScaleBound: 2,
        couplings: [0, 1].map(() =>
          randomMlpWeights({ inDim: 2, outDim: 4, width: 8, depth: 2, activation: 'relu' }, rng)
        )
      },
      { scale: STATS.std, shift: STATS.mean }
    ).bytes
  })
  return out
}

/** The loop form of a fused sampler (its Loop is what a GPU provider may not run). */
export function loopSamplerGraph(rng: Rng): Uint8Array {
  const plan = tracePlan(findSampler('heun'), VELOCITY_FIELD, timeGrid(4))
  return fusedSamplerModel(exampleVelocityNet('gelu', rng), plan, null, { form: 'loop' }).bytes
}

/** Inputs for every float input of `bytes`: U[0, 1) values (Adam's second moments must be ≥ 0), `batch` rows. */
export function exampleFeeds(bytes: Uint8Array, rng: Rng, batch: number): Record<string, FloatTensor> {
  const feeds: Record<string, FloatTensor> = {}
  for (const input of inspectModel(bytes).inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : batch))
    const n = dims.reduce((a, b) => a * b, 1)
    feeds[input.name] = { data: Float32Array.from({ length: n }, () => rng.next()), dims }
  }
  return feeds
}
