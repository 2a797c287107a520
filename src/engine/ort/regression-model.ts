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
import type { ExecutionProvider } from '../onnx/providers'
import { SNAPSHOT_EVERY } from '../train/variables'
import { OrtTrainStep } from './train-step'
import type { TrainState } from '../train/train-state'

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
  /** Execution provider of the step (default `cpu`). */
  provider?: ExecutionProvider
  /** No node may fall back to the CPU provider (test mode). */
  strict?: boolean
  /**
   * Read the loss back every this many steps (default 1). Between reads a step returns the last loss read;
   * the loss is also read at every snapshot step of the loop (`SNAPSHOT_EVERY`) and at the last step, and the
   * weights are downloaded with it where they live on the device.
   */
  lossEvery?: number
}

/**
 * Inverted dropout masks for one step: per hidden layer of width w, B·w values, 0 with probability p and 1/(1 − p)
 * otherwise, drawn from the run's training stream (so a resumed run draws the same masks).
 */
export function dropoutMasks(widths: readonly number[], B: number, p: number, rng: Rng): Float32Array[] {
  const keep = 1 / (1 - p)
  return widths.map((w) => {
    const m = new Float32Array(B * w)
    // the float32 uniform rng.uniforms would draw, compared with p
    for (let i = 0; i < m.length; i++) m[i] = Math.fround(rng.next()) < p ? 0 : keep
    return m
  })
}

/** Whether step `step` (0-based) of `steps` reads its loss back, reading every `every` steps. */
export function readsLoss(step: number, steps: number, every: number): boolean {
  const n = step + 1
  return every <= 1 || n % every === 0 || n % SNAPSHOT_EVERY === 0 || n === steps
}

type Inner = TrainableModel & { transport?(z: Float32Array, opts: SampleOptions): Float32Array }

export class OrtRegressionModel implements AsyncTrainableModel {
  /** True while the trained weights are newer than the tfjs network's. */
  private stale = false
  /** The last loss read back. */
  private lastLoss = NaN
  /** Device-resident training: the weights downloaded at the last read step. */
  private mirror: { params: Float32Array[]; average: Float32Array[] | null } | null = null

  private constructor(
    /** The tfjs model: batches, sampling, evaluation, weights.json. */
    readonly inner: Inner,
    private readonly adapter: RegressionAdapter,
    readonly trainer: OrtTrainStep,
    private readonly lossEvery: number
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
      dropout: (adapter.dropout ?? 0) > 0,
      threads: opts.threads ?? 0,
      provider: opts.provider ?? 'cpu',
      ...(opts.strict ? { strict: true } : {})
    })
    const params = read(net.variables())
    if (adapter.avg) trainer.setParams(params, read(adapter.avg.variables()))
    if (opts.batch) await trainer.prepare(opts.batch)
    const every = opts.lossEvery ?? 1
    if (!(Number.isInteger(every) && every >= 1))
      throw new Error(`onnxruntime trainer: lossEvery ${every} is not a positive integer.`)
    return new OrtRegressionModel(inner, adapter, trainer, every)
  }

  get samplers(): TrainableModel['samplers'] {
    return this.inner.samplers
  }

  get defaultSteps(): number {
    return this.inner.defaultSteps
  }

  async step(y: tf.Tensor2D, ctx: LossContext): Promise<StepResult> {
    if (this.adapter.readsWeights?.(ctx)) this.sync()
    const { input, target } = this.adapter.batch(y, ctx)
    const lr = this.adapter.lr * lrFactor(ctx.step, ctx.steps)
    const decay = this.adapter.avg ? emaDecay(this.adapter.ema, this.trainer.updates) : 0
    const read = readsLoss(ctx.step, ctx.steps, this.lossEvery)
    const p = this.adapter.dropout ?? 0
    const masks = p > 0 ? dropoutMasks(this.trainer.hiddenWidths, target.length / this.trainer.outDim, p, ctx.rng) : undefined
    const loss = await this.trainer.step(input, target, lr, decay, { read, ...(masks ? { masks } : {}) })
    if (loss === null) return { loss: this.lastLoss }
    this.lastLoss = loss
    if (Number.isFinite(loss)) {
      this.stale = true
      if (!this.trainer.onHost) this.mirror = await this.trainer.readParams()
    }
    return { loss }
  }

  /** The trained weights: held in host memory, or as downloaded at the last read step. */
  private weights(): { params: Float32Array[]; average: Float32Array[] | null } {
    if (this.trainer.onHost) return { params: this.trainer.params(), average: this.trainer.average() }
    if (!this.mirror) throw new Error('onnxruntime trainer: no weights were read back from the device yet.')
    return this.mirror
  }

  /** Copies the trained weights (and their average) into the tfjs networks. */
  sync(): void {
    if (!this.stale) return
    const copy = (vars: tf.Variable[], data: Float32Array[]): void =>
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(data[i]!, v.shape))))
    const w = this.weights()
    copy(this.adapter.net.variables(), w.params)
    if (this.adapter.avg && w.average) copy(this.adapter.avg.variables(), w.average)
    this.stale = false
  }

  current(): TrainableModel {
    this.sync()
    return this.inner
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
    if (!this.trainer.onHost && !this.mirror) {
      // Before the first step: the tfjs networks hold the starting weights.
      const vars = [...this.adapter.net.variables(), ...(this.adapter.avg?.variables() ?? [])]
      return vars.map((v) => tf.clone(v))
    }
    const w = this.weights()
    const out = w.params.map((d, i) => tf.tensor(d.slice(), shapes[i]))
    if (w.average) out.push(...w.average.map((d, i) => tf.tensor(d.slice(), shapes[i])))
    return out
  }

  restore(snapshot: tf.Tensor[]): void {
    const n = this.trainer.shapes.length
    const data = snapshot.map((t) => t.dataSync() as Float32Array)
    this.trainer.setParams(data.slice(0, n), data.length > n ? data.slice(n, 2 * n) : undefined)
    if (this.mirror)
      this.mirror = { params: data.slice(0, n), average: data.length > n ? data.slice(n, 2 * n) : null }
    this.stale = true
    this.sync()
  }

  /**
   * The trainer's state, when the wrapped model is resumable itself (its batches depend only on the run's rng):
   * not distillation nor reflow over several rounds, whose pairs come from their own stream and pool, which a
   * checkpoint does not hold.
   */
  async trainState(): Promise<TrainState | null> {
    return (await this.inner.trainState?.()) ? this.trainer.state() : null
  }

  loadTrainState(st: TrainState): void {
    this.trainer.setState(st)
    this.stale = true
    this.sync()
  }

  dispose(): void {
    this.inner.dispose()
    this.trainer.dispose().catch(() => undefined)
  }
}
