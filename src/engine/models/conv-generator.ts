/**
 * A small convolutional generator φ: z ↦ image for the one-step maps (§2 statistics objectives, distill's
 * student), a drop-in for the MLP map (`apply(z)` [n, latentDim] → [n, d]).
 *
 * With channels c and L levels (as the U-Net, models/unet.ts), c_l = c·2^l and the base grid H/2^L × W/2^L:
 *   h     = dense(z) as an image                        latentDim → (H/2^L)·(W/2^L)·c_L
 *   up l  = conv₃(SiLU(GN(upsample₂(h))))               c_{l+1} → c_l,  l = L−1 … 0
 *   out   = conv₃(SiLU(GN(h)))                          c₀ → C
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import {
  checkImageSpec,
  convParams,
  denseParams,
  groupsFor,
  halvings,
  imageHWC,
  makeParamSet,
  normParams,
  ParamModel,
  tfConvOps,
  type ConvOps,
  type ParamLayout,
  type ParamSource,
  type ParamValues
} from './conv-layers'
import { MAX_LEVELS } from './unet'

export interface ConvGeneratorSpec {
  latentDim: number
  /** Output dimension d = H·W·C. */
  dim: number
  shape: [number, number, number]
  channels: number
  levels: number
  groups: number
}

export interface ConvGeneratorWeights {
  arch: 'conv'
  spec: ConvGeneratorSpec
  params: ParamValues
}

export function convGeneratorSpec(
  shape: readonly number[],
  o: { latentDim: number; channels: number }
): ConvGeneratorSpec {
  const [H, W, C] = imageHWC(shape)
  if (!(Number.isInteger(o.channels) && o.channels >= 4 && o.channels % 4 === 0 && o.channels <= 256))
    throw new ConfigError(`channels: ${o.channels} is not a multiple of 4 in [4, 256].`)
  const levels = halvings(H, W, MAX_LEVELS)
  return {
    latentDim: o.latentDim,
    dim: H * W * C,
    shape: [H, W, C],
    channels: o.channels,
    levels,
    groups: groupsFor(Array.from({ length: levels + 1 }, (_, l) => o.channels * 2 ** l))
  }
}

const ch = (spec: ConvGeneratorSpec, l: number): number => spec.channels * 2 ** l

/** The grid the generator starts from: [H/2^L, W/2^L, c_L]. */
function baseShape(spec: ConvGeneratorSpec): [number, number, number] {
  const f = 2 ** spec.levels
  return [spec.shape[0] / f, spec.shape[1] / f, ch(spec, spec.levels)]
}

export function convGeneratorLayout(spec: ConvGeneratorSpec): ParamLayout {
  const [h, w, c] = baseShape(spec)
  const layout: ParamLayout = [...denseParams('in', spec.latentDim, h * w * c)]
  for (let l = spec.levels - 1; l >= 0; l--)
    layout.push(
      ...normParams(`up${l}/norm`, ch(spec, l + 1)),
      ...convParams(`up${l}/conv`, 3, ch(spec, l + 1), ch(spec, l))
    )
  layout.push(...normParams('out/norm', ch(spec, 0)), ...convParams('out', 3, ch(spec, 0), spec.shape[2]))
  return layout
}

/** The generator as a program on `ops`: z [n, latentDim] → image. */
export function convGeneratorProgram<V>(ops: ConvOps<V>, spec: ConvGeneratorSpec, z: V): V {
  let h = ops.toImage(ops.dense(z, 'in'), baseShape(spec))
  for (let l = spec.levels - 1; l >= 0; l--)
    h = ops.conv(ops.silu(ops.groupNorm(ops.upsample(h), `up${l}/norm`, spec.groups)), `up${l}/conv`)
  return ops.conv(ops.silu(ops.groupNorm(h, 'out/norm', spec.groups)), 'out')
}

function checkSpec(spec: ConvGeneratorSpec): void {
  checkImageSpec('conv generator', spec.dim, spec.shape, spec.levels)
  if (!(Number.isInteger(spec.latentDim) && spec.latentDim >= 1))
    throw new ConfigError(`The latent dimension must be a positive integer, got ${spec.latentDim}.`)
}

export class ConvGenerator extends ParamModel<ConvGeneratorSpec> {
  readonly arch = 'conv'

  get inDim(): number {
    return this.spec.latentDim
  }

  get outDim(): number {
    return this.spec.dim
  }

  static create(spec: ConvGeneratorSpec, rng: Rng, name = 'conv'): ConvGenerator {
    return ConvGenerator.build(spec, { rng }, name)
  }

  static fromJSON(json: ConvGeneratorWeights, name = 'conv'): ConvGenerator {
    return ConvGenerator.build(json.spec, { values: json.params }, name)
  }

  private static build(spec: ConvGeneratorSpec, source: ParamSource, name: string): ConvGenerator {
    checkSpec(spec)
    return new ConvGenerator(spec, makeParamSet(convGeneratorLayout(spec), source, 'conv generator', name))
  }

  /** φ(z): [n, latentDim] → [n, d] (channels-last rows). */
  apply(z: tf.Tensor2D, _opts?: { inputGrad?: boolean }): tf.Tensor2D {
    const ops = tfConvOps(this.params)
    return ops.toVector(convGeneratorProgram(ops, this.spec, z)) as tf.Tensor2D
  }

  toJSON(): ConvGeneratorWeights {
    return { arch: 'conv', spec: this.spec, params: this.params.toJSON() }
  }

  assign(from: ConvGeneratorWeights): void {
    this.params.assign(from.params)
  }
}
