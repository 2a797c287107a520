/**
 * The whole training step of a regression MLP — forward, hand-written backward, Adam as `tf.train.adam`
 * computes it, and optionally the moving average of the weights — as one ONNX graph, written with the
 * engine's ONNX builder (onnx/graph.ts). onnxruntime runs it with native GEMMs in one `session.run`.
 *
 * The network is the engine's `Mlp` (models/mlp.ts): per layer z = h·W + b (W row-major [in, out]), the
 * hidden activation after every layer but the last. The loss is the mean squared error over all B·out
 * entries, mean((f(x) − y)²), as `tf.mean(tf.squaredDifference(…))` in objectives/flows/common.ts, times
 * `lossScale` (= out for distill.ts's mean over rows of the summed squares).
 *
 * Inputs (float32):
 *   x [B, in], y [B, out]
 *   hyper [3] = (1 − β₁ᵗ, 1 − β₂ᵗ, −lr)    — tfjs's `1 − accBeta` and its `−learningRate`, fed per step
 *   ema [2] = (decay, 1 − decay)            — only when the graph keeps a moving average
 *   mask<l> [B, hidden_l]                    — only with dropout: per hidden layer, 0 or 1/(1 − p) per unit
 *   p<i>, m<i>, v<i> (and a<i> with the average) per parameter: W₀, b₀, W₁, b₁, …
 * Outputs: loss [], then p<i>_out, m<i>_out, v<i>_out (a<i>_out).
 *
 * Backward: ∂out = 2·lossScale·(f(x) − y)/(B·out); per layer ∂W = hᵀ·∂z (Gemm transA), ∂b = Σ_rows ∂z, ∂h = ∂z·Wᵀ
 * (Gemm transB), then through the activation:
 *   silu        ∂z = ∂h·(s + h(1 − s)), s = σ(z)
 *   relu        ∂z = ∂h·[h > 0]
 *   leaky-relu  ∂z = ∂h·(h > 0 ? 1 : 0.2)
 *   tanh        ∂z = ∂h·(1 − h²)
 *   gelu        ∂z = ∂h·(0.5(1 + u) + 0.5z(1 − u²)·c(1 + 3a z²)), u = tanh(c(z + a z³))
 * The input layer computes no ∂x (the input is data). With dropout the hidden activation h is multiplied by its
 * mask before the next layer (inverted dropout), and ∂h by the same mask before the activation's backward.
 *
 * Adam, in tfjs's order: m' = β₁m + (1 − β₁)g, v' = β₂v + (1 − β₂)g², p' = (m'/(1 − β₁ᵗ)) /
 * (√(v'/(1 − β₂ᵗ)) + ε) · (−lr) + p. Average: a' = decay·a + (1 − decay)·p'.
 */
import { LEAKY_SLOPE } from '../models/dense'
import { ACTIVATIONS, type Activation } from '../models/mlp'
import { GraphBuilder } from '../onnx/graph'
import { attr } from '../onnx/onnx-proto'

export interface AdamConstants {
  beta1: number
  beta2: number
  epsilon: number
}

export interface TrainGraphSpec {
  /** Layer sizes [in, hidden…, out]. */
  sizes: readonly number[]
  activation: Activation
  /** Rows per step (fixed: the loss scale 2/(B·out) is a constant of the graph). */
  batch: number
  adam: AdamConstants
  /** Keep an exponential moving average of the weights (inputs a<i>, `ema`). */
  ema: boolean
  /**
   * The loss is `lossScale` × the mean squared error (default 1). `out`: the mean over rows of the squared
   * distance summed over the outputs, mean_i ‖f(x_i) − y_i‖², as `distill` minimises it.
   */
  lossScale?: number
  /** Inverted dropout after every hidden activation, its masks fed per step (inputs mask<l>). */
  dropout?: boolean
}

/** Shapes of the parameters W₀, b₀, W₁, b₁, … of an MLP with layer sizes `sizes`. */
export function paramShapes(sizes: readonly number[]): number[][] {
  const shapes: number[][] = []
  for (let l = 0; l + 1 < sizes.length; l++) shapes.push([sizes[l]!, sizes[l + 1]!], [sizes[l + 1]!])
  return shapes
}

const GELU_C = 0.7978845608
const GELU_A = 0.044715

/** Applies the hidden activation to z; returns h and what the backward needs. */
function activationForward(g: GraphBuilder, z: string, act: Activation): { h: string; keep: string[] } {
  switch (act) {
    case 'silu': {
      const s = g.node('Sigmoid', [z])
      return { h: g.node('Mul', [z, s]), keep: [s] }
    }
    case 'relu':
      return { h: g.node('Relu', [z]), keep: [] }
    case 'leaky-relu':
      return { h: g.node('LeakyRelu', [z], { alpha: attr.float(LEAKY_SLOPE) }), keep: [] }
    case 'tanh':
      return { h: g.node('Tanh', [z]), keep: [] }
    case 'gelu': {
      const z3 = g.node('Mul', [g.node('Mul', [z, z]), z])
      const inner = g.node('Mul', [
        g.constant(GELU_C),
        g.node('Add', [z, g.node('Mul', [g.constant(GELU_A), z3])])
      ])
      const u = g.node('Tanh', [inner])
      const h = g.node('Mul', [g.node('Mul', [z, g.constant(0.5)]), g.node('Add', [g.constant(1), u])])
      return { h, keep: [z, u] }
    }
  }
}

/** ∂z from ∂h, the activation's output h and what the forward kept. */
function activationBackward(g: GraphBuilder, dh: string, h: string, keep: string[], act: Activation): string {
  const one = (): string => g.constant(1)
  switch (act) {
    case 'silu': {
      const s = keep[0]!
      return g.node('Mul', [dh, g.node('Add', [s, g.node('Mul', [h, g.node('Sub', [one(), s])])])])
    }
    case 'relu': {
      const mask = g.node('Cast', [g.node('Greater', [h, g.constant(0)])], { to: attr.int(1) })
      return g.node('Mul', [dh, mask])
    }
    case 'leaky-relu': {
      const slope = g.node('Where', [g.node('Greater', [h, g.constant(0)]), one(), g.constant(LEAKY_SLOPE)])
      return g.node('Mul', [dh, slope])
    }
    case 'tanh':
      return g.node('Mul', [dh, g.node('Sub', [one(), g.node('Mul', [h, h])])])
    case 'gelu': {
      const [z, u] = keep as [string, string]
      const half = g.constant(0.5)
      const a = g.node('Mul', [half, g.node('Add', [one(), u])])
      const du = g.node('Sub', [one(), g.node('Mul', [u, u])])
      const dInner = g.node('Mul', [
        g.constant(GELU_C),
        g.node('Add', [one(), g.node('Mul', [g.constant(3 * GELU_A), g.node('Mul', [z, z])])])
      ])
      const b = g.node('Mul', [g.node('Mul', [half, z]), g.node('Mul', [du, dInner])])
      return g.node('Mul', [dh, g.node('Add', [a, b])])
    }
  }
}

/** The serialised step model (see the file comment for its inputs and outputs). */
export function trainStepModel(spec: TrainGraphSpec): Uint8Array {
  return trainStepGraph(spec).toModel({
    docString: 'Pushforward Lab training step (forward, backward, Adam)'
  })
}

export function trainStepGraph(spec: TrainGraphSpec): GraphBuilder {
  if (!ACTIVATIONS.includes(spec.activation))
    throw new Error(`training graph: unknown activation "${spec.activation}".`)
  if (spec.sizes.length < 2) throw new Error('training graph: a network needs an input and an output size.')
  const g = new GraphBuilder('train_step')
  const B = spec.batch
  const shapes = paramShapes(spec.sizes)
  const L = shapes.length / 2
  const inDim = spec.sizes[0]!
  const outDim = spec.sizes[spec.sizes.length - 1]!
  const x = g.input('x', [B, inDim])
  const y = g.input('y', [B, outDim])
  const hyper = g.input('hyper', [3])
  const ema = spec.ema ? g.input('ema', [2]) : null
  const p = shapes.map((s, i) => g.input(`p${i}`, s))
  const m = shapes.map((s, i) => g.input(`m${i}`, s))
  const v = shapes.map((s, i) => g.input(`v${i}`, s))
  const a = spec.ema ? shapes.map((s, i) => g.input(`a${i}`, s)) : []
  const masks = spec.dropout ? spec.sizes.slice(1, -1).map((w, l) => g.input(`mask${l}`, [B, w])) : []

  // Forward, keeping what the backward needs: each layer's input (hs) and hidden activation before dropout (acts).
  const hs: string[] = [x]
  const acts: string[] = [x]
  const kept: string[][] = []
  let h = x
  for (let l = 0; l < L; l++) {
    const z = g.node('Gemm', [h, p[2 * l]!, p[2 * l + 1]!])
    if (l === L - 1) {
      h = z
      break
    }
    const f = activationForward(g, z, spec.activation)
    acts.push(f.h)
    h = spec.dropout ? g.node('Mul', [f.h, masks[l]!]) : f.h
    hs.push(h)
    kept.push(f.keep)
  }
  const d = g.node('Sub', [h, y])
  const scale = spec.lossScale ?? 1
  const mse = g.node(
    'ReduceMean',
    [g.node('Mul', [d, d])],
    { keepdims: attr.int(0) },
    scale === 1 ? { output: 'loss' } : {}
  )
  if (scale !== 1) g.node('Mul', [mse, g.constant(scale)], {}, { output: 'loss' })
  g.output('loss', [])

  // Backward.
  const grads = new Array<string>(shapes.length)
  const axis0 = g.int64s([0])
  let dz = g.node('Mul', [d, g.constant((2 * scale) / (B * outDim))])
  for (let l = L - 1; l >= 0; l--) {
    grads[2 * l] = g.node('Gemm', [hs[l]!, dz], { transA: attr.int(1) })
    grads[2 * l + 1] = g.node('ReduceSum', [dz, axis0], { keepdims: attr.int(0) })
    if (l === 0) break
    const dIn = g.node('Gemm', [dz, p[2 * l]!], { transB: attr.int(1) })
    const dh = spec.dropout ? g.node('Mul', [dIn, masks[l - 1]!]) : dIn
    dz = activationBackward(g, dh, acts[l]!, kept[l - 1]!, spec.activation)
  }

  // Adam (tfjs's order of operations), then the moving average of the new weights.
  const { beta1, beta2, epsilon } = spec.adam
  const b1 = g.constant(beta1)
  const c1 = g.constant(1 - beta1)
  const b2 = g.constant(beta2)
  const c2 = g.constant(1 - beta2)
  const eps = g.constant(epsilon)
  const scalar = (i: number): string =>
    g.node('Squeeze', [g.node('Slice', [hyper, g.int64s([i]), g.int64s([i + 1])]), axis0])
  const k1 = scalar(0)
  const k2 = scalar(1)
  const negLr = scalar(2)
  let decay = ''
  let keepFrac = ''
  if (ema) {
    decay = g.node('Squeeze', [g.node('Slice', [ema, g.int64s([0]), g.int64s([1])]), axis0])
    keepFrac = g.node('Squeeze', [g.node('Slice', [ema, g.int64s([1]), g.int64s([2])]), axis0])
  }
  shapes.forEach((s, i) => {
    const gi = grads[i]!
    const m1 = g.node(
      'Add',
      [g.node('Mul', [m[i]!, b1]), g.node('Mul', [gi, c1])],
      {},
      { output: `m${i}_out` }
    )
    const v1 = g.node(
      'Add',
      [g.node('Mul', [v[i]!, b2]), g.node('Mul', [g.node('Mul', [gi, gi]), c2])],
      {},
      { output: `v${i}_out` }
    )
    const mHat = g.node('Div', [m1, k1])
    const vHat = g.node('Div', [v1, k2])
    const upd = g.node('Div', [mHat, g.node('Add', [g.node('Sqrt', [vHat]), eps])])
    const p1 = g.node('Add', [g.node('Mul', [upd, negLr]), p[i]!], {}, { output: `p${i}_out` })
    g.output(p1, s)
    g.output(m1, s)
    g.output(v1, s)
    if (ema) {
      const a1 = g.node(
        'Add',
        [g.node('Mul', [a[i]!, decay]), g.node('Mul', [p1, keepFrac])],
        {},
        { output: `a${i}_out` }
      )
      g.output(a1, s)
    }
  })
  return g
}
