/**
 * The §4 regression models trained on onnxruntime: the velocity regressions (cfm, ot-cfm, reflow, ddpm — every
 * `VelocityModel`) and `distill`'s one-step map. The batch is built in JS by the wrapped tfjs model from the
 * run's seeded rng, exactly as its own step draws it; the regression step — forward, backward, Adam with the
 * `lrFactor` schedule, the moving average — is one `session.run` of the graph in train-graph.ts. The tfjs
 * model keeps the network that samples, evaluates and is stored: the trained weights are copied into it when
 * one of those is asked for, so weights.json, eval, sample and ONNX export are those of a tfjs-trained run.
 */
import * as tf from '@tensorflow/tfjs-core'
import { lrFactor } from '../objectives/flows/common'
import { emaDecay } from '../train/ema'
import type {
  AsyncTrainableModel,
  LossContext,
  RegressionSpec,
  SampleOptions,
  StepResult,
  TrainableModel
} from '../objectives/types'
import type { Rng } from '../rng'
import { OrtTrainStep } from './train-step'

/** What the onnxruntime trainer needs from a tfjs regression model (the model's own `regression()`). */
export type RegressionAdapter = RegressionSpec

/** The adapter of a model the onnxruntime trainer can train, or null. */
export function regressionAdapter(model: TrainableModel): RegressionAdapter | null {
  return model.regression?.() ?? null
}

export interface OrtModelOptions {
  /** onnxruntime intra-op threads (0: one per core). */
  threads?: number
  /** Build the step session for this batch size now. */
  batch?: number
}

type Inner = TrainableModel & { transport?(z: Float32Array, opts: SampleOptions): Float32Array }

export class OrtRegressionModel implements AsyncTrainableModel {
  /** True while the trained weights are newer than the tfjs network's. */
  private stale = false

  private constructor(
    /** The tfjs model: batches, sampling, evaluation, weights.json. */
    readonly inner: Inner,
    private readonly adapter: RegressionAdapter,
    readonly trainer: OrtTrainStep
  ) {}

  /** Wraps a freshly built model (null adapter: throws); its weights and moving average are the start. */
  static async create(inner: TrainableModel, opts: OrtModelOptions = {}): Promise<OrtRegressionModel> {
    const adapter = regressionAdapter(inner)
    if (!adapter) throw new Error(`The ${inner.toJSON().kind} model has no onnxruntime training step.`)
    const net = adapter.net
    const sizes = [net.spec.inDim, ...net.weights.map((l) => l.w.shape[1])]
    const read = (vs: tf.Variable[]): Float32Array[] => vs.map((v) => v.dataSync() as Float32Array)
    const trainer = await OrtTrainStep.create(read(net.variables()), {
      sizes,
      activation: net.spec.activation,
      // tf.train.adam's ε is the backend's.
      adam: { beta1: 0.9, beta2: 0.999, epsilon: tf.backend().epsilon() },
      ema: adapter.avg !== null,
      lossScale: adapter.lossScale,
      threads: opts.threads ?? 0
    })
    if (adapter.avg) trainer.setParams(trainer.params(), read(adapter.avg.variables()))
    if (opts.batch) await trainer.prepare(opts.batch)
    return new OrtRegressionModel(inner, adapter, trainer)
  }

  get samplers(): TrainableModel['samplers'] {
    return this.inner.samplers
  }

  get defaultSteps(): number {
    return this.inner.defaultSteps
  }

  async step(y: tf.Tensor2D, ctx: LossContext): Promise<StepResult> {
    const { input, target } = this.adapter.batch(y, ctx)
    const lr = this.adapter.lr * lrFactor(ctx.step, ctx.steps)
    const decay = this.adapter.avg ? emaDecay(this.adapter.ema, this.trainer.updates) : 0
    const loss = await this.trainer.step(input, target, lr, decay)
    if (Number.isFinite(loss)) this.stale = true
    return { loss }
  }

  /** Copies the trained weights (and their average) into the tfjs networks. */
  sync(): void {
    if (!this.stale) return
    const copy = (vars: tf.Variable[], data: Float32Array[]): void =>
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(data[i]!, v.shape))))
    copy(this.adapter.net.variables(), this.trainer.params())
    const avg = this.trainer.average()
    if (this.adapter.avg && avg) copy(this.adapter.avg.variables(), avg)
    this.stale = false
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    this.sync()
    return this.inner.sample(n, rng, opts)
  }

  /** The wrapped model's transport map (every §4 model has one). */
  transport(z: Float32Array, opts: SampleOptions): Float32Array {
    this.sync()
    if (!this.inner.transport) throw new Error(`The ${this.inner.toJSON().kind} model has no transport map.`)
    return this.inner.transport(z, opts)
  }

  evaluate(heldout: { n: number; d: number; data: Float32Array }, rng: Rng): Record<string, number> {
    this.sync()
    return this.inner.evaluate?.(heldout, rng) ?? {}
  }

  toJSON(): { kind: string } & Record<string, unknown> {
    this.sync()
    return this.inner.toJSON()
  }

  /** The parameters, then the moving average: the order of the tfjs models' snapshots. */
  snapshot(): tf.Tensor[] {
    const shapes = this.trainer.shapes
    const out = this.trainer.params().map((d, i) => tf.tensor(d.slice(), shapes[i]))
    const avg = this.trainer.average()
    if (avg) out.push(...avg.map((d, i) => tf.tensor(d.slice(), shapes[i])))
    return out
  }

  restore(snapshot: tf.Tensor[]): void {
    const n = this.trainer.shapes.length
    const data = snapshot.map((t) => t.dataSync() as Float32Array)
    this.trainer.setParams(data.slice(0, n), data.length > n ? data.slice(n, 2 * n) : undefined)
    this.stale = true
    this.sync()
  }

  dispose(): void {
    this.inner.dispose()
    this.trainer.dispose().catch(() => undefined)
  }
}
