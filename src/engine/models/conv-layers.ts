/**
 * The building blocks of the convolutional networks (models/unet.ts, models/conv-generator.ts), written once
 * against an abstract `ConvOps` so that the same program runs on TensorFlow.js (here, NHWC tensors) and is
 * written as ONNX nodes (onnx/conv.ts, NCHW values): the exported graph is the engine's network by
 * construction, and the parity check confirms the numbers.
 *
 * Parameters are named (`down0/conv1/w`) and laid out by a `ParamLayout` derived from the network's spec, so
 * the stored weights are `{ name → values }` checked against that layout on load.
 *
 * Layers, on an image h [n, H, W, C] (TensorFlow.js) — shapes in the engine's channels-last layout:
 * - conv k×k (k = 1 or 3, stride 1, zero padding (k−1)/2): W [k, k, C_in, C_out] (TensorFlow.js's filter
 *   layout), b [C_out]. A 3×3 conv has a hand-written gradient (`conv3`: tfjs-backend-wasm has no Conv2DBackpropFilter
 *   kernel); a 1×1 conv is a `dense` layer on the pixels.
 * - group norm: per sample and group of C/G channels, (h − mean)/√(var + 1e-5) over H·W·C/G values, then
 *   γ ⊙ · + β per channel.
 * - SiLU x·σ(x); average pool 2×2 stride 2; nearest 2× upsampling (pixel (i, j) reads (⌊i/2⌋, ⌊j/2⌋)); channel
 *   concatenation; a per-channel bias from a vector (the time embedding of a U-Net block).
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import { dense } from './dense'

/** Epsilon of the group norm (the same in the ONNX graph). */
export const GROUP_NORM_EPS = 1e-5

/** How a parameter is initialised. */
export type ParamInit = { kind: 'uniform'; fanIn: number } | { kind: 'ones' } | { kind: 'zeros' }

export interface ParamDef {
  name: string
  shape: number[]
  init: ParamInit
}

/** A network's parameters in order: what its program reads, what its weights store. */
export type ParamLayout = ParamDef[]

/** Stored parameters: name → values (row-major over the layout's shape). */
export type ParamValues = Record<string, number[]>

/** Layout of a k×k conv `name` from `inC` to `outC` channels. */
export function convParams(name: string, k: number, inC: number, outC: number): ParamLayout {
  const fanIn = k * k * inC
  return [
    { name: `${name}/w`, shape: [k, k, inC, outC], init: { kind: 'uniform', fanIn } },
    { name: `${name}/b`, shape: [outC], init: { kind: 'uniform', fanIn } }
  ]
}

/** Layout of a group norm `name` over `c` channels. */
export function normParams(name: string, c: number): ParamLayout {
  return [
    { name: `${name}/gamma`, shape: [c], init: { kind: 'ones' } },
    { name: `${name}/beta`, shape: [c], init: { kind: 'zeros' } }
  ]
}

/** Layout of a dense layer `name` [inDim → outDim]. */
export function denseParams(name: string, inDim: number, outDim: number): ParamLayout {
  return [
    { name: `${name}/w`, shape: [inDim, outDim], init: { kind: 'uniform', fanIn: inDim } },
    { name: `${name}/b`, shape: [outDim], init: { kind: 'uniform', fanIn: inDim } }
  ]
}

/** Fresh values for a layout from the run's seeded generator (uniform ±1/√fan-in, as `Mlp.create`). */
export function initParams(layout: ParamLayout, rng: Rng): ParamValues {
  const out: ParamValues = {}
  for (const p of layout) {
    const size = p.shape.reduce((a, b) => a * b, 1)
    if (p.init.kind === 'uniform') {
      const bound = 1 / Math.sqrt(p.init.fanIn)
      out[p.name] = Array.from(rng.uniforms(size, -bound, bound))
    } else out[p.name] = new Array<number>(size).fill(p.init.kind === 'ones' ? 1 : 0)
  }
  return out
}

/** Checks stored values against the layout (every parameter present, of its size, finite). */
export function checkParams(layout: ParamLayout, values: ParamValues, what: string): void {
  if (!values || typeof values !== 'object') throw new ConfigError(`The ${what} weights hold no parameters.`)
  for (const p of layout) {
    const v = values[p.name]
    const size = p.shape.reduce((a, b) => a * b, 1)
    if (!Array.isArray(v)) throw new ConfigError(`The ${what} weights lack parameter "${p.name}".`)
    if (v.length !== size)
      throw new ConfigError(
        `The ${what} parameter "${p.name}" has ${v.length} values; its shape [${p.shape.join(', ')}] needs ${size}.`
      )
    for (const x of v)
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new ConfigError(`The ${what} parameter "${p.name}" has a non-finite value (${String(x)}).`)
  }
}

/** The largest number of groups ≤ 8 dividing every channel count. */
export function groupsFor(channels: readonly number[]): number {
  for (const g of [8, 4, 2, 1]) if (channels.every((c) => c % g === 0)) return g
  return 1
}

/**
 * The operations the convolutional programs are written in; `V` is a value (a tensor, or an ONNX value
 * name). Images are [n, H, W, C] on TensorFlow.js and [n, C, H, W] in ONNX; vectors are [n, k].
 */
export interface ConvOps<V> {
  /** k×k conv with the parameters `name/w`, `name/b`; `inputGrad: false` for a conv on constant data. */
  conv(x: V, name: string, opts?: { inputGrad?: boolean }): V
  groupNorm(x: V, name: string, groups: number): V
  silu(x: V): V
  add(a: V, b: V): V
  pool(x: V): V
  upsample(x: V): V
  /** Channel concatenation [a, b]. */
  concat(a: V, b: V): V
  /** A dense layer on vectors [n, in] → [n, out], SiLU after it when asked. */
  dense(v: V, name: string, silu?: boolean): V
  /** x + dense(v, name) per channel: [n, C] broadcast over the image. */
  channelBias(x: V, v: V, name: string): V
  /** Vectors [n, H·W·C] (channels-last order) as images. */
  toImage(v: V, shape: readonly [number, number, number]): V
  /** Images back to vectors [n, H·W·C] (channels-last order). */
  toVector(x: V): V
}

/** A residual block with GroupNorm and SiLU: x + conv₂(SiLU(GN(conv₁(SiLU(GN(x))) + temb)))) (1×1 skip if needed). */
export function resBlock<V>(
  ops: ConvOps<V>,
  x: V,
  name: string,
  io: { inC: number; outC: number; groups: number },
  temb: V | null
): V {
  let h = ops.conv(ops.silu(ops.groupNorm(x, `${name}/norm1`, io.groups)), `${name}/conv1`)
  if (temb !== null) h = ops.channelBias(h, temb, `${name}/time`)
  h = ops.conv(ops.silu(ops.groupNorm(h, `${name}/norm2`, io.groups)), `${name}/conv2`)
  const skip = io.inC === io.outC ? x : ops.conv(x, `${name}/skip`)
  return ops.add(skip, h)
}

/** Layout of `resBlock` (with `timeDim` > 0: the time projection). */
export function resBlockParams(
  name: string,
  io: { inC: number; outC: number },
  timeDim: number
): ParamLayout {
  return [
    ...normParams(`${name}/norm1`, io.inC),
    ...convParams(`${name}/conv1`, 3, io.inC, io.outC),
    ...(timeDim > 0 ? denseParams(`${name}/time`, timeDim, io.outC) : []),
    ...normParams(`${name}/norm2`, io.outC),
    ...convParams(`${name}/conv2`, 3, io.outC, io.outC),
    ...(io.inC === io.outC ? [] : convParams(`${name}/skip`, 1, io.inC, io.outC))
  ]
}

/** A network's parameters as tf.Variables, by name. */
export class ParamSet {
  readonly vars = new Map<string, tf.Variable>()

  constructor(
    readonly layout: ParamLayout,
    values: ParamValues,
    scope: string
  ) {
    const id = uid()
    for (const p of layout)
      this.vars.set(
        p.name,
        tf.tidy(() => tf.variable(tf.tensor(values[p.name]!, p.shape), true, `${scope}_${id}/${p.name}`))
      )
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name)
    if (!v) throw new Error(`No parameter "${name}".`)
    return v
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()]
  }

  paramCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0)
  }

  toJSON(): ParamValues {
    const out: ParamValues = {}
    for (const [k, v] of this.vars) out[k] = Array.from(v.dataSync())
    return out
  }

  assign(values: ParamValues): void {
    for (const p of this.layout) tf.tidy(() => this.get(p.name).assign(tf.tensor(values[p.name]!, p.shape)))
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose()
  }
}

/** Where a network's parameters come from: fresh from the run's seeded generator, or stored values (checked). */
export type ParamSource = { rng: Rng } | { values: ParamValues }

/** The ParamSet of `layout` from `source`; `what` names the network in a bad stored value's error. */
export function makeParamSet(
  layout: ParamLayout,
  source: ParamSource,
  what: string,
  scope: string
): ParamSet {
  if ('rng' in source) return new ParamSet(layout, initParams(layout, source.rng), scope)
  checkParams(layout, source.values, what)
  return new ParamSet(layout, source.values, scope)
}

/** A network whose weights are one ParamSet of a spec (the conv generator, the U-Net). */
export abstract class ParamModel<S> {
  protected constructor(
    readonly spec: S,
    readonly params: ParamSet
  ) {}

  variables(): tf.Variable[] {
    return this.params.variables()
  }

  paramCount(): number {
    return this.params.paramCount()
  }

  dispose(): void {
    this.params.dispose()
  }
}

/** Checks that an image network's spec is one H×W×C image that halves `levels` times. */
export function checkImageSpec(what: string, dim: number, shape: readonly number[], levels: number): void {
  const [H, W, C] = shape as [number, number, number]
  if (dim !== H * W * C) throw new ConfigError(`The ${what}'s dimension ${dim} is not ${H}×${W}×${C}.`)
  if (H % 2 ** levels !== 0 || W % 2 ** levels !== 0)
    throw new ConfigError(`A ${H}×${W} image does not halve ${levels} times.`)
}

let counter = 0
function uid(): number {
  return counter++
}

type Conv3Fn = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D
type CustomFn = Parameters<typeof tf.customGrad>[0]

/**
 * A 3×3 same conv with a hand-written gradient, every product an XNNPACK conv (fast on wasm):
 * - y  = conv(x, F) + b                       (`fused.conv2d`, F [3, 3, C, C_out])
 * - ∂x = conv(∂y, F̃), F̃[i, j, o, c] = F[2 − i, 2 − j, c, o]   (wasm's Conv2DBackpropInput is ~10× slower)
 * - ∂W = conv_valid(x̄ᵀ, ∂ȳ): the padded input as [C, H+2, W+2, n] (channels as the batch, the batch as
 *   channels) against ∂y as an H×W filter [H, W, n, C_out] gives [C, 3, 3, C_out] — tfjs-backend-wasm has no
 *   Conv2DBackpropFilter kernel.
 * - ∂b = 1ᵀ·∂y as a product (models/dense.ts says why).
 */
function makeConv3(inputGrad: boolean): Conv3Fn {
  const f = (x: tf.Tensor4D, filter: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const Co = filter.shape[3]
    const y = tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: b })
    save([x, filter])
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D]
      const [n, H, W] = xs.shape
      const flipped = tf.reverse(tf.transpose(fs, [0, 1, 3, 2]), [0, 1])
      const dx = inputGrad ? tf.conv2d(dy, flipped, 1, 'same') : tf.zerosLike(xs)
      const xp = tf.pad(xs, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0]
      ])
      const dwT = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid')
      const dw = tf.transpose(dwT, [1, 2, 0, 3])
      const db = tf.reshape(tf.matMul(tf.ones([1, n * H * W]), tf.reshape(dy, [n * H * W, Co])), [Co])
      return [dx, dw, db]
    }
    return { value: y, gradFunc }
  }
  return tf.customGrad(f as unknown as CustomFn) as unknown as Conv3Fn
}

const conv3Cache = new Map<boolean, Conv3Fn>()

/** y = conv₃(x; W, b): x [n, H, W, C], W [3, 3, C, C_out], b [C_out] → [n, H, W, C_out]. */
export function conv3(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad = true): tf.Tensor4D {
  let fn = conv3Cache.get(inputGrad)
  if (!fn) conv3Cache.set(inputGrad, (fn = makeConv3(inputGrad)))
  return fn(x, w, b)
}

/** The TensorFlow.js form of the ops: NHWC tensors, parameters from `params`. */
export function tfConvOps(params: ParamSet): ConvOps<tf.Tensor> {
  return {
    conv(x, name, opts = {}) {
      const x4 = x as tf.Tensor4D
      const [n, H, W, C] = x4.shape
      const w = params.get(`${name}/w`) as tf.Variable<tf.Rank.R4>
      const b = params.get(`${name}/b`) as tf.Variable<tf.Rank.R1>
      const inputGrad = opts.inputGrad !== false
      if (w.shape[0] === 3) return conv3(x4, w, b, inputGrad)
      const Co = w.shape[3]
      const y = dense(tf.reshape<tf.Rank.R2>(x4, [n * H * W, C]), tf.reshape(w, [C, Co]), b, { inputGrad })
      return tf.reshape(y, [n, H, W, Co])
    },
    groupNorm(x, name, groups) {
      const [n, H, W, C] = x.shape as [number, number, number, number]
      const g = tf.reshape(x, [n, H * W, groups, C / groups])
      const { mean, variance } = tf.moments(g, [1, 3], true)
      const norm = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, GROUP_NORM_EPS)))
      return tf.add(
        tf.mul(tf.reshape(norm, [n, H, W, C]), params.get(`${name}/gamma`)),
        params.get(`${name}/beta`)
      )
    },
    silu: (x) => tf.mul(x, tf.sigmoid(x)),
    add: (a, b) => tf.add(a, b),
    pool: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'),
    upsample(x) {
      // Each pixel repeated along W, then each row along H, by broadcasting: tfjs's resizeNearestNeighbor
      // gradient is wrong for a batch of more than one image (tfjs 4.22, cpu and wasm).
      const [n, H, W, C] = x.shape as [number, number, number, number]
      const cols = tf.broadcastTo(tf.reshape(x, [n * H * W, 1, C]), [n * H * W, 2, C])
      const rows = tf.broadcastTo(tf.reshape(cols, [n * H, 1, 2 * W * C]), [n * H, 2, 2 * W * C])
      return tf.reshape(rows, [n, 2 * H, 2 * W, C])
    },
    concat: (a, b) => tf.concat([a, b], 3),
    dense(v, name, silu = false) {
      return dense(
        v as tf.Tensor2D,
        params.get(`${name}/w`) as tf.Variable<tf.Rank.R2>,
        params.get(`${name}/b`) as tf.Variable<tf.Rank.R1>,
        { activation: silu ? 'silu' : 'linear' }
      )
    },
    channelBias(x, v, name) {
      const c = this.dense(v, name)
      const [n, C] = c.shape as [number, number]
      return tf.add(x, tf.reshape(c, [n, 1, 1, C]))
    },
    toImage: (v, [H, W, C]) => tf.reshape(v, [v.shape[0]!, H, W, C]),
    toVector: (x) => tf.reshape(x, [x.shape[0]!, x.size / x.shape[0]!])
  }
}

/** An image shape [H, W] or [H, W, C] as [H, W, C]. */
export function imageHWC(shape: readonly number[]): [number, number, number] {
  if (shape.length !== 2 && shape.length !== 3)
    throw new ConfigError(`An image shape is [H, W] or [H, W, C], not [${shape.join(', ')}].`)
  return [shape[0]!, shape[1]!, shape[2] ?? 1]
}

/** How many times both sides halve evenly, at most `max`. */
export function halvings(H: number, W: number, max: number): number {
  let l = 0
  while (l < max && H % 2 ** (l + 1) === 0 && W % 2 ** (l + 1) === 0) l++
  return l
}
