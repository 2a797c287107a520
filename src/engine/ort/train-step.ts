/**
 * Training an MLP regression on onnxruntime-node: the step graph of train-graph.ts (forward, backward, Adam,
 * moving average) run once per step, the parameters, Adam moments and averaged weights held here between
 * steps as onnxruntime tensors (a step's outputs are the next step's inputs; nothing is copied).
 *
 * With `PFM_WEBGPU_STATE=device` the state stays on the device on `webgpu`: every output is asked for as a
 * `gpu-buffer` (onnxruntime's IO binding), so a step uploads only the batch and downloads nothing; the loss is
 * read back only when the caller asks (`step(…, { read })`), and the weights only by `readParams()`
 * (`keepsStateOnDevice` says why this is opt-in).
 *
 * Used by the engine's training loop (ort/regression-model.ts) and timed by `npm run bench:train`.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node'
import type { Activation } from '../models/mlp'
import { providerSessionOptions, type ExecutionProvider } from '../onnx/providers'
import { paramShapes, trainStepModel, type AdamConstants } from './train-graph'
import { emptyTrainState, copyValues, takeArray, takeCounter, type TrainState } from '../train/train-state'

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
  /** Execution provider of the step session (default `cpu`; resolved and probed by the caller). */
  provider?: ExecutionProvider
  /** No node may fall back to the CPU provider (a test mode: proves the whole step runs on the device). */
  strict?: boolean
  /** Inverted dropout after every hidden activation: each step is given its masks (`step`'s `masks`). */
  dropout?: boolean
}

/**
 * Where a step's outputs stay: in host memory unless `PFM_WEBGPU_STATE=device` asks to keep them on the device
 * on `webgpu` (onnxruntime's IO binding: a step then uploads only the batch and downloads nothing). Opt-in,
 * because on an NVIDIA H200 (driver 580.159, onnxruntime-node 1.30, 2026-12-04) the first step with
 * `gpu-buffer` outputs aborted the process (`terminate called after throwing an instance of 'char const*'`),
 * while the same step with host outputs ran and matched the CPU (docs/benchmarks.md, GPU).
 */
export function keepsStateOnDevice(provider: ExecutionProvider): boolean {
  return provider === 'webgpu' && process.env.PFM_WEBGPU_STATE === 'device'
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
  /** Steps applied (non-finite ones are not, where the loss is read every step). */
  updates = 0
  /** The provider the step runs on. */
  readonly provider: ExecutionProvider
  /** Widths of the hidden layers (a dropout mask per step is [B, width] each) and the output size. */
  readonly hiddenWidths: readonly number[]
  readonly outDim: number
  /** Losses of the steps since the last read, not yet downloaded (device-resident steps). */
  private pending: OrtTensor[] = []
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
    this.provider = opts.provider ?? 'cpu'
    this.hiddenWidths = opts.sizes.slice(1, -1)
    this.outDim = opts.sizes[opts.sizes.length - 1]!
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
        lossScale: this.opts.lossScale ?? 1,
        dropout: this.opts.dropout === true
      })
      const options = providerSessionOptions({
        provider: this.provider,
        threads: this.opts.threads ?? 0,
        ...(this.opts.strict ? { strict: true } : {})
      })
      if (keepsStateOnDevice(this.provider)) options.preferredOutputLocation = 'gpu-buffer'
      s = this.ort.InferenceSession.create(model, options)
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
   * its decay. Returns the loss before the update; a non-finite loss leaves every state untouched.
   *
   * With `read: false` the loss stays where the step left it (on the device for `webgpu`), the update is
   * applied unchecked, and null is returned; the next read step downloads every pending loss and returns the
   * first non-finite one if any (the caller then restores its last snapshot), else its own.
   */
  async step(
    x: Float32Array,
    y: Float32Array,
    lr: number,
    decay?: number,
    opts?: { read?: true; masks?: readonly Float32Array[] }
  ): Promise<number>
  async step(
    x: Float32Array,
    y: Float32Array,
    lr: number,
    decay: number,
    opts: { read: boolean; masks?: readonly Float32Array[] }
  ): Promise<number | null>
  async step(
    x: Float32Array,
    y: Float32Array,
    lr: number,
    decay = 0,
    opts: { read?: boolean; masks?: readonly Float32Array[] } = {}
  ): Promise<number | null> {
    if (this.disposed) throw new Error('onnxruntime trainer: used after dispose().')
    const inDim = this.opts.sizes[0]!
    const outDim = this.outDim
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
    if (this.opts.dropout) {
      const widths = this.hiddenWidths
      const masks = opts.masks ?? []
      if (masks.length !== widths.length || masks.some((m, l) => m.length !== B * widths[l]!))
        throw new Error(
          `onnxruntime trainer: dropout needs a [${B}, width] mask per hidden layer (${widths.length}).`
        )
      widths.forEach((w, l) => (feeds[`mask${l}`] = new T('float32', masks[l]!, [B, w])))
    }
    for (let i = 0; i < this.shapes.length; i++) {
      feeds[`p${i}`] = this.p[i]!
      feeds[`m${i}`] = this.m[i]!
      feeds[`v${i}`] = this.v[i]!
      if (this.a) feeds[`a${i}`] = this.a[i]!
    }
    const out = await session.run(feeds)
    const read = opts.read !== false
    let loss: number | null = null
    if (read) {
      loss = await this.readLosses(out.loss!)
      if (!Number.isFinite(loss)) {
        this.releaseOutputs(out)
        return loss
      }
    } else this.pending.push(out.loss!)
    this.releaseState()
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

  /** The pending losses, then `last`, downloaded; the first non-finite one, else `last`'s. */
  private async readLosses(last: OrtTensor): Promise<number> {
    const all = [...this.pending, last]
    this.pending = []
    let result = NaN
    for (const t of all) {
      const v = ((await t.getData(true)) as Float32Array)[0]!
      if (t === last || !Number.isFinite(v)) {
        result = v
        if (!Number.isFinite(v)) break
      }
    }
    return result
  }

  /** Frees the device buffers of the state being replaced (host tensors are left to the collector). */
  private releaseState(): void {
    if (this.onHost) return
    for (const t of [...this.p, ...this.m, ...this.v, ...(this.a ?? [])]) t.dispose()
  }

  private releaseOutputs(out: Record<string, OrtTensor>): void {
    if (this.onHost) return
    for (const t of Object.values(out)) t.dispose()
  }

  /** Whether the held state is in host memory (`params()` reads it without a download). */
  get onHost(): boolean {
    return !keepsStateOnDevice(this.provider)
  }

  /** The current parameters (views of the held tensors: copy before changing them); host-resident state only. */
  params(): Float32Array[] {
    return this.p.map((t) => hostData(t))
  }

  /** The moving average of the parameters, or null without one; host-resident state only. */
  average(): Float32Array[] | null {
    return this.a ? this.a.map((t) => hostData(t)) : null
  }

  /** The parameters and their average, downloaded from the device where they live (copies). */
  async readParams(): Promise<{ params: Float32Array[]; average: Float32Array[] | null }> {
    const read = (ts: OrtTensor[]): Promise<Float32Array[]> =>
      Promise.all(ts.map(async (t) => Float32Array.from((await t.getData()) as Float32Array)))
    return { params: await read(this.p), average: this.a ? await read(this.a) : null }
  }

  /** Replaces the parameters (and the average); Adam's moments and step count are kept, as tfjs's `assign`. */
  setParams(params: readonly ArrayLike<number>[], average?: readonly ArrayLike<number>[]): void {
    const T = this.ort.Tensor
    // The losses of steps before a restore no longer describe these weights.
    this.pending = []
    this.p = this.shapes.map((s, i) => new T('float32', Float32Array.from(params[i]!), s))
    if (this.a && average)
      this.a = this.shapes.map((s, i) => new T('float32', Float32Array.from(average[i]!), s))
  }

  /** Parameters, Adam moments, the average and the counters, for a checkpoint (`setState` restores them). */
  async state(): Promise<TrainState> {
    const st = emptyTrainState()
    const put = async (prefix: string, ts: OrtTensor[] | null): Promise<void> => {
      for (const [i, t] of (ts ?? []).entries())
        st.arrays[`${prefix}.${i}`] = copyValues(
          this.onHost ? hostData(t) : ((await t.getData()) as Float32Array)
        )
    }
    await put('p', this.p)
    await put('m', this.m)
    await put('v', this.v)
    await put('a', this.a)
    st.counters.acc1 = this.acc1
    st.counters.acc2 = this.acc2
    st.counters.updates = this.updates
    return st
  }

  setState(st: TrainState): void {
    const T = this.ort.Tensor
    const take = (prefix: string): OrtTensor[] =>
      this.shapes.map((s, i) => new T('float32', takeArray(st, `${prefix}.${i}`, size(s)), s))
    const p = take('p')
    const m = take('m')
    const v = take('v')
    const a = this.a ? take('a') : null
    const acc1 = takeCounter(st, 'acc1')
    const acc2 = takeCounter(st, 'acc2')
    const updates = takeCounter(st, 'updates')
    // Assigned only once everything has been read and checked.
    this.pending = []
    this.p = p
    this.m = m
    this.v = v
    this.a = a
    this.acc1 = acc1
    this.acc2 = acc2
    this.updates = updates
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of sessions) await (await s).release()
  }
}

function hostData(t: OrtTensor): Float32Array {
  if (t.location !== 'cpu')
    throw new Error('onnxruntime trainer: the state is on the device; use readParams().')
  return t.data as Float32Array
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
