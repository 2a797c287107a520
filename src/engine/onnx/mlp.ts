/**
 * The engine's MLP (models/mlp.ts) as ONNX nodes: per layer `Gemm(h, W, b)` (W row-major [in, out], as
 * stored), the hidden activation after every layer but the last; a residual network adds its input.
 *
 * Activations, each the formula `activate` in models/mlp.ts computes:
 * - silu       x · Sigmoid(x)
 * - relu       Relu(x)
 * - tanh       Tanh(x)
 * - leaky-relu LeakyRelu(x, alpha = 0.2)
 * - gelu       0.5·x·(1 + tanh(0.7978845608·(x + 0.044715·x³)))   (tanh approximation; Gelu arrives in opset 20)
 */
import { LEAKY_SLOPE } from '../models/dense'
import { ACTIVATIONS, skipOf, type Activation, type MlpWeights } from '../models/mlp'
import { OnnxExportError } from './errors'
import type { GraphBuilder } from './graph'
import { attr } from './onnx-proto'

/** Initializer names of an MLP registered in a graph: apply it any number of times with `applyMlp`. */
export interface MlpParams {
  scope: string
  activation: Activation
  inDim: number
  outDim: number
  layers: { w: string; b: string; inDim: number; outDim: number }[]
}

/** An affine map `y ↦ y·scale + shift` per output column (the de-standardisation `x·std + mean`). */
export interface OutputAffine {
  scale: ArrayLike<number>
  shift: ArrayLike<number>
}

/** Checks layer shapes chain and every value is a finite number; throws OnnxExportError naming the layer. */
export function checkMlpWeights(weights: MlpWeights, what = 'network'): void {
  if (!ACTIVATIONS.includes(weights.spec.activation))
    throw new OnnxExportError(
      `The ${what} uses activation "${weights.spec.activation}", which has no ONNX export.`
    )
  if (weights.layers.length === 0) throw new OnnxExportError(`The ${what} has no layers.`)
  let prev = weights.layers[0]!.inDim
  weights.layers.forEach((l, i) => {
    if (l.inDim !== prev)
      throw new OnnxExportError(
        `The ${what}'s layer ${i} takes ${l.inDim} inputs, the previous gives ${prev}.`
      )
    if (l.w.length !== l.inDim * l.outDim || l.b.length !== l.outDim)
      throw new OnnxExportError(
        `The ${what}'s layer ${i} has ${l.w.length} weights and ${l.b.length} biases for a ${l.inDim}×${l.outDim} layer.`
      )
    for (const v of l.w)
      if (!Number.isFinite(v))
        throw new OnnxExportError(`The ${what}'s layer ${i} has a non-finite weight (${v}).`)
    for (const v of l.b)
      if (!Number.isFinite(v))
        throw new OnnxExportError(`The ${what}'s layer ${i} has a non-finite bias (${v}).`)
    prev = l.outDim
  })
}

/**
 * Weights of the same network followed by `y·scale + shift` — folded into the last layer:
 * W' = W·diag(scale), b' = b ⊙ scale + shift (computed in float64, rounded once to float32).
 */
export function foldOutputAffine(weights: MlpWeights, affine: OutputAffine): MlpWeights {
  const last = weights.layers[weights.layers.length - 1]!
  const { inDim, outDim } = last
  if (affine.scale.length !== outDim || affine.shift.length !== outDim)
    throw new OnnxExportError(
      `The output transform has ${affine.scale.length} scales and ${affine.shift.length} shifts for ${outDim} outputs.`
    )
  const w = new Array<number>(inDim * outDim)
  for (let i = 0; i < inDim; i++)
    for (let j = 0; j < outDim; j++) w[i * outDim + j] = last.w[i * outDim + j]! * affine.scale[j]!
  const b = last.b.map((v, j) => v * affine.scale[j]! + affine.shift[j]!)
  return { spec: weights.spec, layers: [...weights.layers.slice(0, -1), { inDim, outDim, w, b }] }
}

/** Registers the network's weights as initializers `<scope>/w<i>`, `<scope>/b<i>` (once). */
export function mlpParams(g: GraphBuilder, weights: MlpWeights, scope = 'mlp'): MlpParams {
  checkMlpWeights(weights, scope)
  const layers = weights.layers.map((l, i) => ({
    w: g.initializer(g.unique(`${scope}/w${i}`), l.w, [l.inDim, l.outDim]),
    b: g.initializer(g.unique(`${scope}/b${i}`), l.b, [l.outDim]),
    inDim: l.inDim,
    outDim: l.outDim
  }))
  return {
    scope,
    activation: weights.spec.activation,
    inDim: layers[0]!.inDim,
    outDim: layers[layers.length - 1]!.outDim,
    layers
  }
}

/** The hidden activation applied to `x`; returns the output name. */
export function activationGraph(g: GraphBuilder, x: string, act: Activation, scope = x): string {
  const out = (suffix: string): { output: string } => ({ output: g.unique(`${scope}/${suffix}`) })
  switch (act) {
    case 'relu':
      return g.node('Relu', [x], {}, out('relu'))
    case 'tanh':
      return g.node('Tanh', [x], {}, out('tanh'))
    case 'leaky-relu':
      return g.node('LeakyRelu', [x], { alpha: attr.float(LEAKY_SLOPE) }, out('leaky_relu'))
    case 'silu':
      return g.node('Mul', [x, g.node('Sigmoid', [x], {}, out('sigmoid'))], {}, out('silu'))
    case 'gelu': {
      const x2 = g.node('Mul', [x, x], {}, out('gelu_x2'))
      const x3 = g.node('Mul', [x2, x], {}, out('gelu_x3'))
      const inner = g.node(
        'Add',
        [x, g.node('Mul', [x3, g.constant(0.044715)], {}, out('gelu_cx3'))],
        {},
        out('gelu_in')
      )
      const th = g.node(
        'Tanh',
        [g.node('Mul', [inner, g.constant(0.7978845608)], {}, out('gelu_arg'))],
        {},
        out('gelu_tanh')
      )
      const half = g.node('Mul', [x, g.constant(0.5)], {}, out('gelu_half'))
      return g.node('Mul', [half, g.node('Add', [th, g.constant(1)], {}, out('gelu_1p'))], {}, out('gelu'))
    }
  }
}

/** φ(x) with registered weights: x [batch, inDim] → [batch, outDim]. `tag` makes value names unique per call. */
export function applyMlp(g: GraphBuilder, p: MlpParams, x: string, tag = ''): string {
  let h = x
  const last = p.layers.length - 1
  p.layers.forEach((l, i) => {
    const scope = `${p.scope}${tag}/l${i}`
    h = g.node('Gemm', [h, l.w, l.b], {}, { output: g.unique(`${scope}/gemm`) })
    if (i < last) h = activationGraph(g, h, p.activation, scope)
  })
  return h
}

/**
 * Registers `weights` and applies the network to `input` once. With `outputAffine`, `y·scale + shift` is
 * folded into the last layer (no extra nodes).
 */
export function mlpGraph(
  g: GraphBuilder,
  input: string,
  weights: MlpWeights,
  opts: { scope?: string; outputAffine?: OutputAffine } = {}
): string {
  const scope = opts.scope ?? 'mlp'
  checkMlpWeights(weights, scope)
  const w = opts.outputAffine ? foldOutputAffine(weights, opts.outputAffine) : weights
  const y = applyMlp(g, mlpParams(g, w, scope), input)
  if (!weights.spec.residual) return y
  // c·x + MLP(x) (c = the spec's skip, 1 by default), then the affine: (c·x + h)·scale + shift =
  // x·(c·scale) + (h·scale + shift), the latter folded above.
  const c = skipOf(weights.spec)
  const skip =
    opts.outputAffine || c !== 1
      ? g.node(
          'Mul',
          [
            input,
            g.initializer(
              g.unique(`${scope}/skip_scale`),
              Array.from({ length: w.spec.outDim }, (_, j) => c * (opts.outputAffine?.scale[j] ?? 1)),
              [w.spec.outDim]
            )
          ],
          {},
          { output: g.unique(`${scope}/skip`) }
        )
      : input
  return g.node('Add', [skip, y], {}, { output: g.unique(`${scope}/residual`) })
}
