/**
 * The time-conditioned network of the §4 flow family: (x, t) ↦ v_θ(x, t) (a velocity, or a noise prediction
 * ε̂ for `ddpm`). The time t ∈ [0, 1] is lifted by a sinusoidal embedding
 *   emb(t) = [sin(ω₀t), …, sin(ω_{h−1}t), cos(ω₀t), …, cos(ω_{h−1}t)],  ω_k = ω_max^{k/(h−1)}  (h = timeDim/2),
 * i.e. frequencies spaced geometrically from 1 to ω_max rad per unit time, then concatenated to x and fed to
 * an `Mlp` [n, d + timeDim] → [n, d].
 *
 * Training and sampling only ever evaluate the network on constant inputs (x_t and t are data), so the input
 * row [x, emb(t)] is built in plain JS and the first layer skips its ∂x (`inputGrad: false`).
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import { Mlp, type Activation, type MlpWeights } from './mlp'

export interface VelocitySpec {
  /** Data dimension d (input and output). */
  dim: number
  /** Size of the sinusoidal time embedding (even, ≥ 2). */
  timeDim: number
  /** Highest embedding frequency ω_max (rad per unit of t). */
  maxFreq: number
  width: number
  depth: number
  activation: Activation
}

/** Serialisable weights of a velocity network. */
export interface VelocityWeights {
  spec: VelocitySpec
  mlp: MlpWeights
}

export const DEFAULT_TIME_DIM = 16
export const DEFAULT_MAX_FREQ = 100

/** The frequencies ω_k, k = 0 … timeDim/2 − 1. */
export function timeFrequencies(timeDim: number, maxFreq: number): Float64Array {
  const h = timeDim / 2
  const w = new Float64Array(h)
  for (let k = 0; k < h; k++) w[k] = h === 1 ? 1 : Math.exp((k / (h - 1)) * Math.log(maxFreq))
  return w
}

/**
 * Sinusoidal embedding of n times: t [n] → [n, timeDim] row-major (sines first, then cosines).
 */
export function timeEmbedding(
  t: ArrayLike<number>,
  timeDim: number,
  maxFreq = DEFAULT_MAX_FREQ
): Float32Array {
  checkTimeDim(timeDim)
  const n = t.length
  const h = timeDim / 2
  const w = timeFrequencies(timeDim, maxFreq)
  const out = new Float32Array(n * timeDim)
  for (let i = 0; i < n; i++) {
    const ti = t[i]!
    for (let k = 0; k < h; k++) {
      out[i * timeDim + k] = Math.sin(w[k]! * ti)
      out[i * timeDim + h + k] = Math.cos(w[k]! * ti)
    }
  }
  return out
}

/**
 * A time-conditioned network's v_θ(x, t) through its `applyInput` on the rows `velocityInput(x, t)`: x [n, d]
 * row-major, t one time or [n] → [n, d] row-major (off the tape, no tensors left). Shared by every network kind.
 */
export function predictRows(
  net: {
    spec: Pick<VelocitySpec, 'dim' | 'timeDim' | 'maxFreq'>
    applyInput(input: tf.Tensor2D): tf.Tensor2D
  },
  x: Float32Array,
  t: number | ArrayLike<number>
): Float32Array {
  const { dim, timeDim } = net.spec
  const input = velocityInput(x, t, net.spec)
  const out = tf.tidy(() => net.applyInput(tf.tensor2d(input, [x.length / dim, dim + timeDim])))
  const data = out.dataSync() as Float32Array
  out.dispose()
  return data
}

/**
 * The network input rows [x_i, emb(t_i)]: x [n, d] row-major, t a single time or [n] → [n, d + timeDim].
 */
export function velocityInput(
  x: Float32Array,
  t: number | ArrayLike<number>,
  spec: Pick<VelocitySpec, 'dim' | 'timeDim' | 'maxFreq'>
): Float32Array {
  const { dim: d, timeDim } = spec
  const n = x.length / d
  const w = d + timeDim
  const out = new Float32Array(n * w)
  const one = typeof t === 'number' ? timeEmbedding([t], timeDim, spec.maxFreq) : null
  const emb = one ?? timeEmbedding(t as ArrayLike<number>, timeDim, spec.maxFreq)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * w + j] = x[i * d + j]!
    const off = one ? 0 : i * timeDim
    for (let k = 0; k < timeDim; k++) out[i * w + d + k] = emb[off + k]!
  }
  return out
}

function checkTimeDim(timeDim: number): void {
  if (!(Number.isInteger(timeDim) && timeDim >= 2 && timeDim % 2 === 0))
    throw new ConfigError(`The time embedding size must be an even integer ≥ 2, got ${timeDim}.`)
}

/** The MLP of a time-conditioned network: rows [x, `features` time features] → d. */
export function conditionedMlp(
  spec: Pick<VelocitySpec, 'dim' | 'width' | 'depth' | 'activation'>,
  features: number,
  rng: Rng,
  name: string
): Mlp {
  const { dim, width, depth, activation } = spec
  return Mlp.create({ inDim: dim + features, outDim: dim, width, depth, activation }, rng, name)
}

/** Stored MLP weights of a time-conditioned network, checked to map [x, `features`] → d. */
export function storedConditionedMlp(
  json: MlpWeights,
  spec: Pick<VelocitySpec, 'dim'>,
  features: number,
  what: string,
  name: string
): Mlp {
  const { inDim, outDim } = json.spec
  if (inDim !== spec.dim + features || outDim !== spec.dim)
    throw new ConfigError(
      `${what} weights do not fit their spec: the network maps ${inDim} → ${outDim}, expected ` +
        `${spec.dim + features} → ${spec.dim}.`
    )
  return Mlp.fromJSON(json, name)
}

export class VelocityNet {
  readonly spec: VelocitySpec
  readonly mlp: Mlp

  private constructor(spec: VelocitySpec, mlp: Mlp) {
    this.spec = spec
    this.mlp = mlp
  }

  static create(spec: VelocitySpec, rng: Rng, name = 'velocity'): VelocityNet {
    checkTimeDim(spec.timeDim)
    return new VelocityNet(spec, conditionedMlp(spec, spec.timeDim, rng, name))
  }

  static fromJSON(json: VelocityWeights, name = 'velocity'): VelocityNet {
    checkTimeDim(json.spec.timeDim)
    return new VelocityNet(
      json.spec,
      storedConditionedMlp(json.mlp, json.spec, json.spec.timeDim, 'Velocity', name)
    )
  }

  /** v_θ on prepared input rows `velocityInput(x, t)`: [n, d + timeDim] (constant) → [n, d]. */
  applyInput(input: tf.Tensor2D): tf.Tensor2D {
    return this.mlp.apply(input, { inputGrad: false })
  }

  /** v_θ(x, t): x [n, d] row-major, t one time or [n] → [n, d] row-major (off the tape, no tensors left). */
  predict(x: Float32Array, t: number | ArrayLike<number>): Float32Array {
    return predictRows(this, x, t)
  }

  variables(): tf.Variable[] {
    return this.mlp.variables()
  }

  paramCount(): number {
    return this.mlp.paramCount()
  }

  toJSON(): VelocityWeights {
    return { spec: this.spec, mlp: this.mlp.toJSON() }
  }

  dispose(): void {
    this.mlp.dispose()
  }
}
