/**
 * The network of the one-step flow families (meanflow, shortcut, cd, ct): the average velocity
 *   u_θ(x, t, h) ≈ (1/h) ∫_t^{t+h} v(χ_τ, τ) dτ   along the flow through x at time t (h = 0: the velocity v),
 * so that one jump x_{t+h} = x_t + h·u_θ(x_t, t, h) follows the flow over [t, t + h] (t = 0 noise, t = 1 data,
 * as in cfm). The times t and h are lifted by the sinusoidal embedding of models/velocity.ts and concatenated
 * to x: an `Mlp` [n, d + 2·timeDim] → [n, d].
 *
 * The one-step map z ↦ z + u_θ(z, 0, 1) is itself an MLP with a skip connection once the constant time inputs
 * are folded into the first layer's bias (`oneStepMap`): what is stored as `phi`, sampled, and exported.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'
import type { Rng } from '../rng'
import { Mlp, foldInputs, type Activation, type MlpWeights } from './mlp'
import { mlpJvp } from './mlp-jvp'
import { conditionedMlp, storedConditionedMlp, timeEmbedding, timeFrequencies } from './velocity'

export interface JumpSpec {
  dim: number
  /** Size of each of the two time embeddings (t and h; even, ≥ 2). */
  timeDim: number
  /** Highest embedding frequency ω_max. */
  maxFreq: number
  width: number
  depth: number
  activation: Activation
  /**
   * `data`: the network outputs x̂, the end point the average velocity leads to from x, and
   * u = (x̂ − x)/max(1 − t, DATA_SPAN_MIN) — so the one-step map z ↦ x̂(z, 0, 1) is the network's output itself
   * rather than z plus a network output that must cancel z pixel by pixel. Absent: the network outputs u.
   */
  predict?: 'data'
}

/** The smallest 1 − t a data-predicting jump network divides by (cfm's data field's bound). */
export const DATA_SPAN_MIN = 0.05

/** 1 − t, bounded below by DATA_SPAN_MIN. */
export function dataSpan(t: number): number {
  return Math.max(1 - t, DATA_SPAN_MIN)
}

export interface JumpWeights {
  spec: JumpSpec
  mlp: MlpWeights
}

/** d/dτ of the embedding at times τ [n]: [ω cos(ωτ), −ω sin(ωτ)] → [n, timeDim]. */
export function timeEmbeddingDerivative(
  tau: ArrayLike<number>,
  timeDim: number,
  maxFreq: number
): Float32Array {
  const h = timeDim / 2
  const w = timeFrequencies(timeDim, maxFreq)
  const out = new Float32Array(tau.length * timeDim)
  for (let i = 0; i < tau.length; i++)
    for (let k = 0; k < h; k++) {
      out[i * timeDim + k] = w[k]! * Math.cos(w[k]! * tau[i]!)
      out[i * timeDim + h + k] = -w[k]! * Math.sin(w[k]! * tau[i]!)
    }
  return out
}

/** Writes rows [a_i, b_i, c_i] of blocks of widths (da, db, dc). */
function concatRows(parts: { data: Float32Array; width: number }[], n: number): Float32Array {
  const W = parts.reduce((s, p) => s + p.width, 0)
  const out = new Float32Array(n * W)
  for (let i = 0; i < n; i++) {
    let off = i * W
    for (const { data, width } of parts) {
      out.set(data.subarray(i * width, (i + 1) * width), off)
      off += width
    }
  }
  return out
}

function perRow(v: number | ArrayLike<number>, n: number): ArrayLike<number> {
  return typeof v === 'number' ? new Float32Array(n).fill(v) : v
}

export class JumpNet {
  private constructor(
    readonly spec: JumpSpec,
    readonly mlp: Mlp
  ) {}

  static create(spec: JumpSpec, rng: Rng, name = 'jump'): JumpNet {
    checkJumpSpec(spec)
    return new JumpNet(spec, conditionedMlp(spec, 2 * spec.timeDim, rng, name))
  }

  static fromJSON(json: JumpWeights, name = 'jump'): JumpNet {
    checkJumpSpec(json.spec)
    return new JumpNet(
      json.spec,
      storedConditionedMlp(json.mlp, json.spec, 2 * json.spec.timeDim, 'Jump-network', name)
    )
  }

  get inDim(): number {
    return this.spec.dim + 2 * this.spec.timeDim
  }

  /** Input rows [x, emb(t), emb(h)]: x [n, d]; t, h one value or [n] each → [n, d + 2·timeDim]. */
  input(x: Float32Array, t: number | ArrayLike<number>, h: number | ArrayLike<number>): Float32Array {
    const { dim: d, timeDim, maxFreq } = this.spec
    const n = x.length / d
    return concatRows(
      [
        { data: x, width: d },
        { data: timeEmbedding(perRow(t, n), timeDim, maxFreq), width: timeDim },
        { data: timeEmbedding(perRow(h, n), timeDim, maxFreq), width: timeDim }
      ],
      n
    )
  }

  /** True when the network outputs the end point x̂ rather than u (`spec.predict`). */
  get predictsData(): boolean {
    return this.spec.predict === 'data'
  }

  /** The network's raw output on prepared input rows [n, d + 2·timeDim] (constant) → [n, d], on the tape. */
  applyInput(input: tf.Tensor2D): tf.Tensor2D {
    return this.mlp.apply(input, { inputGrad: false })
  }

  /**
   * What the raw output regresses onto for targets of u [n, d] at rows x, times t [n]: the targets
   * themselves, or for a data-predicting network the end points x + (1 − t)·u (bounded as in `dataSpan`).
   */
  outputTarget(x: Float32Array, t: ArrayLike<number>, target: Float32Array): Float32Array {
    if (!this.predictsData) return target
    const d = this.spec.dim
    const out = new Float32Array(target.length)
    for (let i = 0; i < t.length; i++) {
      const s = dataSpan(t[i]!)
      for (let j = i * d; j < (i + 1) * d; j++) out[j] = x[j]! + s * target[j]!
    }
    return out
  }

  /** u_θ(x, t, h) off the tape: x [n, d] → [n, d]. */
  predict(x: Float32Array, t: number | ArrayLike<number>, h: number | ArrayLike<number>): Float32Array {
    const n = x.length / this.spec.dim
    const out = tf.tidy(() => this.applyInput(tf.tensor2d(this.input(x, t, h), [n, this.inDim])))
    const data = out.dataSync() as Float32Array
    out.dispose()
    if (this.predictsData) {
      const d = this.spec.dim
      const ts = perRow(t, n)
      for (let i = 0; i < n; i++) {
        const s = dataSpan(ts[i]!)
        for (let j = i * d; j < (i + 1) * d; j++) data[j] = (data[j]! - x[j]!) / s
      }
    }
    return data
  }

  /**
   * u = u_θ(x, t, h) and its derivative along a path (x, t, h)(τ) with velocities (ẋ, ṫ, ḣ) — forward mode
   * (models/mlp-jvp.ts), exact; off the tape. x, ẋ [n, d]; t, h [n]; ṫ, ḣ constants → u, u̇ [n, d].
   */
  jvp(
    x: Float32Array,
    t: ArrayLike<number>,
    h: ArrayLike<number>,
    dx: Float32Array,
    dt: number,
    dh: number
  ): { u: Float32Array; du: Float32Array } {
    const { dim: d, timeDim, maxFreq } = this.spec
    const n = x.length / d
    const et = timeEmbeddingDerivative(t, timeDim, maxFreq).map((v) => v * dt)
    const eh = timeEmbeddingDerivative(h, timeDim, maxFreq).map((v) => v * dh)
    const tangent = concatRows(
      [
        { data: dx, width: d },
        { data: et, width: timeDim },
        { data: eh, width: timeDim }
      ],
      n
    )
    const input = this.input(x, t, h)
    const { y, dy } = tf.tidy(() =>
      mlpJvp(this.mlp, tf.tensor2d(input, [n, this.inDim]), tf.tensor2d(tangent, [n, this.inDim]))
    )
    const u = y.dataSync() as Float32Array
    const du = dy.dataSync() as Float32Array
    tf.dispose([y, dy])
    if (this.predictsData)
      // u = (x̂ − x)/s with s = 1 − t (above its bound): u̇ = (x̂̇ − ẋ)/s + (x̂ − x)·ṫ/s².
      for (let i = 0; i < n; i++) {
        const s = dataSpan(t[i]!)
        const ds = 1 - t[i]! > DATA_SPAN_MIN ? -dt : 0
        for (let j = i * d; j < (i + 1) * d; j++) {
          const r = u[j]! - x[j]!
          u[j] = r / s
          du[j] = (du[j]! - dx[j]!) / s - (r * ds) / (s * s)
        }
      }
    return { u, du }
  }

  /**
   * The map x ↦ x + s·u_θ(x, t, h) for fixed (t, h) and step s (default h: the jump over [t, t + h]) as a
   * residual MLP on x alone: the embedding of the constant times folded into the first layer's bias
   * (b′ = b + [emb(t), emb(h)]·W_time) and s into the last layer (computed in float64).
   */
  jumpMap(t: number, h: number, step = h): MlpWeights {
    const { dim: d, timeDim, maxFreq } = this.spec
    const c = [...timeEmbedding([t], timeDim, maxFreq), ...timeEmbedding([h], timeDim, maxFreq)]
    if (!this.predictsData) return foldInputs(this.mlp.toJSON(), d, c, { scale: step, residual: true })
    // x + step·(x̂ − x)/s = (1 − a)·x + a·x̂ with a = step/s: the output scaled by a, the input by 1 − a.
    const a = step / dataSpan(t)
    return foldInputs(this.mlp.toJSON(), d, c, { scale: a, residual: true, skip: 1 - a })
  }

  variables(): tf.Variable[] {
    return this.mlp.variables()
  }

  toJSON(): JumpWeights {
    return { spec: this.spec, mlp: this.mlp.toJSON() }
  }

  dispose(): void {
    this.mlp.dispose()
  }
}

function checkJumpSpec(spec: JumpSpec): void {
  if (spec.predict !== undefined && spec.predict !== 'data')
    throw new ConfigError(
      `A jump network predicts its velocity or "data", not ${JSON.stringify(spec.predict)}.`
    )
  if (!(Number.isInteger(spec.timeDim) && spec.timeDim >= 2 && spec.timeDim % 2 === 0))
    throw new ConfigError(`The time embedding size must be an even integer ≥ 2, got ${spec.timeDim}.`)
}
