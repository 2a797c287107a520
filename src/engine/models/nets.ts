/**
 * The network architectures a run can choose (`ModelConfig.arch`): the MLP (every data set), and on images
 * the U-Net velocity network (flows) and the conv generator (one-step maps). Two roles, one interface each:
 * - `TimeNet`: (x, t) ↦ v_θ on the rows [x, emb(t)] — `VelocityNet` (MLP) or `Unet`;
 * - `MapNet`: z ↦ x — `Mlp` or `ConvGenerator`.
 * Stored weights say which they are: an `arch` field (`'unet'`, `'conv'`), absent in the MLP's weights (so
 * runs made before the conv models load unchanged).
 */
import type * as tf from '@tensorflow/tfjs-core'
import { ARCHS, type Arch } from '../../shared/archs'
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import type { ImageInfo } from '../types'
import { ConvGenerator, convGeneratorSpec, type ConvGeneratorWeights } from './conv-generator'
import { Mlp, type Activation, type MlpWeights } from './mlp'
import { DEFAULT_CHANNELS, Unet, unetSpec, type UnetWeights } from './unet'
import { DEFAULT_MAX_FREQ, VelocityNet, type VelocityWeights } from './velocity'

export { ARCHS, ARCH_TITLES, type Arch } from '../../shared/archs'

/** What the network builders read of a run's model settings. */
export interface NetConfig {
  width: number
  depth: number
  activation: Activation
  arch?: Arch
  /** Channels of the first level of the conv architectures. */
  channels?: number
}

export type TimeNetWeights = VelocityWeights | UnetWeights
export type MapWeights = MlpWeights | ConvGeneratorWeights

/** A time-conditioned network (x, t) ↦ v_θ(x, t). */
export interface TimeNet {
  readonly spec: { dim: number; timeDim: number; maxFreq: number }
  /** The MLP, when the network is one (onnxruntime's training step regresses only MLPs). */
  readonly mlp?: Mlp
  /** v_θ on prepared rows `velocityInput(x, t)`: [n, d + timeDim] (constant) → [n, d]. */
  applyInput(input: tf.Tensor2D): tf.Tensor2D
  /** v_θ(x, t): x [n, d] row-major, t one time or [n] → [n, d] (off the tape). */
  predict(x: Float32Array, t: number | ArrayLike<number>): Float32Array
  variables(): tf.Variable[]
  paramCount(): number
  toJSON(): TimeNetWeights
  dispose(): void
}

/** A map z ↦ x: [n, inDim] → [n, outDim]. */
export interface MapNet {
  readonly inDim: number
  readonly outDim: number
  /** `inputGrad: false`: z is constant data (the MLP then skips ∂z). */
  apply(z: tf.Tensor2D, opts?: { inputGrad?: boolean }): tf.Tensor2D
  variables(): tf.Variable[]
  paramCount(): number
  toJSON(): MapWeights
  dispose(): void
}

export function isUnetWeights(w: unknown): w is UnetWeights {
  return typeof w === 'object' && w !== null && (w as { arch?: unknown }).arch === 'unet'
}

export function isConvGeneratorWeights(w: unknown): w is ConvGeneratorWeights {
  return typeof w === 'object' && w !== null && (w as { arch?: unknown }).arch === 'conv'
}

/** The architecture of a run's model settings (absent: the MLP). */
export function archOf(model: { arch?: Arch }): Arch {
  return model.arch ?? 'mlp'
}

/** Checks `model.arch` is one of `allowed` and the data are images where it is a conv architecture. */
export function checkArch(
  what: string,
  allowed: readonly Arch[],
  model: { arch?: unknown },
  image: ImageInfo | undefined,
  data: string
): void {
  const arch = model.arch ?? 'mlp'
  if (!(ARCHS as readonly unknown[]).includes(arch))
    throw new ConfigError(`arch: "${String(arch)}" is not one of ${ARCHS.join(', ')}.`)
  if (!allowed.includes(arch as Arch))
    throw new ConfigError(`arch ${String(arch)}: ${what} builds ${allowed.join(' or ')} networks.`)
  if (arch !== 'mlp' && !image)
    throw new ConfigError(
      `arch ${String(arch)} needs image data with a shape; ${data} is a table (use an image set such as mnist14, or --image-shape HxW).`
    )
}

function imageOf(image: ImageInfo | undefined, arch: Arch): number[] {
  if (!image) throw new ConfigError(`arch ${arch} needs image data with a shape.`)
  return image.shape
}

/** A fresh time-conditioned network for data of dimension `dim`. */
export function createTimeNet(
  cfg: NetConfig,
  o: { dim: number; timeDim: number; image?: ImageInfo | undefined },
  rng: Rng,
  name: string
): TimeNet {
  const arch = archOf(cfg)
  if (arch === 'unet') {
    const spec = unetSpec(imageOf(o.image, arch), {
      channels: cfg.channels ?? DEFAULT_CHANNELS,
      timeDim: o.timeDim,
      maxFreq: DEFAULT_MAX_FREQ
    })
    if (spec.dim !== o.dim)
      throw new ConfigError(`Images of shape [${o.image!.shape.join(', ')}] do not have ${o.dim} values.`)
    return Unet.create(spec, rng, name)
  }
  if (arch !== 'mlp')
    throw new ConfigError(`arch ${arch} is not a time-conditioned network (use mlp or unet).`)
  return VelocityNet.create(
    {
      dim: o.dim,
      timeDim: o.timeDim,
      maxFreq: DEFAULT_MAX_FREQ,
      width: cfg.width,
      depth: cfg.depth,
      activation: cfg.activation
    },
    rng,
    name
  )
}

/** A stored time-conditioned network. */
export function timeNetFromJSON(json: TimeNetWeights, name: string): TimeNet {
  return isUnetWeights(json) ? Unet.fromJSON(json, name) : VelocityNet.fromJSON(json, name)
}

/** A fresh map [latentDim → dim]. */
export function createMapNet(
  cfg: NetConfig,
  o: { latentDim: number; dim: number; image?: ImageInfo | undefined },
  rng: Rng,
  name: string
): MapNet {
  const arch = archOf(cfg)
  if (arch === 'conv') {
    const spec = convGeneratorSpec(imageOf(o.image, arch), {
      latentDim: o.latentDim,
      channels: cfg.channels ?? DEFAULT_CHANNELS
    })
    if (spec.dim !== o.dim)
      throw new ConfigError(`Images of shape [${o.image!.shape.join(', ')}] do not have ${o.dim} values.`)
    return ConvGenerator.create(spec, rng, name)
  }
  if (arch !== 'mlp') throw new ConfigError(`arch ${arch} is not a one-step map (use mlp or conv).`)
  return Mlp.create(
    { inDim: o.latentDim, outDim: o.dim, width: cfg.width, depth: cfg.depth, activation: cfg.activation },
    rng,
    name
  )
}

/** The map as an MLP, or null for a conv generator (onnxruntime's training step regresses only MLPs). */
export function asMlp(net: MapNet): Mlp | null {
  return net instanceof Mlp ? net : null
}

/** A stored map. */
export function mapNetFromJSON(json: MapWeights, name: string): MapNet {
  return isConvGeneratorWeights(json) ? ConvGenerator.fromJSON(json, name) : Mlp.fromJSON(json, name)
}

/** A map's input and output sizes from its stored weights. */
export function mapWeightsDims(json: MapWeights): { inDim: number; outDim: number } {
  return isConvGeneratorWeights(json)
    ? { inDim: json.spec.latentDim, outDim: json.spec.dim }
    : { inDim: json.spec.inDim, outDim: json.spec.outDim }
}
