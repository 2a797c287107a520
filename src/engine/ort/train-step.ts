/**
 * Training an MLP regression on onnxruntime-node: the step graph of train-graph.ts (forward, backward, Adam,
 * moving average) run once per step, the parameters, Adam moments and averaged weights held here between
 * steps as onnxruntime tensors (a step's outputs are the next step's inputs; nothing is copied).
 *
 * Used by the engine's training loop (ort/regression-model.ts) and timed by `npm run bench:train`.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node'
import type { Activation } from '../models/mlp'
import { paramShapes, trainStepModel, type AdamConstants } from './train-graph'

type Ort = typeof import('onnxruntime-node')

/** tf.train.adam's defaults (tfjs reads ε from the backend: 1e-7 for float32 backends). */
export const TFJS_ADAM: AdamConstants = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }

export interface OrtTrainOptions {
  /** Layer sizes [in, hidden…, out]. */
  sizes: readonly number[]
  activation: Activation
  adam?: AdamConstants
  /** Keep an exponential moving average of the weights (its initial value: the initial weights). */
  ema?: boolean
  /** The loss is lossScale × the mean squared error (train-graph.ts; default 1). */
  lossScale?: number
  /** onnxruntime intra-op threads (0: onnxruntime's default, one per core). */
  threads?: number
}

let ortModule: Promise<Ort> | null = null

/** onnxruntime-node, loaded once (throws where the package or its native binding is missing). */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((e: unknown) => {
    ortModule = null
    throw e
  })
  return ortModule
}

export class OrtTrainStep {
  readonly shapes: number[][]
  readonly adam: AdamConstants
  /** Steps applied (non-finite ones are not). */
  updates = 0
  private readonly sessions = new Map<number, Promise<InferenceSession>>()
  private p: OrtTensor[]
  private m: OrtTensor[]
  private v: OrtTensor[]
  private a: OrtTensor[] | null
  /** tfjs's accBeta₁, accBeta₂: float32 running products β₁ᵗ⁺¹, β₂ᵗ⁺¹. */
  private acc1: number
  private acc2: number
  private disposed = false

  private constructor(
    private readonly ort: Ort,
    private readonly opts: OrtTrainOptions,
    params: readonly Float32Array[]
  ) {
    this.shapes = paramShapes(opts.sizes)
    this.adam = opts.adam ?? TFJS_ADAM
    if (params.length !== this.shapes.length)
      throw new Error(
        `onnxruntime trainer: ${params.length} parameter arrays for ${this.shapes.length} parameters.`
      )
    const tensor = (data: Float32Array, s: number[]): OrtTensor => new ort.Tensor('float32', data, s)
    this.p = params.map((d, i) => {
      const s = this.shapes[i]!
      if (d.length !== size(s)) throw new Error(`onnxruntime trainer: parameter ${i} has ${d.length} values.`)
      return tensor(Float32Array.from(d), s)
    })
    this.m = this.shapes.map((s) => tensor(new Float32Array(size(s)), s))
    this.v = this.shapes.map((s) => tensor(new Float32Array(size(s)), s))
    this.a = opts.ema ? params.map((d, i) => tensor(Float32Array.from(d), this.shapes[i]!)) : null
    this.acc1 = Math.fround(this.adam.beta1)
    this.acc2 = Math.fround(this.adam.beta2)
  }

  /** A trainer starting from `params` (W₀, b₀, W₁, b₁, …, row-major [in, out] and [out]). */
  static async create(params: readonly Float32Array[], opts: OrtTrainOptions): Promise<OrtTrainStep> {
    return new OrtTrainStep(await loadOrt(), opts, params)
  }

  /** The step session for `batch` rows (built on first use). */
  private session(batch: number): Promise<InferenceSession> {
    let s = this.sessions.get(batch)
    if (!s) {
      const model = trainStepModel({
        sizes: this.opts.sizes,
        activation: this.opts.activation,
        batch,
        adam: this.adam,
        ema: this.a !== null,
        lossScale: this.opts.lossScale ?? 1
      })
      s = this.ort.InferenceSession.create(model, {
        intraOpNumThreads: this.opts.threads ?? 0,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // Idle pool threads sleep instead of spinning: on a shared machine spinning burns the other core.
        extra: { session: { intra_op: { allow_spinning: '0' } } }
      })
      this.sessions.set(batch, s)
    }
    return s
  }

  /** Builds the session for `batch` rows now (otherwise the first step does). */
  async prepare(batch: number): Promise<void> {
    await this.session(batch)
  }

  /**
   * One step on inputs x [B, in] and targets y [B, out] with learning rate `lr`, and, with a moving average,
   * its decay. Returns the loss before the update. A non-finite loss leaves every state untouched.
   */
  async step(x: Float32Array, y: Float32Array, lr: number, decay = 0): Promise<number> {
    if (this.disposed) throw new Error('onnxruntime trainer: used after dispose().')
    const sizes = this.opts.sizes
    const inDim = sizes[0]!
    const outDim = sizes[sizes.length - 1]!
    const B = x.length / inDim
    if (!Number.isInteger(B) || y.length !== B * outDim)
      throw new Error(`onnxruntime trainer: ${x.length} inputs and ${y.length} targets do not form a batch.`)
    const session = await this.session(B)
    const T = this.ort.Tensor
    const hyper = new Float32Array([1 - this.acc1, 1 - this.acc2, -lr])
    const feeds: Record<string, OrtTensor> = {
      x: new T('float32', x, [B, inDim]),
      y: new T('float32', y, [B, outDim]),
      hyper: new T('float32', hyper, [3])
    }
    if (this.a) feeds.ema = new T('float32', new Float32Array([decay, 1 - decay]), [2])
    for (let i = 0; i < this.shapes.length; i++) {
      feeds[`p${i}`] = this.p[i]!
      feeds[`m${i}`] = this.m[i]!
      feeds[`v${i}`] = this.v[i]!
      if (this.a) feeds[`a${i}`] = this.a[i]!
    }
    const out = await session.run(feeds)
    const loss = (out.loss!.data as Float32Array)[0]!
    if (!Number.isFinite(loss)) return loss
    for (let i = 0; i < this.shapes.length; i++) {
      this.p[i] = out[`p${i}_out`]!
      this.m[i] = out[`m${i}_out`]!
      this.v[i] = out[`v${i}_out`]!
      if (this.a) this.a[i] = out[`a${i}_out`]!
    }
    this.acc1 = Math.fround(this.acc1 * Math.fround(this.adam.beta1))
    this.acc2 = Math.fround(this.acc2 * Math.fround(this.adam.beta2))
    this.updates++
    return loss
  }

  /** The current parameters (views of the held tensors: copy before changing them). */
  params(): Float32Array[] {
    return this.p.map((t) => t.data as Float32Array)
  }

  /** The moving average of the parameters, or null without one. */
  average(): Float32Array[] | null {
    return this.a ? this.a.map((t) => t.data as Float32Array) : null
  }

  /** Replaces the parameters (and the average); Adam's moments and step count are kept, as tfjs's `assign`. */
  setParams(params: readonly ArrayLike<number>[], average?: readonly ArrayLike<number>[]): void {
    const T = this.ort.Tensor
    this.p = this.shapes.map((s, i) => new T('float32', Float32Array.from(params[i]!), s))
    if (this.a && average)
      this.a = this.shapes.map((s, i) => new T('float32', Float32Array.from(average[i]!), s))
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of sessions) await (await s).release()
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
