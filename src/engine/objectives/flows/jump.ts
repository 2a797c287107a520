/**
 * Pieces shared by the one-step flow families — `meanflow`, `shortcut`, `cd`, `ct`: a network of the average
 * velocity u_θ(x, t, h) over [t, t + h] (models/jump.ts) trained by a weighted regression on targets the
 * objective builds (stop-gradient: they are plain numbers by the time the tape starts); Adam, the schedule
 * and the moving average that samples come from `EmaNetModel` (ema-model.ts).
 *
 * Sampling follows the flows' direction (t = 0 noise, t = 1 data):
 * - `onestep`: x = z + u_θ(z, 0, 1) — one network evaluation; stored as the residual map `phi`, so sampling,
 *   the Gallery and ONNX export treat the run like any one-step map;
 * - `euler` with K steps: K jumps x ← x + (1/K)·u_θ(x, k/K, horizon), the horizon 1/K (average velocity over
 *   the step; meanflow, shortcut) or 1 − k/K (consistency models: the jump to the data end, i.e. DDIM on the
 *   straight path) — K network evaluations, deterministic, so these runs can teach (`FlowModel`); exported
 *   as K residual maps in one graph (`exportAs`: multi-step consistency sampling, shortcut's 1, 2, 4, … steps).
 *
 * With `predict=data` the network outputs the end point x̂ = x + (1 − t)·u instead of u (models/jump.ts): the
 * one-step map is then the network's output itself, not z plus an output that must cancel z coordinate by
 * coordinate — on images the latter leaves the noise in every pixel (docs/benchmarks.md, "On image data").
 *
 * They train on TensorFlow.js only (no `ortTrain` capability; revisited for issue 12). The step is an MLP
 * regression, but (1) a weighted one — per-row weights (the pseudo-Huber of cd / ct, MeanFlow's adaptive
 * weight) that the onnxruntime training graph (src/engine/ort/) does not take — and (2) every batch's targets
 * need the network at the current weights (MeanFlow's JVP, the shortcut's half jumps, the consistency target),
 * which that trainer keeps inside its own session. Copying them back every step (`RegressionSpec.readsWeights`,
 * as reflow's rounds do once per round) would leave the target computation — one to three network passes at
 * batch size — in TensorFlow.js, about the work the onnxruntime step saves. The path that would pay is the
 * targets inside the training graph (a JVP, the half jumps), a graph per family; not written.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { JumpNet, type JumpWeights } from '../../models/jump'
import { choice, float, int, type ParamSpecs, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import type { MlpWeights } from '../../models/mlp'
import type {
  LossContext,
  ModelExport,
  ModelObjective,
  ModelSpec,
  SampleOptions,
  SamplerId,
  TrainDefaults
} from '../types'
import {
  EMA_PARAM,
  IMAGE_FLOW_DEFAULTS,
  SAMPLE_CHUNK,
  checkNoiseSpec,
  checkSampler,
  checkSteps,
  type FlowModel
} from './common'
import { EmaNetModel } from './ema-model'

/** A regression batch: inputs x [B, d] at times t [B] with horizons h [B], targets [B, d], row weights [B]. */
export interface JumpBatch {
  x: Float32Array
  t: Float32Array
  h: Float32Array
  target: Float32Array
  weight?: Float32Array
  /** Figures to report with the loss. */
  extra?: Record<string, number>
}

export const JUMP_SAMPLERS: readonly SamplerId[] = ['onestep', 'euler']

export const JUMP_PARAMS: ParamSpecs = {
  timeEmbed: int(
    16,
    2,
    256,
    'Size of each sinusoidal embedding (of t and of the step h) concatenated to x (even).'
  ),
  maxFreq: float(
    5,
    0.5,
    1000,
    'Highest frequency of the time embeddings (rad per unit time; low keeps du/dt and the jumps smooth in t).',
    true
  ),
  predict: choice(
    'velocity',
    ['velocity', 'data'],
    'What the network outputs: the average velocity u, or the end point x̂ = x + (1 − t)·u it leads to\n' +
      '(u = (x̂ − x)/(1 − t)); with data the one-step map is the network itself, the better choice on images.'
  ),
  ema: EMA_PARAM
}

/**
 * The one-step families' budget on images (784 pixels): cfm's image network, batch, rate and moving average
 * (CFM_IMAGE_DEFAULTS), with the steps each family declares — sized so a run fits about 15 minutes of this
 * 2-core CPU, where they train on TensorFlow.js wasm (≈ 0.23–0.37 s a step at 784 pixels against the
 * onnxruntime step's 0.11 s for cfm) — what the network predicts (docs/benchmarks.md, "On image data"), and
 * the family's own parameters where its toy values do not suit images.
 */
export function jumpImageDefaults(
  steps: number,
  predict: 'velocity' | 'data',
  params?: TrainDefaults['params']
): TrainDefaults {
  return {
    ...IMAGE_FLOW_DEFAULTS,
    steps,
    lr: 5e-4,
    params: { ...(predict === 'data' ? { predict } : {}), ema: 0.999, ...params }
  }
}

/** Builds a fresh jump network from the run's model configuration and the objective's parameters. */
export function createJumpNet(spec: ModelSpec, name: string): JumpNet {
  return JumpNet.create(
    {
      dim: spec.dim,
      timeDim: Number(spec.params.timeEmbed ?? 16),
      maxFreq: Number(spec.params.maxFreq ?? 5),
      width: spec.model.width,
      depth: spec.model.depth,
      activation: spec.model.activation,
      ...(spec.params.predict === 'data' ? { predict: 'data' as const } : {})
    },
    spec.rng,
    name
  )
}

/** Straight-path points x_t = (1 − t) x0 + t x1 and velocities x1 − x0. x0, x1 [B, d]; t [B]. */
export function straightPath(
  x0: Float32Array,
  x1: Float32Array,
  t: ArrayLike<number>,
  d: number
): { x: Float32Array; v: Float32Array } {
  const x = new Float32Array(x0.length)
  const v = new Float32Array(x0.length)
  for (let i = 0; i < t.length; i++)
    for (let j = 0; j < d; j++) {
      const k = i * d + j
      x[k] = (1 - t[i]!) * x0[k]! + t[i]! * x1[k]!
      v[k] = x1[k]! - x0[k]!
    }
  return { x, v }
}

export abstract class JumpModel extends EmaNetModel<JumpNet> implements FlowModel {
  abstract readonly kind: string
  readonly samplers = JUMP_SAMPLERS
  readonly defaultSteps = 1
  readonly dim: number

  constructor(net: JumpNet, lr: number, ema: number) {
    super(net, lr, ema, (n) => JumpNet.fromJSON(n.toJSON(), 'jump-ema'))
    this.dim = net.spec.dim
  }

  get field(): JumpNet {
    return this.sampling
  }

  /** The regression batch for data rows y [B, d] (targets computed off the tape). */
  protected abstract batch(y: Float32Array, B: number, ctx: LossContext): JumpBatch

  /** The horizon of the k-th of K sampling jumps from time t: the step itself (average-velocity models). */
  protected horizon(_t: number, step: number): number {
    return step
  }

  /** Fields stored with the weights beyond kind, net, phi and ema. */
  protected extraJSON(): Record<string, unknown> {
    return {}
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number; extra?: Record<string, number> } {
    const B = y.shape[0]
    const b = this.batch(y.dataSync() as Float32Array, B, ctx)
    const d = this.dim
    const loss = this.fit(() => {
      const out = this.net.applyInput(tf.tensor2d(this.net.input(b.x, b.t, b.h), [B, this.net.inDim]))
      const target = this.net.outputTarget(b.x, b.t, b.target)
      const sq = tf.mean(tf.squaredDifference(out, tf.tensor2d(target, [B, d])), 1)
      return b.weight ? tf.mean(tf.mul(sq, tf.tensor1d(b.weight))) : tf.mean(sq)
    }, ctx)
    return b.extra ? { loss, extra: b.extra } : { loss }
  }

  /** K jumps from t = 0 to 1 (K = 1: the one-step map). */
  transport(z: Float32Array, opts: SampleOptions): Float32Array {
    checkSampler(this.kind, this.samplers, opts.sampler)
    checkSteps(opts.steps)
    const K = opts.sampler === 'onestep' ? 1 : opts.steps
    const d = this.dim
    const out = new Float32Array(z)
    for (let s = 0; s < out.length / d; s += SAMPLE_CHUNK) {
      const x = out.subarray(s * d, Math.min(out.length, (s + SAMPLE_CHUNK) * d))
      for (let k = 0; k < K; k++) {
        const t = k / K
        const u = this.field.predict(x, t, this.horizon(t, 1 / K))
        for (let i = 0; i < x.length; i++) x[i]! += u[i]! / K
      }
    }
    return out
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    return this.transport(rng.normals(n * this.dim), opts)
  }

  /** The K jump maps of the K-step sampler (`transport` with `euler`; K = 1 is `phi`). */
  jumpMaps(K: number): MlpWeights[] {
    checkSteps(K)
    return Array.from({ length: K }, (_, k) => this.field.jumpMap(k / K, this.horizon(k / K, 1 / K), 1 / K))
  }

  /** Exports as its few-step sampler: a chain of K residual maps (onnx/run-graph.ts). */
  exportAs(): ModelExport {
    return {
      kind: 'jumps',
      jumps: (K) => this.jumpMaps(K),
      transport: (z, K) =>
        this.transport(z, K === 1 ? { sampler: 'onestep', steps: 1 } : { sampler: 'euler', steps: K })
    }
  }

  toJSON(): { kind: string } & Record<string, unknown> {
    return {
      kind: this.kind,
      net: this.field.toJSON(),
      phi: this.jumpMaps(1)[0]!,
      ema: this.ema,
      ...this.extraJSON()
    }
  }
}

/** Reads a stored jump network, naming the objective in the error. */
export function readJumpWeights(id: string, w: Record<string, unknown>): JumpWeights {
  const net = w.net as JumpWeights | undefined
  if (!net || typeof net !== 'object' || !net.spec || !net.mlp)
    throw new ConfigError(`These ${id} weights hold no jump network ("net").`)
  return net
}

/**
 * Declares a one-step flow objective: `build` makes the model from a network, with what `load` brought for
 * training (a teacher), or with null when restored from stored weights for sampling.
 */
export function jumpObjective<X = never>(o: {
  id: string
  title: string
  paper: string
  summary: string
  params: ParamSpecs
  defaults: ModelObjective['defaults']
  /** The budget on image data sets (784 pixels), where the family has been measured there. */
  imageDefaults?: ModelObjective['defaults']
  storedDefaults?: ModelObjective['storedDefaults']
  load?(spec: ModelSpec): Promise<X>
  build(net: JumpNet, lr: number, params: ParamValues, loaded: X | null): JumpModel
}): ModelObjective {
  return {
    kind: 'model',
    id: o.id,
    family: 'flows',
    title: o.title,
    paper: o.paper,
    summary: o.summary,
    params: { ...JUMP_PARAMS, ...o.params },
    defaults: o.defaults,
    ...(o.imageDefaults ? { imageDefaults: o.imageDefaults } : {}),
    ...(o.storedDefaults ? { storedDefaults: o.storedDefaults } : {}),
    async create(spec: ModelSpec) {
      checkNoiseSpec(o.id, spec)
      const timeDim = Number(spec.params.timeEmbed ?? 16)
      if (timeDim % 2 !== 0) throw new ConfigError(`timeEmbed must be even, got ${timeDim}.`)
      const loaded = o.load ? await o.load(spec) : null
      const net = createJumpNet(spec, o.id)
      try {
        return o.build(net, spec.lr, spec.params, loaded)
      } catch (e) {
        net.dispose()
        throw e
      }
    },
    restore(weights, spec) {
      if (weights.kind !== o.id)
        throw new ConfigError(`These are ${weights.kind} weights, not ${o.id} weights.`)
      const net = JumpNet.fromJSON(readJumpWeights(o.id, weights), o.id)
      if (net.spec.dim !== spec.dim) {
        net.dispose()
        throw new ConfigError(`These ${o.id} weights map ${net.spec.dim}-dimensional data, not ${spec.dim}.`)
      }
      return o.build(net, spec.lr, { ...weights, ema: Number(weights.ema ?? 0) } as ParamValues, null)
    }
  }
}

/**
 * The marginal velocity E[x₁ − x₀ | x_t] of the straight path estimated over reference data rows `ref` [R, d]
 * (the batch itself): x₁ has posterior weights w_j ∝ exp(−‖x_t − t·r_j‖² / (2(1 − t)²)) among the rows, and
 * v̂ = (Σ_j w_j r_j − x_t)/(1 − t). Rows with 1 − t below 1e-4 keep the conditional velocity `v`.
 */
export function batchVelocity(
  x: Float32Array,
  t: ArrayLike<number>,
  ref: Float32Array,
  v: Float32Array,
  d: number
): Float32Array {
  const R = ref.length / d
  const out = new Float32Array(x.length)
  const logw = new Float64Array(R)
  const mean = new Float64Array(d)
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!
    const s = 1 - ti
    if (s < 1e-4) {
      for (let k = 0; k < d; k++) out[i * d + k] = v[i * d + k]!
      continue
    }
    const inv = 1 / (2 * s * s)
    let max = -Infinity
    for (let j = 0; j < R; j++) {
      let sq = 0
      for (let k = 0; k < d; k++) sq += (x[i * d + k]! - ti * ref[j * d + k]!) ** 2
      const l = -sq * inv
      logw[j] = l
      if (l > max) max = l
    }
    let z = 0
    mean.fill(0)
    for (let j = 0; j < R; j++) {
      const w = Math.exp(logw[j]! - max)
      z += w
      for (let k = 0; k < d; k++) mean[k]! += w * ref[j * d + k]!
    }
    for (let k = 0; k < d; k++) out[i * d + k] = (mean[k]! / z - x[i * d + k]!) / s
  }
  return out
}
