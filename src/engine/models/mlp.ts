/**
 * The multi-layer perceptron used for pushforward maps φ: Z → X and for auxiliary networks.
 * Weights are tf.Variables; `toJSON`/`fromJSON` give a plain serialisable form for the run store and ONNX export.
 */
import * as tf from '@tensorflow/tfjs-core'
import { dense, LEAKY_SLOPE, type FusedActivation } from './dense'
import { Rng } from '../rng'
import { ConfigError } from '../errors'

export type Activation = 'silu' | 'relu' | 'tanh' | 'gelu' | 'leaky-relu'
export const ACTIVATIONS: readonly Activation[] = ['silu', 'relu', 'tanh', 'gelu', 'leaky-relu']

export interface MlpSpec {
  inDim: number
  outDim: number
  /** Hidden width. */
  width: number
  /** Number of hidden layers. */
  depth: number
  activation: Activation
  /**
   * A residual map x ↦ x + MLP(x) (inDim = outDim): the one-step maps of the consistency-style flows
   * (meanflow, shortcut, cd, ct), z + u(z, 0, 1), stored with their constant time inputs folded into the bias.
   */
  residual?: boolean
  /**
   * With `residual`, the coefficient of the input: x ↦ skip·x + MLP(x) (default 1). The few-step maps of a
   * data-predicting jump network, (1 − a)·x + a·x̂(x), store 1 − a here (models/jump.ts).
   */
  skip?: number
}

/** The residual input's coefficient of a spec (1 unless `skip` says otherwise). */
export function skipOf(spec: MlpSpec): number {
  return spec.skip ?? 1
}

/** Serialisable weights: per layer W (row-major [in, out]) and b. */
export interface MlpWeights {
  spec: MlpSpec
  layers: { w: number[]; b: number[]; inDim: number; outDim: number }[]
}

export function activate(x: tf.Tensor2D, act: Activation): tf.Tensor2D {
  switch (act) {
    case 'relu':
      return tf.relu(x)
    case 'tanh':
      return tf.tanh(x)
    case 'leaky-relu':
      return tf.leakyRelu(x, LEAKY_SLOPE)
    case 'gelu':
      // tanh approximation
      return tf.mul(
        tf.mul(x, 0.5),
        tf.add(1, tf.tanh(tf.mul(0.7978845608, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))
      )
    case 'silu':
      return tf.mul(x, tf.sigmoid(x))
  }
}

export class Mlp {
  readonly spec: MlpSpec
  readonly weights: { w: tf.Variable<tf.Rank.R2>; b: tf.Variable<tf.Rank.R1> }[]

  private constructor(spec: MlpSpec, weights: { w: tf.Variable<tf.Rank.R2>; b: tf.Variable<tf.Rank.R1> }[]) {
    this.spec = spec
    this.weights = weights
  }

  get inDim(): number {
    return this.spec.inDim
  }

  get outDim(): number {
    return this.spec.outDim
  }

  /** He/LeCun-uniform style initialisation from the run's seeded generator. */
  static create(spec: MlpSpec, rng: Rng, name = 'mlp'): Mlp {
    if (!ACTIVATIONS.includes(spec.activation))
      throw new ConfigError(
        `Unknown activation "${spec.activation}" (choose one of ${ACTIVATIONS.join(', ')}).`
      )
    const sizes = [spec.inDim, ...Array<number>(spec.depth).fill(spec.width), spec.outDim]
    const layers = []
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!
      const fanOut = sizes[l + 1]!
      const bound = 1 / Math.sqrt(fanIn)
      const w = rng.uniforms(fanIn * fanOut, -bound, bound)
      const b = rng.uniforms(fanOut, -bound, bound)
      layers.push({ w: Array.from(w), b: Array.from(b), inDim: fanIn, outDim: fanOut })
    }
    return Mlp.fromJSON({ spec, layers }, name)
  }

  static fromJSON(json: MlpWeights, name = 'mlp'): Mlp {
    if (json.spec.residual && json.spec.inDim !== json.spec.outDim)
      throw new ConfigError(
        `A residual network maps its input to the same size; this one maps ${json.spec.inDim} → ${json.spec.outDim}.`
      )
    const weights = json.layers.map((l, i) => ({
      // tidy disposes the initial values (a variable keeps its own reference to the data)
      w: tf.tidy(() => tf.variable(tf.tensor2d(l.w, [l.inDim, l.outDim]), true, `${name}/w${i}_${uid()}`)),
      b: tf.tidy(() => tf.variable(tf.tensor1d(l.b), true, `${name}/b${i}_${uid()}`))
    }))
    return new Mlp(json.spec, weights)
  }

  /**
   * φ(x): [n, inDim] → [n, outDim]. Hidden activations other than gelu are fused into their layer with a
   * hand-written gradient (models/dense.ts). `inputGrad: false` skips ∂x of the first layer, for inputs that
   * are data (the gradient with respect to x then reads as zeros).
   */
  apply(x: tf.Tensor2D, opts: { inputGrad?: boolean } = {}): tf.Tensor2D {
    let h = x
    const last = this.weights.length - 1
    const act = this.spec.activation
    const fused: FusedActivation | null = act === 'gelu' ? null : act
    this.weights.forEach(({ w, b }, i) => {
      const inputGrad = i > 0 || opts.inputGrad !== false
      if (i < last && fused) h = dense(h, w, b, { activation: fused, inputGrad })
      else {
        h = dense(h, w, b, { inputGrad })
        if (i < last) h = activate(h, act)
      }
    })
    if (!this.spec.residual) return h
    const skip = skipOf(this.spec)
    return skip === 1 ? tf.add(x, h) : tf.add(tf.mul(x, skip), h)
  }

  variables(): tf.Variable[] {
    return this.weights.flatMap(({ w, b }) => [w, b])
  }

  paramCount(): number {
    return this.weights.reduce((s, { w, b }) => s + w.size + b.size, 0)
  }

  toJSON(): MlpWeights {
    return {
      spec: this.spec,
      layers: this.weights.map(({ w, b }) => ({
        w: Array.from(w.dataSync()),
        b: Array.from(b.dataSync()),
        inDim: w.shape[0],
        outDim: w.shape[1]
      }))
    }
  }

  /** Copies the values of another network of the same shape (used to roll back to the last finite weights). */
  assign(from: MlpWeights): void {
    from.layers.forEach((l, i) => {
      const t = this.weights[i]!
      tf.tidy(() => {
        t.w.assign(tf.tensor2d(l.w, [l.inDim, l.outDim]))
        t.b.assign(tf.tensor1d(l.b))
      })
    })
  }

  dispose(): void {
    for (const { w, b } of this.weights) {
      w.dispose()
      b.dispose()
    }
  }
}

/**
 * The network with its last `constants.length` inputs held at `constants`: a map on the first `keep` inputs
 * whose first layer's bias absorbs them (b′ = b + c·W_c), its last layer scaled by `scale` (default 1), and
 * `residual` (x ↦ x + MLP(x), keep = outDim) as asked. Sums in float64. Used for the one-step maps read off
 * time-conditioned networks at a fixed time (models/jump.ts `jumpMap`, a distillation teacher's start).
 */
export function foldInputs(
  json: MlpWeights,
  keep: number,
  constants: ArrayLike<number>,
  o: { scale?: number; residual?: boolean; skip?: number } = {}
): MlpWeights {
  const first = json.layers[0]!
  if (keep + constants.length !== first.inDim)
    throw new Error(`foldInputs: ${keep} + ${constants.length} inputs, the network reads ${first.inDim}.`)
  const out = first.outDim
  const b = first.b.map((v, j) => {
    let s = v
    for (let k = 0; k < constants.length; k++) s += constants[k]! * first.w[(keep + k) * out + j]!
    return s
  })
  const layers = [{ inDim: keep, outDim: out, w: first.w.slice(0, keep * out), b }, ...json.layers.slice(1)]
  const scale = o.scale ?? 1
  if (scale !== 1) {
    const last = layers[layers.length - 1]!
    layers[layers.length - 1] = { ...last, w: last.w.map((v) => v * scale), b: last.b.map((v) => v * scale) }
  }
  const spec: MlpSpec = { ...json.spec, inDim: keep }
  if (o.residual) spec.residual = true
  else delete spec.residual
  if (o.residual && o.skip !== undefined && o.skip !== 1) spec.skip = o.skip
  else delete spec.skip
  return { spec, layers }
}

let counter = 0
function uid(): number {
  return counter++
}

/**
 * Random weights in the engine's layout without tfjs (uniform ±1/√fan-in, as `Mlp.create`): benchmarks whose
 * latency does not depend on the values, and tests of the exporters.
 */
export function randomMlpWeights(spec: MlpSpec, rng: Rng): MlpWeights {
  const sizes = [spec.inDim, ...Array<number>(spec.depth).fill(spec.width), spec.outDim]
  const layers = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l]!, sizes[l + 1]!]
    const bound = 1 / Math.sqrt(i)
    layers.push({
      inDim: i,
      outDim: o,
      w: Array.from(rng.uniforms(i * o, -bound, bound)),
      b: Array.from(rng.uniforms(o, -bound, bound))
    })
  }
  return { spec, layers }
}
