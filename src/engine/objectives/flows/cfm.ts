/**
 * Conditional flow matching (§4, eqs. (6)–(7); Lipman et al. 2023, Liu et al. 2023 "rectified flow"),
 * written as TorchCFM's pieces. With x₀ ~ N(0, I) (t = 0) and x₁ ~ μ₁ (data, t = 1) paired by a coupling:
 *   μ_t = (1 − t) x₀ + t x₁,   σ_t = σ,   x_t = μ_t + σ_t ε,   u_t(x_t | x₀, x₁) = x₁ − x₀,
 * and the network regresses L = E_{t~U[0,1]} ‖v_θ(x_t, t) − u_t‖². The marginal of the conditional velocities
 * is a v_t solving the continuity equation (6) from N(0, I) to μ₁, so integrating dχ_t = v_θ dt (eq. (7))
 * from t = 0 to 1 maps noise to data. Variants override one piece: `ot-cfm` only re-pairs (x₀, x₁).
 */
import { ConfigError } from '../../errors'
import { choice, float, onlyWhen, type ParamSpecs, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import {
  DATA_FIELD,
  GridError,
  VELOCITY_FIELD,
  checkGridList,
  findSampler,
  spacedGrid,
  type Field
} from '../../samplers'
import type { GridSpec } from '../../../shared/samplers'
import type { LossContext, ModelObjective, ModelSpec, SamplerId, TrainDefaults } from '../types'
import type { TimeNet } from '../../models/nets'
import { diagnosticPoints, pathDiagnostics } from './diagnostics'
import {
  DATA_FLOW_IMAGE_MODEL,
  IMAGE_FLOW_DEFAULTS,
  VELOCITY_PARAMS,
  VelocityModel,
  checkNoiseSpec,
  createVelocityNet,
  readVelocityNet,
  type FlowBatch
} from './common'

/** μ_t = (1 − t_i) x0_i + t_i x1_i. x0, x1 [B, d]; t [B] → [B, d]. */
export function muT(x0: Float32Array, x1: Float32Array, t: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(x0.length)
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!
    for (let j = 0; j < d; j++) out[i * d + j] = (1 - ti) * x0[i * d + j]! + ti * x1[i * d + j]!
  }
  return out
}

/** σ_t = σ: the constant width of the conditional path (0 for rectified flow). */
export function sigmaT(_t: number, sigma: number): number {
  return sigma
}

/** x_t = μ_t + σ_t ε. x0, x1, eps [B, d]; t [B] → [B, d]. `eps` may be null when σ = 0. */
export function sampleXt(
  x0: Float32Array,
  x1: Float32Array,
  t: ArrayLike<number>,
  eps: Float32Array | null,
  sigma: number,
  d: number
): Float32Array {
  const x = muT(x0, x1, t, d)
  if (eps && sigma > 0)
    for (let i = 0; i < t.length; i++) {
      const s = sigmaT(t[i]!, sigma)
      for (let j = 0; j < d; j++) x[i * d + j]! += s * eps[i * d + j]!
    }
  return x
}

/** u_t(x | x₀, x₁) = x₁ − x₀ (the straight path's constant velocity). x0, x1 [B, d] → [B, d]. */
export function conditionalFlow(x0: Float32Array, x1: Float32Array): Float32Array {
  const out = new Float32Array(x0.length)
  for (let i = 0; i < x0.length; i++) out[i] = x1[i]! - x0[i]!
  return out
}

/**
 * The coupling of noise and data rows: returns π with x0_i paired to x1_π(i). The identity is the
 * independent coupling of plain CFM.
 */
export type Pairing = (x0: Float32Array, x1: Float32Array, B: number, d: number) => ArrayLike<number> | null

/** Independent coupling: x₀ and x₁ drawn independently, paired as drawn. */
export const independentPairing: Pairing = () => null

/** Rows `idx` of x [·, d]. */
export function gatherRows(x: Float32Array, idx: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(idx.length * d)
  for (let i = 0; i < idx.length; i++) for (let j = 0; j < d; j++) out[i * d + j] = x[idx[i]! * d + j]!
  return out
}

/** What a flow-matching network outputs: the velocity x₁ − x₀, or the clean sample x₁ (DATA_FIELD). */
export type Prediction = 'velocity' | 'data'

/** The field that reads each kind of prediction. */
export const PREDICTION_FIELDS: Record<Prediction, Field> = {
  velocity: VELOCITY_FIELD,
  data: DATA_FIELD
}

/**
 * How the times of a regression batch are drawn: uniformly on [0, 1], or logit-normally, t = sigmoid(m + s·n)
 * with n ~ N(0, 1) (Esser et al. 2024, "Scaling rectified flow transformers", §3.1): more of the batch where
 * the path's content is decided, fewer rows at the ends. Drawing t from a density p is the uniform loss
 * weighted by p. On mnist with the clean-sample image budget neither side helped (docs/benchmarks.md): m = −0.8,
 * s = 0.8 (toward noise) scored fd 55.2 at step 1 000 against 16.5 uniform, and m = +0.8, s = 1 (toward
 * data) produced non-finite samples by step 1 000; uniform stays the default.
 */
export type TimeSampling = { kind: 'uniform' } | { kind: 'logit-normal'; mean: number; std: number }

/** B times of `sampling`, drawn from `rng`. */
export function drawTimes(sampling: TimeSampling, B: number, rng: Rng): Float32Array {
  if (sampling.kind === 'uniform') return rng.uniforms(B)
  const n = rng.normals(B)
  const t = new Float32Array(B)
  for (let i = 0; i < B; i++) t[i] = 1 / (1 + Math.exp(-(sampling.mean + sampling.std * n[i]!)))
  return t
}

/** How a flow-matching model builds its regression batches: the path's width, coupling, target and times. */
export interface CfmPath {
  sigma: number
  pairing: Pairing
  predict: Prediction
  times: TimeSampling
}

/** Rectified flow's path: σ = 0, independent coupling, velocity target, uniform times. */
export const STRAIGHT_PATH: CfmPath = {
  sigma: 0,
  pairing: independentPairing,
  predict: 'velocity',
  times: { kind: 'uniform' }
}

/**
 * One CFM regression batch for data y [B, d] (pieces above; the coupling from `path.pairing`): the target is
 * the conditional velocity x₁ − x₀, or x₁ itself for a data-predicting network.
 */
export function cfmBatch(y: Float32Array, B: number, d: number, path: CfmPath, rng: Rng): FlowBatch {
  const { sigma, pairing, predict, times } = path
  const x0 = rng.normals(B * d)
  const pi = pairing(x0, y, B, d)
  const x1 = pi ? gatherRows(y, pi, d) : y
  const t = drawTimes(times, B, rng)
  const eps = sigma > 0 ? rng.normals(B * d) : null
  const target = predict === 'data' ? new Float32Array(x1) : conditionalFlow(x0, x1)
  return { x: sampleXt(x0, x1, t, eps, sigma, d), t, target }
}

/** ODE samplers of a velocity flow from t = 0 (noise) to t = 1 (data), the default first. */
export const VELOCITY_SAMPLERS: readonly SamplerId[] = ['heun', 'euler', 'rk4', 'dopri5', 'dpmpp-2m', 'ddim']

/**
 * The same for a flow that predicts the clean sample, DDIM first: its step solves dx/dt = (x̂ − x)/(1 − t)
 * exactly for a constant x̂ and its last step is x̂ itself. Heun K = 100, whose last step now lands on x̂ too
 * (`landOrStep`), scores the same fd on the mnist image budget (2.252 / 2.664 against DDIM's 2.274 / 2.676 on
 * two evaluation draws; before the landing it stopped short of x̂ on the clamped field: 2.694 against 2.274)
 * with twice the evaluations (docs/benchmarks.md).
 */
export const DATA_SAMPLERS: readonly SamplerId[] = ['ddim', ...VELOCITY_SAMPLERS.filter((s) => s !== 'ddim')]

/**
 * The grid of a velocity flow: t = 0 (noise) to 1 (data) on the sampler's own spacing (dpmpp-2m: logsnr;
 * the others uniform) unless `grid` says otherwise (a spacing, or a list of times in [0, 1], increasing).
 */
export function velocityTimeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[] {
  const spec = grid ?? (sampler === 'onestep' ? undefined : findSampler(sampler).spacing) ?? 'uniform'
  try {
    return typeof spec === 'string' ? spacedGrid(spec, 0, 1, K, VELOCITY_FIELD) : checkGridList(spec, 0, 1)
  } catch (e) {
    throw e instanceof GridError ? new ConfigError(e.message) : e
  }
}

/** Straightness and transport cost of a flow model's velocity on fresh noise. */
export function velocityDiagnostics(model: VelocityModel, rng: Rng): Record<string, number> {
  const d = model.dim
  return pathDiagnostics((x, t) => model.velocity(x, t), rng.normals(diagnosticPoints(d) * d), d)
}

export class CfmModel extends VelocityModel {
  readonly kind: string
  readonly samplers: readonly SamplerId[]
  readonly flowField: Field
  private readonly path: CfmPath

  constructor(kind: string, net: TimeNet, lr: number, ema: number, path: CfmPath, dropout = 0) {
    super(net, lr, ema, dropout)
    this.kind = kind
    this.path = path
    this.flowField = PREDICTION_FIELDS[path.predict]
    this.samplers = path.predict === 'data' ? DATA_SAMPLERS : VELOCITY_SAMPLERS
  }

  protected batch(y: Float32Array, B: number, ctx: LossContext): FlowBatch {
    return cfmBatch(y, B, this.dim, this.path, ctx.rng)
  }

  timeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[] {
    return velocityTimeGrid(sampler, K, grid)
  }

  protected override extraJSON(): Record<string, unknown> {
    return { sigma: this.path.sigma, predict: this.path.predict }
  }

  /** Path straightness and transport cost of the learnt flow (diagnostics.ts). */
  evaluate(_heldout: unknown, rng: Rng): Record<string, number> {
    return velocityDiagnostics(this, rng)
  }
}

export const CFM_PARAMS: ParamSpecs = {
  ...VELOCITY_PARAMS,
  sigma: float(0, 0, 1, 'Width σ of the conditional Gaussian path x_t = μ_t + σε (0: rectified flow).'),
  predict: choice(
    'velocity',
    ['velocity', 'data'],
    'What the network outputs: the velocity x₁ − x₀, or the clean sample x₁ (velocity (x̂₁ − x)/(1 − t);\n' +
      'the better choice in high dimension, e.g. images).'
  ),
  time: choice(
    'uniform',
    ['uniform', 'logit-normal'],
    'How training draws t: uniform on [0, 1], or logit-normal, t = sigmoid(timeMean + timeStd·n), n ~ N(0, 1).'
  ),
  timeMean: onlyWhen(
    float(0, -3, 3, 'Location of the logit-normal time (negative: more noisy times).'),
    'time',
    'logit-normal'
  ),
  timeStd: onlyWhen(float(1, 0.1, 3, 'Scale of the logit-normal time.'), 'time', 'logit-normal'),
  dropout: float(
    0,
    0,
    0.9,
    'Dropout probability of the hidden units while training (inverted dropout; onnxruntime step only).\n' +
      'A regulariser where the network overfits a small training set (e.g. 8 000 MNIST images).'
  )
}

/** The stored or requested prediction, checked (weights of older runs hold none: velocity). */
export function readPrediction(value: unknown, id: string): Prediction {
  const p = value ?? 'velocity'
  if (p === 'velocity' || p === 'data') return p
  throw new ConfigError(`${id}: unknown prediction ${JSON.stringify(p)} (velocity or data).`)
}

/**
 * cfm's image budget: the flows' network with one that predicts the clean sample (DATA_FIELD), half the rate,
 * a longer average and twice the steps. On mnist (the same 800 → 1024³ → 784 MLP, batch 128, Heun K = 100,
 * n = 2 000, seed 0; fdGaussian 9.17) velocity prediction scored fd 16.8 after 1 000 steps; data prediction
 * at lr 1e-3, ema 0.995, 4 000 steps: 3.56; at lr 5e-4, ema 0.999: 3.17; 8 000 steps: 2.60 (DDIM K = 100:
 * 2.34); 9 000 steps with DDIM K = 100: 2.11 = 0.23 × fdGaussian on the run's own draw, 2.73 = 0.30 × over
 * four more (fd's draw-to-draw spread at n = 2 000 is ±0.35); with the deeper 768⁵ network
 * (`DATA_FLOW_IMAGE_MODEL`) 1.71 = 0.19 × on its own draw and 2.13 = 0.23 × over the same four (Heun K = 100:
 * 2.24 = 0.244 ×). docs/benchmarks.md has the wall times.
 */
export const CFM_IMAGE_DEFAULTS: TrainDefaults = {
  ...IMAGE_FLOW_DEFAULTS,
  model: DATA_FLOW_IMAGE_MODEL,
  steps: 9000,
  lr: 5e-4,
  params: { predict: 'data', ema: 0.999 }
}

/** Declares a flow-matching objective; variants pass their own coupling. */
export function flowMatchingObjective(o: {
  id: string
  title: string
  paper: string
  summary: string
  pairing: Pairing
  defaults: ModelObjective['defaults']
  imageDefaults?: ModelObjective['defaults']
}): ModelObjective {
  const build = (net: TimeNet, lr: number, p: ParamValues): CfmModel => {
    const predict = readPrediction(p.predict, o.id)
    const sigma = Number(p.sigma ?? 0)
    const times: TimeSampling =
      p.time === 'logit-normal'
        ? { kind: 'logit-normal', mean: Number(p.timeMean ?? 0), std: Number(p.timeStd ?? 1) }
        : { kind: 'uniform' }
    const path = { sigma, pairing: o.pairing, predict, times }
    return new CfmModel(o.id, net, lr, Number(p.ema ?? 0), path, Number(p.dropout ?? 0))
  }
  return {
    kind: 'model',
    id: o.id,
    family: 'flows',
    title: o.title,
    paper: o.paper,
    summary: o.summary,
    params: CFM_PARAMS,
    defaults: o.defaults,
    ...(o.imageDefaults ? { imageDefaults: o.imageDefaults } : {}),
    capabilities: { ortTrain: true, teacher: true, archs: ['unet'] },
    async create(spec: ModelSpec) {
      checkNoiseSpec(o.id, spec)
      return build(createVelocityNet(spec, spec.params, o.id), spec.lr, spec.params)
    },
    restore(weights, spec) {
      if (weights.kind !== o.id)
        throw new ConfigError(`These are ${weights.kind} weights, not ${o.id} weights.`)
      const net = readVelocityNet(o.id, weights)
      return build(net, spec.lr, {
        sigma: Number(weights.sigma ?? 0),
        ema: Number(weights.ema ?? 0),
        predict: String(weights.predict ?? 'velocity')
      })
    }
  }
}

export const cfm: ModelObjective = flowMatchingObjective({
  id: 'cfm',
  title: 'Conditional flow matching (rectified flow)',
  paper: '§4, eqs. (6)–(7)',
  summary:
    'Regress v_θ(x_t, t) on x₁ − x₀ along straight paths x_t = (1−t)x₀ + t x₁ from noise to data;\n' +
    'the learnt field solves the continuity equation (6), and integrating it (7) maps N(0, I) to the data.',
  pairing: independentPairing,
  defaults: { steps: 2000, batch: 256, lr: 5e-3 },
  imageDefaults: CFM_IMAGE_DEFAULTS
})
