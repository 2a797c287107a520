/**
 * A small U-Net for the §4 flows on images: (x, t) ↦ v_θ(x, t) (a velocity, or ε̂ for ddpm), a drop-in for the
 * MLP velocity network (models/velocity.ts) — it reads the same input rows [x, emb(t)] (`velocityInput`), so
 * the flows' training and sampling code is unchanged.
 *
 * With channels c and L levels (L = how often H and W halve evenly, at most 2: 8×8 and 28×28 → 2, 14×14 → 1),
 * c_l = c·2^l:
 *   temb   = SiLU(dense(emb(t)))                                   [n, 2c]
 *   h      = conv₃(x)                                              C → c₀
 *   down l = resBlock(h, c_{l−1} → c_l, temb); skip_l = h; h = avgpool₂(h)     (c_{−1} = c₀)
 *   mid    = resBlock(h, c_{L−1} → c_L, temb)
 *   up l   = resBlock([upsample₂(h), skip_l], c_{l+1} + c_l → c_l, temb)      l = L−1 … 0
 *   out    = conv₃(SiLU(GN(h)))                                    c₀ → C
 * Every resBlock adds a per-channel projection of temb after its first conv (conv-layers.ts).
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
  resBlock,
  resBlockParams,
  tfConvOps,
  type ConvOps,
  type ParamLayout,
  type ParamSource,
  type ParamValues
} from './conv-layers'
import { predictRows } from './velocity'

export interface UnetSpec {
  /** Data dimension d = H·W·C. */
  dim: number
  /** One image: [H, W, C]. */
  shape: [number, number, number]
  /** Channels of the first level (a multiple of 4). */
  channels: number
  /** Down/up levels (0 … 2). */
  levels: number
  /** Groups of every group norm. */
  groups: number
  /** Size of the sinusoidal time embedding (even). */
  timeDim: number
  maxFreq: number
}

/** Stored weights of a U-Net (`arch` tells them from the MLP's `VelocityWeights`). */
export interface UnetWeights {
  arch: 'unet'
  spec: UnetSpec
  params: ParamValues
}

/** Default channels of the first level. */
export const DEFAULT_CHANNELS = 16
/** Most levels a U-Net or conv generator takes. */
export const MAX_LEVELS = 2

/** The spec of a U-Net for images of `shape` ([H, W] or [H, W, C]). */
export function unetSpec(
  shape: readonly number[],
  o: { channels: number; timeDim: number; maxFreq: number }
): UnetSpec {
  const [H, W, C] = imageHWC(shape)
  if (!(Number.isInteger(o.channels) && o.channels >= 4 && o.channels % 4 === 0 && o.channels <= 256))
    throw new ConfigError(`channels: ${o.channels} is not a multiple of 4 in [4, 256].`)
  const levels = halvings(H, W, MAX_LEVELS)
  const chans = Array.from({ length: levels + 1 }, (_, l) => o.channels * 2 ** l)
  return {
    dim: H * W * C,
    shape: [H, W, C],
    channels: o.channels,
    levels,
    groups: groupsFor(chans),
    timeDim: o.timeDim,
    maxFreq: o.maxFreq
  }
}

const ch = (spec: UnetSpec, l: number): number => spec.channels * 2 ** l

/** The U-Net's parameters in program order. */
export function unetLayout(spec: UnetSpec): ParamLayout {
  const L = spec.levels
  const T = 2 * spec.channels
  const layout: ParamLayout = [
    ...denseParams('time', spec.timeDim, T),
    ...convParams('in', 3, spec.shape[2], ch(spec, 0))
  ]
  for (let l = 0; l < L; l++)
    layout.push(...resBlockParams(`down${l}`, { inC: ch(spec, Math.max(0, l - 1)), outC: ch(spec, l) }, T))
  layout.push(...resBlockParams('mid', { inC: ch(spec, Math.max(0, L - 1)), outC: ch(spec, L) }, T))
  for (let l = L - 1; l >= 0; l--)
    layout.push(...resBlockParams(`up${l}`, { inC: ch(spec, l + 1) + ch(spec, l), outC: ch(spec, l) }, T))
  layout.push(...normParams('out/norm', ch(spec, 0)), ...convParams('out', 3, ch(spec, 0), spec.shape[2]))
  return layout
}

/** The U-Net as a program on `ops`: image x and time embedding emb [n, timeDim] → image. */
export function unetProgram<V>(ops: ConvOps<V>, spec: UnetSpec, x: V, emb: V): V {
  const L = spec.levels
  const g = spec.groups
  const temb = ops.dense(emb, 'time', true)
  let h = ops.conv(x, 'in', { inputGrad: false })
  const skips: V[] = []
  for (let l = 0; l < L; l++) {
    h = resBlock(
      ops,
      h,
      `down${l}`,
      { inC: ch(spec, Math.max(0, l - 1)), outC: ch(spec, l), groups: g },
      temb
    )
    skips.push(h)
    h = ops.pool(h)
  }
  h = resBlock(ops, h, 'mid', { inC: ch(spec, Math.max(0, L - 1)), outC: ch(spec, L), groups: g }, temb)
  for (let l = L - 1; l >= 0; l--) {
    h = ops.concat(ops.upsample(h), skips[l]!)
    h = resBlock(ops, h, `up${l}`, { inC: ch(spec, l + 1) + ch(spec, l), outC: ch(spec, l), groups: g }, temb)
  }
  return ops.conv(ops.silu(ops.groupNorm(h, 'out/norm', g)), 'out')
}

function checkSpec(spec: UnetSpec): void {
  checkImageSpec('U-Net', spec.dim, spec.shape, spec.levels)
  if (!(spec.timeDim >= 2 && spec.timeDim % 2 === 0))
    throw new ConfigError(`The time embedding size must be an even integer ≥ 2, got ${spec.timeDim}.`)
}

export class Unet extends ParamModel<UnetSpec> {
  readonly arch = 'unet'

  static create(spec: UnetSpec, rng: Rng, name = 'unet'): Unet {
    return Unet.build(spec, { rng }, name)
  }

  static fromJSON(json: UnetWeights, name = 'unet'): Unet {
    return Unet.build(json.spec, { values: json.params }, name)
  }

  private static build(spec: UnetSpec, source: ParamSource, name: string): Unet {
    checkSpec(spec)
    return new Unet(spec, makeParamSet(unetLayout(spec), source, 'U-Net', name))
  }

  /** v_θ on prepared rows `velocityInput(x, t)`: [n, d + timeDim] (constant) → [n, d]. */
  applyInput(input: tf.Tensor2D): tf.Tensor2D {
    const n = input.shape[0]
    const { dim, timeDim, shape } = this.spec
    const ops = tfConvOps(this.params)
    const x = ops.toImage(tf.slice(input, [0, 0], [n, dim]), shape)
    const emb = tf.slice(input, [0, dim], [n, timeDim])
    return ops.toVector(unetProgram(ops, this.spec, x, emb)) as tf.Tensor2D
  }

  /** v_θ(x, t): x [n, d] row-major, t one time or [n] → [n, d] (off the tape, no tensors left). */
  predict(x: Float32Array, t: number | ArrayLike<number>): Float32Array {
    return predictRows(this, x, t)
  }

  toJSON(): UnetWeights {
    return { arch: 'unet', spec: this.spec, params: this.params.toJSON() }
  }
}
