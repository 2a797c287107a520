/**
 * Pieces shared by the §4 flow objectives: the trainable velocity-network model (one regression step per
 * batch, Adam), chunked sampling, snapshots, and the checks and parameters every flow declares.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { velocityInput } from '../../models/velocity'
import {
  createTimeNet,
  isUnetWeights,
  timeNetFromJSON,
  type TimeNet,
  type TimeNetWeights
} from '../../models/nets'
import { float, int, type ParamSpecs, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import type {
  LossContext,
  ModelExport,
  ModelSpec,
  RegressionSpec,
  SampleOptions,
  SamplerId,
  TrainDefaults,
  TrainableModel
} from '../types'
import { setLearningRate } from '../../train/schedule'
import { EmaNetModel, lrFactor } from './ema-model'
import { DEFAULT_TOLERANCES, fieldVelocity, findSampler, integrateField, type Field } from '../../samplers'
import type { GridSpec } from '../../../shared/samplers'

/** Default number of integration steps K of the multi-step samplers. */
export const DEFAULT_FLOW_STEPS = 100
/**
 * The image budget of the flow regressions and their distillation (MNIST, 784-D): the 785 → 1024³ → 784
 * network of the MNIST workload (bench:train), batch 128, Adam at 1e-3 (5e-3, the toys' rate, is too large
 * for this width).
 */
export const IMAGE_FLOW_DEFAULTS: TrainDefaults = {
  steps: 4000,
  batch: 128,
  lr: 1e-3,
  model: { width: 1024, depth: 3 }
}

/**
 * The network of a clean-sample flow on images (cfm's image budget) and of its distillation, which starts from
 * the teacher's network: 800 → 768⁵ → 784, 3.58 M weights against 3.72 M of the 1024³ MLP, so about the same
 * cost per step. On mnist it generalises better from the 8 000 training images: in a PyTorch mirror of the
 * recipe on a GPU (scripts/lever-sweep.py, scored in the workbench classifier's features, three seeds × four
 * draws) fd 2.15 against 2.40 for 1024³, and far fewer samples whose strokes overshoot the pixel range (the
 * draw-to-draw spread of fd); wider, more weight decay or dropout, other batch sizes, rates and step counts did
 * not beat 1024³. In the engine on mnist: fd 2.13 against 2.73 over four evaluation draws (DDIM K = 100),
 * 2.24 = 0.244 × fdGaussian with Heun K = 100 (docs/benchmarks.md, "Levers swept on a GPU").
 */
export const DATA_FLOW_IMAGE_MODEL = { width: 768, depth: 5 } as const

/** Rows pushed through the network at once when sampling. */
export const SAMPLE_CHUNK = 8192

/** A regression batch: inputs x [B, d] at times t [B], targets [B, d] (all row-major, constant). */
export interface FlowBatch {
  x: Float32Array
  t: Float32Array
  target: Float32Array
}

/**
 * A model that transports base noise z ~ N(0, I_d) to data: every §4 model, so that `reflow` and `distill`
 * can use any of them as a teacher.
 */
export interface FlowModel extends TrainableModel {
  readonly dim: number
  /** The map z ↦ χ(z) for given noise z [n, d] with a deterministic sampler (throws for a stochastic one). */
  transport(z: Float32Array, opts: SampleOptions): Float32Array
}

export function isFlowModel(m: TrainableModel): m is FlowModel {
  return typeof (m as Partial<FlowModel>).transport === 'function'
}

/**
 * The moving average's decay, as every EMA model states it. The decay warms up as min(decay, (1 + k)/(10 + k))
 * (train/ema.ts), so a decay d takes hold only after (10d − 1)/(1 − d) updates: 0.999 after 8 990. On mnist's
 * 8 000-step image budget ema = 0.999 and 0.9995 trained byte-identical weights (docs/benchmarks.md).
 */
export const EMA_PARAM = float(
  0.995,
  0,
  0.9999,
  'Decay of the exponential moving average of the weights that samples (0: off). It warms up as\n' +
    'min(decay, (1 + k)/(10 + k)) at update k: 0.995 holds after 1 790 updates, 0.999 after 8 990.'
)

/** The parameters of the velocity network beyond ModelConfig's width/depth/activation. */
export const VELOCITY_PARAMS: ParamSpecs = {
  timeEmbed: int(16, 2, 256, 'Size of the sinusoidal time embedding concatenated to x (even).'),
  ema: EMA_PARAM
}

/** Flows transport N(0, I_d) noise of the data dimension: the model's latent settings must agree. */
export function checkNoiseSpec(id: string, spec: Pick<ModelSpec, 'dim' | 'model'>): void {
  if (spec.model.latentDim !== spec.dim)
    throw new ConfigError(
      `${id} transports N(0, I) noise of the data dimension ${spec.dim}; a latent dimension of ${spec.model.latentDim} does not apply (leave it unset).`
    )
  if (spec.model.base !== 'normal')
    throw new ConfigError(`${id} starts from N(0, I) noise; the "${spec.model.base}" base does not apply.`)
}

/** Builds a fresh velocity network (an MLP, or a U-Net on images: `model.arch`) from the run's settings. */
export function createVelocityNet(spec: ModelSpec, p: ParamValues, name: string): TimeNet {
  const timeDim = Number(p.timeEmbed ?? 16)
  if (timeDim % 2 !== 0) throw new ConfigError(`timeEmbed must be even, got ${timeDim}.`)
  return createTimeNet(spec.model, { dim: spec.dim, timeDim, image: spec.image }, spec.rng, name)
}

/** Reads a stored velocity network (MLP or U-Net), naming the objective in the error. */
export function readVelocityWeights(id: string, w: Record<string, unknown>): TimeNetWeights {
  const net = w.net as Partial<TimeNetWeights> | undefined
  if (!net || typeof net !== 'object' || !net.spec || !('mlp' in net || isUnetWeights(net)))
    throw new ConfigError(`These ${id} weights hold no velocity network ("net").`)
  return net as TimeNetWeights
}

/** The stored velocity network of a flow run, rebuilt. */
export function readVelocityNet(id: string, w: Record<string, unknown>, name = id): TimeNet {
  return timeNetFromJSON(readVelocityWeights(id, w), name)
}

export function checkSampler(id: string, samplers: readonly SamplerId[], s: SamplerId): void {
  if (!samplers.includes(s))
    throw new ConfigError(`${id} samples with ${samplers.join(', ')}; "${s}" does not apply.`)
}

export function checkSteps(steps: number): void {
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new ConfigError(`The number of sampling steps must be an integer ≥ 1, got ${steps}.`)
}

export { lrFactor, setLearningRate }

/**
 * A model whose one network v_θ(x, t) is trained by regression, L = mean ‖v_θ(x, t) − target‖², on batches
 * the subclass builds (flow matching, ε-prediction, reflow pairs). Adam with the `lrFactor` schedule; an
 * exponential moving average of the weights (decay min(ema, (1 + k)/(10 + k)) at step k) is what samples
 * and what is stored.
 */
export abstract class VelocityModel extends EmaNetModel<TimeNet> implements FlowModel {
  abstract readonly kind: string
  abstract readonly samplers: readonly SamplerId[]
  readonly defaultSteps: number = DEFAULT_FLOW_STEPS
  readonly dim: number

  /** Dropout probability of the hidden units while training (the onnxruntime step only; 0: none). */
  readonly dropout: number

  constructor(net: TimeNet, lr: number, ema: number, dropout = 0) {
    super(net, lr, ema, (n) => timeNetFromJSON(n.toJSON(), 'ema'))
    this.dim = net.spec.dim
    this.dropout = dropout
  }

  /** The network that samples: the moving average when there is one. */
  get field(): TimeNet {
    return this.sampling
  }

  /** The regression batch for data rows y [B, d]. */
  protected abstract batch(y: Float32Array, B: number, ctx: LossContext): FlowBatch

  /**
   * The regression batch a step trains on (draws from `ctx.rng` exactly as `step` does), for trainers that run
   * the same regression elsewhere (onnxruntime, ort/regression-model.ts).
   */
  regressionBatch(y: Float32Array, B: number, ctx: LossContext): FlowBatch {
    return this.batch(y, B, ctx)
  }

  /** What the network predicts, as the samplers see it (a velocity, or ε̂ of a VP diffusion). */
  abstract readonly flowField: Field

  /**
   * The K + 1 times `sampler` steps on, in the direction of integration: the model's span and default spacing,
   * or `grid` (a spacing, or a list of times checked against the span).
   */
  abstract timeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[]

  /** Network evaluations per sample and the grid of the last `transport` / `sample` (an adaptive run's steps). */
  lastRun: { nfe: number; grid: number[] } | null = null

  /** Integrates base noise z [n, d] with the sampler record; `rng` for stochastic samplers. */
  protected integrate(z: Float32Array, opts: SampleOptions, rng: Rng | null): Float32Array {
    const r = integrateField(
      findSampler(opts.sampler),
      this.flowField,
      (x, t) => this.field.predict(x, t),
      z,
      this.timeGrid(opts.sampler, opts.steps, opts.grid),
      {
        rng,
        fixed: Array.isArray(opts.grid),
        tolerances: {
          rtol: opts.rtol ?? DEFAULT_TOLERANCES.rtol,
          atol: opts.atol ?? DEFAULT_TOLERANCES.atol
        }
      }
    )
    if (!this.lastRun || r.nfe > this.lastRun.nfe) this.lastRun = { nfe: r.nfe, grid: r.grid }
    return r.x
  }

  /** Fields beyond `kind`, `net` and `ema` stored with the weights. */
  protected extraJSON(): Record<string, unknown> {
    return {}
  }

  /** The velocity regression: input [x, emb(t)], target the objective's (x₁ − x₀, ε, …). */
  regression(): RegressionSpec {
    const mlp = this.net.mlp
    if (!mlp)
      throw new ConfigError(
        `The ${this.kind} U-Net trains on TensorFlow.js only; onnxruntime's training step regresses MLPs.`
      )
    return {
      net: mlp,
      avg: this.avg?.mlp ?? null,
      ema: this.ema,
      lr: this.lr,
      lossScale: 1,
      dropout: this.dropout,
      batch: (y, ctx) => {
        const b = this.regressionBatch(y.dataSync() as Float32Array, y.shape[0], ctx)
        return { input: velocityInput(b.x, b.t, this.net.spec), target: b.target }
      }
    }
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number } {
    if (this.dropout > 0)
      throw new ConfigError(
        `${this.kind}: dropout trains on onnxruntime's step only (--backend onnxruntime, an MLP network).`
      )
    const B = y.shape[0]
    const b = this.batch(y.dataSync() as Float32Array, B, ctx)
    const { dim, timeDim } = this.net.spec
    const loss = this.fit(() => {
      const input = tf.tensor2d(velocityInput(b.x, b.t, this.net.spec), [B, dim + timeDim])
      return tf.mean(tf.squaredDifference(this.net.applyInput(input), tf.tensor2d(b.target, [B, dim])))
    }, ctx)
    return { loss }
  }

  transport(z: Float32Array, opts: SampleOptions): Float32Array {
    checkSampler(this.kind, this.samplers, opts.sampler)
    checkSteps(opts.steps)
    if (findSampler(opts.sampler).stochastic)
      throw new ConfigError(`The ${opts.sampler} sampler is stochastic: it defines no transport map.`)
    this.lastRun = null
    return this.chunked(z, (c) => this.integrate(c, opts, null))
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    checkSampler(this.kind, this.samplers, opts.sampler)
    checkSteps(opts.steps)
    const z = rng.normals(n * this.dim)
    this.lastRun = null
    return this.chunked(z, (c) => this.integrate(c, opts, rng))
  }

  private chunked(z: Float32Array, f: (c: Float32Array) => Float32Array): Float32Array {
    const d = this.dim
    const n = z.length / d
    if (n <= SAMPLE_CHUNK) return f(z)
    const out = new Float32Array(z.length)
    for (let s = 0; s < n; s += SAMPLE_CHUNK) {
      const m = Math.min(SAMPLE_CHUNK, n - s)
      out.set(f(z.subarray(s * d, (s + m) * d)), s * d)
    }
    return out
  }

  /** Exports as a flow: the sampling network, integrated by a sampler record on `timeGrid`. */
  exportAs(): ModelExport {
    return { kind: 'flow', flow: this }
  }

  velocityWeights(): TimeNetWeights {
    return this.field.toJSON()
  }

  predict(x: Float32Array, t: number | ArrayLike<number>): Float32Array {
    return this.field.predict(x, t)
  }

  /** The velocity dx/dt of the sampling network at (x, t): its output read through `flowField`. */
  velocity(x: Float32Array, t: number | ArrayLike<number>): Float32Array {
    return fieldVelocity(this.flowField, x, this.field.predict(x, t), t, this.dim)
  }

  /** Stores the sampling network (the moving average) as `net`. */
  toJSON(): { kind: string } & Record<string, unknown> {
    return { kind: this.kind, net: this.field.toJSON(), ema: this.ema, ...this.extraJSON() }
  }
}
