/**
 * Objective contract. An objective is declared once here — id, family, paper section, hyper-parameters —
 * and the CLI (`pfm objectives`, `--set`), the UI forms and the training loop are generated from it.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Mlp, MlpWeights } from '../models/mlp'
import type { Arch, TimeNetWeights } from '../models/nets'
import type { Field } from '../samplers/field'
import type { ParamSpecs, ParamValues } from '../params'
import type { Rng } from '../rng'
import type { TrainState } from '../train/train-state'

export type Family = 'statistics' | 'density' | 'flows'

export interface LossContext {
  /** The run's seeded generator (draw projections, frequencies, … from it — never Math.random). */
  rng: Rng
  /** Current step (0-based) and the total number of steps. */
  step: number
  steps: number
}

/** Budget an objective trains well with on `8gaussians` on this CPU; the CLI's defaults. */
export interface TrainDefaults {
  steps: number
  batch: number
  lr: number
  /**
   * The network this objective trains best with, where it differs from the run default (128×3 SiLU, latent
   * dimension = the data's): e.g. a one-step map on images draws z from 64 dimensions, not 784.
   */
  model?: Partial<Pick<import('../train/config').ModelConfig, 'latentDim' | 'width' | 'depth' | 'activation'>>
  /** Parameter values that differ from the parameters' own defaults on this budget (the user's still win). */
  params?: Readonly<Record<string, string | number | boolean>>
}

interface ObjectiveBase {
  id: string
  family: Family
  title: string
  /** Paper reference, e.g. "§2, eq. (3)". */
  paper: string
  /** Two lines for a researcher: what it minimises and why. */
  summary: string
  params: ParamSpecs
  defaults: TrainDefaults
  /**
   * The budget for image data (MNIST size, 784 pixels, on this CPU), where it differs from `defaults`:
   * a run on an image set picks it (docs/benchmarks.md, MNIST).
   */
  imageDefaults?: TrainDefaults
  /**
   * Parameters added after runs were stored, with the value those runs trained with: a stored configuration
   * (which holds every parameter of its day) that lacks one resumes with this value, not the new default.
   * E.g. `{ coupling: 'independent' }` (ct, whose default became mini-batch OT).
   */
  storedDefaults?: ParamValues
  /**
   * What this objective's runs can do beyond training on TensorFlow.js and sampling (absent: nothing more).
   * Declare a capability here and nowhere else — the CLI, the host and the trainers read it:
   * - `ortTrain`: trains on onnxruntime (`--backend onnxruntime`, and `auto` picks it). Its model must
   *   implement `TrainableModel.regression()` (one MLP regressed by mean squared error).
   * - `teacher`: its runs can teach `distill` / `reflow`. Its restored model must be a `FlowModel` (a
   *   deterministic `transport` of N(0, I)).
   * How a run exports to ONNX is not declared here: the model says it (`TrainableModel.exportAs()`).
   * E.g. `capabilities: { ortTrain: true, teacher: true }` (cfm).
   */
  capabilities?: ObjectiveCapabilities
}

export interface ObjectiveCapabilities {
  ortTrain?: boolean
  teacher?: boolean
  /**
   * The conv architectures its model can be built with on images, besides the MLP (`ModelConfig.arch`):
   * `unet` for a velocity network, `conv` for a one-step map. The §2 statistics objectives take `conv`.
   */
  archs?: readonly Arch[]
}

/** True when `obj` declares capability `c`. */
export function hasCapability(
  obj: { capabilities?: ObjectiveCapabilities },
  c: 'ortTrain' | 'teacher'
): boolean {
  return obj.capabilities?.[c] === true
}

/** The architectures an objective's networks can take: the MLP, and the conv ones it declares. */
export function objectiveArchs(obj: { kind: string; capabilities?: ObjectiveCapabilities }): Arch[] {
  return ['mlp', ...(obj.kind === 'pushforward' ? ['conv' as const] : (obj.capabilities?.archs ?? []))]
}

/**
 * A statistics-matching objective: a discrepancy D(φ#ν, μ₁) estimated from a generated batch `x`
 * (= φ(z), differentiable) and a data batch `y` (constant), both [B, d] in standardised coordinates.
 * Must be a pure function of its inputs plus draws from `ctx.rng`; returns a scalar to minimise.
 */
export interface PushforwardObjective extends ObjectiveBase {
  kind: 'pushforward'
  loss(x: tf.Tensor2D, y: tf.Tensor2D, p: ParamValues, ctx: LossContext): tf.Scalar
}

export type Objective = PushforwardObjective
/** Every kind of objective: a statistics loss on a plain map, or a model objective that brings its model. */
export type AnyObjective = PushforwardObjective | ModelObjective

/** Samplers (src/shared/samplers.ts): one-step maps use `onestep`; flow/diffusion models integrate in K steps. */
export type { SamplerId } from '../../shared/samplers'
import type { GridSpec, SamplerId } from '../../shared/samplers'

export interface SampleOptions {
  sampler: SamplerId
  /** Number of steps K (ignored by `onestep`, and by an adaptive sampler without a list of times). */
  steps: number
  /** The time grid: a spacing (default: the model's) or K + 1 times, which then fix K. */
  grid?: GridSpec
  /** Tolerances of an adaptive sampler (dopri5). */
  rtol?: number
  atol?: number
}

/** A stored run as `ModelSpec.loadRun` reads it: its objective's id, weights and configuration. */
export interface StoredRun {
  objective: string
  weights: unknown
  config: unknown
}

/** A stored run rebuilt for another run to use (`ModelSpec.restoreRun`). */
export interface RestoredRun {
  runId: string
  objective: AnyObjective
  model: TrainableModel
  /** The run's configuration as stored (an older run's may lack fields). */
  config: import('../train/config').RunConfig
}

/** What a model-based objective needs to build its networks. */
export interface ModelSpec {
  /** Data dimension d. */
  dim: number
  /** Image data: one image's shape and pixel range (the conv architectures need it). */
  image?: import('../types').ImageInfo
  model: import('../train/config').ModelConfig
  params: ParamValues
  lr: number
  batch: number
  /** Initialisation stream. */
  rng: Rng
  /** Loads another run's stored weights (anneal's `init`); absent outside a run store. */
  loadRun?(id: string): Promise<StoredRun>
  /**
   * Another run's model, rebuilt by its own objective (teachers of `distill`, `reflow`, `cd`): the run store
   * (train.ts `runRestorer`) hands it over, so an objective never reaches into the store or the registry.
   * With `need`, a run whose objective lacks that capability is refused with a ConfigError naming those that
   * have it. Absent outside a run store. The caller disposes the model.
   */
  restoreRun?(id: string, need?: 'ortTrain' | 'teacher'): Promise<RestoredRun>
  /** The run's log, for what a model reports while it trains (reflow's rounds, a teacher pool's progress). */
  log?(message: string): void
  /** The run's cancel signal: long work while the model is built (a teacher's pool) stops on it. */
  signal?: AbortSignal
}

/**
 * A trainable generative model with its own networks and optimisers (GANs, flows, VAEs, diffusion, …).
 * The shared loop feeds it standardised data batches and handles progress, NaN, cancel, checkpoints and metrics.
 */
export interface TrainableModel {
  /** One optimisation step on a data batch y [B, d]; may run inner updates (a critic). Returns the loss to report. */
  step(y: tf.Tensor2D, ctx: LossContext): { loss: number; extra?: Record<string, number> }
  /** Samplers this model offers, the default first. */
  readonly samplers: readonly SamplerId[]
  /** Default K for the multi-step samplers. */
  readonly defaultSteps: number
  /**
   * Network evaluations per sample and the time grid of the last `sample` (multi-step samplers; an adaptive
   * one chooses them as it goes). Absent or null for one-step maps.
   */
  readonly lastRun?: { nfe: number; grid: number[] } | null
  /** n samples in standardised coordinates, [n, d] row-major. */
  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array
  /**
   * The regression an onnxruntime trainer runs instead of `step` (objectives with `capabilities.ortTrain`);
   * absent for models trained only on TensorFlow.js.
   */
  regression?(): RegressionSpec
  /**
   * How a run of this model exports to ONNX (onnx/run-graph.ts builds the graph from it). Absent: a model whose
   * stored weights hold a one-step MLP map `phi` exports as that map (the §2 maps, vae, gans, distill, anneal);
   * any other has no export.
   */
  exportAs?(): ModelExport
  /** Extra held-out figures, e.g. `{ nllNatsPerDim }` or `{ elbo, iwae }`. */
  evaluate?(heldout: { n: number; d: number; data: Float32Array }, rng: Rng): Record<string, number>
  /** Serialisable weights (stored as runs/<id>/weights.json; `kind` names the model). */
  toJSON(): { kind: string } & Record<string, unknown>
  /** Copies of every variable, and restoring them (the loop keeps the last finite weights). */
  snapshot(): tf.Tensor[]
  restore(snapshot: tf.Tensor[]): void
  /**
   * Capability: everything a step reads besides the data batch and the run's rng (variables, optimizer
   * moments, counters), so a checkpoint can be resumed exactly (train/train-state.ts). A model without it is
   * still checkpointed (weights.json) for eval, sample and export, but cannot be resumed.
   */
  trainState?(): TrainState | null | Promise<TrainState | null>
  /** Restores `trainState()` into a freshly created model of the same configuration. */
  loadTrainState?(state: TrainState): void
  dispose(): void
}

/**
 * A model's training step as one mean-squared-error regression of an MLP (ort/regression-model.ts runs it
 * on onnxruntime): loss = lossScale × mean((net(input) − target)²).
 */
export interface RegressionSpec {
  /** The network trained, and its moving average (null without one), as tfjs variables. */
  net: Mlp
  avg: Mlp | null
  ema: number
  /** Base learning rate (scaled per step by the flows' `lrFactor`). */
  lr: number
  lossScale: number
  /** Inverted dropout after every hidden activation with this probability (0 or absent: none). */
  dropout?: number
  /** A step's network inputs [B, in] and targets [B, out], drawn as the model's own step draws them. */
  batch(y: tf.Tensor2D, ctx: LossContext): { input: Float32Array; target: Float32Array }
  /**
   * True when the batch of this step reads the model's current weights (reflow regenerating its pairs at a
   * new round): the trainer copies the weights it trained into the model first.
   */
  readsWeights?(ctx: LossContext): boolean
}

/**
 * A model's ONNX export: a velocity / noise-prediction flow integrated by a sampler record, or a coupling flow
 * (realnvp) with its forward map for the parity reference.
 */
export type ModelExport =
  | { kind: 'flow'; flow: ExportableFlow }
  | {
      /**
       * A few-step map (the one-step flow families): K jumps x ← x + (1/K)·u(x, t_k, h_k), each a residual
       * MLP on x with its times folded in; K = 1 is the one-step map `phi`.
       */
      kind: 'jumps'
      /** The K residual maps, applied in order. */
      jumps(K: number): MlpWeights[]
      /** z [n, d] → x [n, d] (standardised) in K jumps, the engine's sampler. */
      transport(z: Float32Array, K: number): Float32Array
    }
  | {
      kind: 'realnvp'
      /** The stored weights (`couplings` absent for the 1-D model, which has no graph). */
      weights: { couplings?: MlpWeights[] } & Record<string, unknown>
      /** z [n, d] → x [n, d] (standardised), the engine's sampling direction. */
      forward(z: Float32Array, n: number): Float32Array
    }

/** What the exporter needs of a flow: its network, what it predicts, its grid and its own sampler. */
export interface ExportableFlow {
  readonly dim: number
  readonly samplers: readonly SamplerId[]
  readonly defaultSteps: number
  readonly flowField: Field
  timeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[]
  transport(z: Float32Array, opts: SampleOptions): Float32Array
  readonly lastRun: { nfe: number; grid: number[] } | null
  /** The sampling network's weights, and its output at x [n, d] for one time or one per row. */
  velocityWeights(): TimeNetWeights
  predict(x: Float32Array, t: number | ArrayLike<number>): Float32Array
}

/** What one training step reports. */
export interface StepResult {
  loss: number
  extra?: Record<string, number>
}

/**
 * A trainable model whose step runs asynchronously — on onnxruntime (ort/regression-model.ts), which has no
 * synchronous `run`. The training loop awaits its step; everything else is as `TrainableModel`.
 */
export interface AsyncTrainableModel extends Omit<TrainableModel, 'step'> {
  step(y: tf.Tensor2D, ctx: LossContext): Promise<StepResult>
  /** The TensorFlow.js model holding the trained weights (what samples and exports, e.g. through onnxruntime). */
  current(): TrainableModel
}

/** The synchronous model behind a loop model, with its current weights. */
export function currentModel(m: LoopModel): TrainableModel {
  return 'current' in m ? m.current() : m
}

/** What the training loop drives. */
export type LoopModel = TrainableModel | AsyncTrainableModel

/** An objective that brings its own model (§3 density, §4 flows, adversarial §2). */
export interface ModelObjective extends ObjectiveBase {
  kind: 'model'
  create(spec: ModelSpec): Promise<TrainableModel>
  /** Rebuilds a trained model from its stored weights (eval, sample, export). */
  restore(
    weights: { kind: string } & Record<string, unknown>,
    spec: Omit<ModelSpec, 'rng' | 'loadRun'>
  ): TrainableModel
}
