/**
 * The convolutional networks (models/unet.ts, models/conv-generator.ts) as ONNX nodes: their programs run on
 * `onnxConvOps`, the ONNX form of `ConvOps` (models/conv-layers.ts), on NCHW values. Opset 17, onnxruntime's
 * CPU kernels:
 * - conv          Conv(x, W [C_out, C_in, k, k], b), pads (k − 1)/2 — W transposed from the engine's [k, k, C_in, C_out]
 * - group norm    Reshape [n, G, −1] → InstanceNormalization (scale 1, bias 0, ε = 1e-5) → Reshape back →
 *                 ·γ + β per channel (GroupNormalization arrives in opset 18, which the checker of Debian's
 *                 python3-onnx 1.12 does not read)
 * - SiLU          x·Sigmoid(x)
 * - pool          AveragePool 2×2 stride 2
 * - upsample      Resize nearest, scales [1, 1, 2, 2], asymmetric coordinates, floor — pixel (i, j) reads
 *                 (⌊i/2⌋, ⌊j/2⌋), as TensorFlow.js's resizeNearestNeighbor
 * - concat        Concat on axis 1
 * - dense         Gemm; a time projection is Gemm → Unsqueeze [2, 3] → Add
 * - layout        rows [n, H·W·C] (channels last) ↔ images: Reshape [−1, H, W, C] → Transpose [0, 3, 1, 2]
 */
import { GROUP_NORM_EPS, type ConvOps, type ParamLayout, type ParamValues } from '../models/conv-layers'
import {
  convGeneratorLayout,
  convGeneratorProgram,
  type ConvGeneratorWeights
} from '../models/conv-generator'
import { unetLayout, unetProgram, type UnetWeights } from '../models/unet'
import { OnnxExportError } from './errors'
import type { GraphBuilder } from './graph'
import { activationGraph } from './mlp'
import { attr } from './onnx-proto'

/** W [k, k, C_in, C_out] (row-major) → [C_out, C_in, k, k]. */
function convWeightNCHW(w: readonly number[], shape: readonly number[]): Float32Array {
  const [k, , inC, outC] = shape as [number, number, number, number]
  const out = new Float32Array(w.length)
  for (let ky = 0; ky < k; ky++)
    for (let kx = 0; kx < k; kx++)
      for (let i = 0; i < inC; i++)
        for (let o = 0; o < outC; o++)
          out[((o * inC + i) * k + ky) * k + kx] = w[((ky * k + kx) * inC + i) * outC + o]!
  return out
}

/** Checks every value of the layout is present, of its size and finite. */
function checkValues(layout: ParamLayout, values: ParamValues, what: string): void {
  for (const p of layout) {
    const v = values[p.name]
    const size = p.shape.reduce((a, b) => a * b, 1)
    if (!Array.isArray(v) || v.length !== size)
      throw new OnnxExportError(`The ${what}'s parameter "${p.name}" does not have its ${size} values.`)
    if (!v.every(Number.isFinite))
      throw new OnnxExportError(`The ${what}'s parameter "${p.name}" has a non-finite value.`)
  }
}

/**
 * The ONNX form of `ConvOps`, nodes on graph `g`: each parameter of `layout` becomes an initializer
 * `<scope>/<name>` on first use (so several evaluations share the weights) — of `inits` when given (the graph
 * around a Loop body `g`, which then reads it from its outer scope).
 */
export function onnxConvOps(
  g: GraphBuilder,
  layout: ParamLayout,
  values: ParamValues,
  scope: string,
  inits: GraphBuilder = g
): ConvOps<string> {
  const shapes = new Map(layout.map((p) => [p.name, p.shape]))
  const names = new Map<string, string>()
  const param = (name: string, as: 'conv' | 'channel' | 'plain' = 'plain'): string => {
    const key = `${as}:${name}`
    let n = names.get(key)
    if (n) return n
    const shape = shapes.get(name)
    const v = values[name]
    if (!shape || !v) throw new OnnxExportError(`The network has no parameter "${name}".`)
    const id = inits.unique(`${scope}/${name}`)
    n =
      as === 'conv'
        ? inits.initializer(id, convWeightNCHW(v, shape), [shape[3]!, shape[2]!, shape[0]!, shape[1]!])
        : as === 'channel'
          ? inits.initializer(id, v, [v.length, 1, 1])
          : inits.initializer(id, v, shape)
    if (inits !== g) g.outerScope([n])
    names.set(key, n)
    return n
  }
  const out = (s: string): { output: string } => ({ output: g.unique(`${scope}/${s}`) })
  const gemm = (v: string, name: string): string =>
    g.node('Gemm', [v, param(`${name}/w`), param(`${name}/b`)], {}, out(`${name}/gemm`))
  return {
    conv(x, name) {
      const k = shapes.get(`${name}/w`)?.[0] ?? 3
      const p = (k - 1) / 2
      return g.node(
        'Conv',
        [x, param(`${name}/w`, 'conv'), param(`${name}/b`)],
        { kernel_shape: attr.ints([k, k]), pads: attr.ints([p, p, p, p]), strides: attr.ints([1, 1]) },
        out(`${name}/conv`)
      )
    },
    groupNorm(x, name, groups) {
      const grouped = g.node('Reshape', [x, g.int64s([0, groups, -1])], {}, out(`${name}/grouped`))
      const norm = g.node(
        'InstanceNormalization',
        [
          grouped,
          g.constant(new Array<number>(groups).fill(1), [groups]),
          g.constant(new Array<number>(groups).fill(0), [groups])
        ],
        { epsilon: attr.float(GROUP_NORM_EPS) },
        out(`${name}/inorm`)
      )
      const back = g.node(
        'Reshape',
        [norm, g.node('Shape', [x], {}, out(`${name}/shape`))],
        {},
        out(`${name}/image`)
      )
      const scaled = g.node('Mul', [back, param(`${name}/gamma`, 'channel')], {}, out(`${name}/scaled`))
      return g.node('Add', [scaled, param(`${name}/beta`, 'channel')], {}, out(`${name}/norm`))
    },
    silu: (x) => activationGraph(g, x, 'silu', `${scope}/act`),
    add: (a, b) => g.node('Add', [a, b], {}, out('add')),
    pool: (x) =>
      g.node(
        'AveragePool',
        [x],
        { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) },
        out('pool')
      ),
    upsample: (x) =>
      g.node(
        'Resize',
        [x, '', g.constant([1, 1, 2, 2], [4])],
        {
          mode: attr.string('nearest'),
          coordinate_transformation_mode: attr.string('asymmetric'),
          nearest_mode: attr.string('floor')
        },
        out('upsample')
      ),
    concat: (a, b) => g.node('Concat', [a, b], { axis: attr.int(1) }, out('concat')),
    dense(v, name, silu = false) {
      const y = gemm(v, name)
      return silu ? activationGraph(g, y, 'silu', `${scope}/${name}`) : y
    },
    channelBias(x, v, name) {
      const c = g.node('Unsqueeze', [gemm(v, name), g.int64s([2, 3])], {}, out(`${name}/bias`))
      return g.node('Add', [x, c], {}, out(`${name}/add`))
    },
    toImage(v, [H, W, C]) {
      const hwc = g.node('Reshape', [v, g.int64s([-1, H, W, C])], {}, out('hwc'))
      return g.node('Transpose', [hwc], { perm: attr.ints([0, 3, 1, 2]) }, out('nchw'))
    },
    toVector(x) {
      const hwc = g.node('Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) }, out('to_hwc'))
      return g.node('Reshape', [hwc, g.int64s([0, -1])], {}, out('rows'))
    }
  }
}

/** A U-Net registered in a graph: apply it to NCHW images with a time embedding [1 or batch, timeDim]. */
export interface UnetGraph {
  spec: UnetWeights['spec']
  apply(x: string, emb: string): string
  /** Rows [batch, d] → images, and back. */
  toImage(v: string): string
  toVector(x: string): string
}

/** The U-Net's nodes on `g`, its weights initializers of `inits` (default `g`; see `onnxConvOps`). */
export function unetGraph(
  g: GraphBuilder,
  w: UnetWeights,
  scope = 'unet',
  inits: GraphBuilder = g
): UnetGraph {
  const layout = unetLayout(w.spec)
  checkValues(layout, w.params, 'U-Net')
  const ops = onnxConvOps(g, layout, w.params, scope, inits)
  return {
    spec: w.spec,
    apply: (x, emb) => unetProgram(ops, w.spec, x, emb),
    toImage: (v) => ops.toImage(v, w.spec.shape),
    toVector: (x) => ops.toVector(x)
  }
}

/** The conv generator on z [batch, latentDim] → rows [batch, d] (channels last). */
export function convGeneratorGraph(
  g: GraphBuilder,
  z: string,
  w: ConvGeneratorWeights,
  scope = 'phi'
): string {
  const layout = convGeneratorLayout(w.spec)
  checkValues(layout, w.params, 'conv generator')
  const ops = onnxConvOps(g, layout, w.params, scope)
  return ops.toVector(convGeneratorProgram(ops, w.spec, z))
}
