/**
 * RealNVP's sampling direction ψ: z ↦ x as ONNX (objectives/density/realnvp.ts, d ≥ 2). Coupling layers are
 * stored in density order x → z; sampling runs them backwards, k = K−1 … 0, each
 *   [ŝ, t] = g_k(m_k ⊙ h),  s = (1 − m_k) ⊙ c·tanh(ŝ/c),  h ← (h − (1 − m_k) ⊙ t) ⊙ e^{−s},
 * m_k the mask of kept coordinates ((j + k) even), c the log-scale bound. Folded at export time: the mask
 * into g_k's first-layer rows (zero for transformed inputs), g_k's last layer split into an ŝ head scaled by
 * 1/c and a t head with the kept columns zeroed; so a layer is g_k's hidden nodes, two Gemm heads, Tanh,
 * Mul, Exp, Sub, Mul. The de-standardisation x·std + mean closes the graph.
 */
import type { MlpWeights } from '../models/mlp'
import { OnnxExportError } from './errors'
import { GraphBuilder } from './graph'
import { activationGraph, checkMlpWeights, type OutputAffine } from './mlp'
import { finishModel, type FlowModelBytes, type ModelMeta } from './flow'
import { affineColumns } from './sampler'

export interface RealNvpGraphWeights {
  dim: number
  logScaleBound: number
  /** g_k, density order, each d → 2d. */
  couplings: MlpWeights[]
}

/** Kept coordinates of layer k (1 = kept), as realnvp.ts's `couplingMask`. */
function mask(d: number, k: number): number[] {
  return Array.from({ length: d }, (_, j) => ((j + k) % 2 === 0 ? 1 : 0))
}

export function realNvpSamplerModel(
  w: RealNvpGraphWeights,
  affine: OutputAffine | null,
  meta: ModelMeta = {}
): FlowModelBytes {
  const d = w.dim
  if (d < 2) throw new OnnxExportError('A coupling layer needs at least two coordinates.')
  const c = w.logScaleBound
  if (!(c > 0)) throw new OnnxExportError(`The log-scale bound must be positive, got ${c}.`)
  const inputs: FlowModelBytes['inputs'] = [{ name: 'z', type: 'float32', shape: ['batch', d] }]
  const outputs: FlowModelBytes['outputs'] = [{ name: 'x', type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('realnvp_sample')
  let h = g.input('z', inputs[0]!.shape)
  for (let k = w.couplings.length - 1; k >= 0; k--) {
    const net = w.couplings[k]!
    checkMlpWeights(net, `coupling network ${k}`)
    if (net.spec.inDim !== d || net.spec.outDim !== 2 * d)
      throw new OnnxExportError(
        `Coupling network ${k} maps ${net.spec.inDim} → ${net.spec.outDim}, not ${d} → ${2 * d}.`
      )
    const m = mask(d, k)
    const free = m.map((v) => 1 - v)
    const scope = `coupling${k}`
    const layers = net.layers.map((l, i) =>
      i === 0 ? { ...l, w: l.w.map((v, idx) => v * m[Math.floor(idx / l.outDim)]!) } : l
    )
    let a = h
    layers.slice(0, -1).forEach((l, i) => {
      const wi = g.initializer(g.unique(`${scope}/w${i}`), l.w, [l.inDim, l.outDim])
      const bi = g.initializer(g.unique(`${scope}/b${i}`), l.b, [l.outDim])
      a = g.node('Gemm', [a, wi, bi], {}, { output: g.unique(`${scope}/l${i}/gemm`) })
      a = activationGraph(g, a, net.spec.activation, `${scope}/l${i}`)
    })
    const last = layers[layers.length - 1]!
    const inDim = last.inDim
    const head = (cols: (j: number) => number, off: number, name: string): string => {
      const hw = new Array<number>(inDim * d)
      for (let i = 0; i < inDim; i++)
        for (let j = 0; j < d; j++) hw[i * d + j] = last.w[i * 2 * d + off + j]! * cols(j)
      const hb = Array.from({ length: d }, (_, j) => last.b[off + j]! * cols(j))
      const wn = g.initializer(g.unique(`${scope}/${name}_w`), hw, [inDim, d])
      const bn = g.initializer(g.unique(`${scope}/${name}_b`), hb, [d])
      return g.node('Gemm', [a, wn, bn], {}, { output: g.unique(`${scope}/${name}`) })
    }
    const out = (s: string): { output: string } => ({ output: g.unique(`${scope}/${s}`) })
    const th = g.node('Tanh', [head(() => 1 / c, 0, 's_raw')], {}, out('tanh'))
    const negS = g.node(
      'Mul',
      [
        th,
        g.constant(
          free.map((f) => -c * f),
          [d]
        )
      ],
      {},
      out('neg_s')
    )
    const e = g.node('Exp', [negS], {}, out('exp'))
    const t = head((j) => free[j]!, d, 't')
    h = g.node('Mul', [g.node('Sub', [h, t], {}, out('shifted')), e], {}, out('h'))
  }
  const x = affine ? affineColumns(g, h, affine.scale, affine.shift) : h
  g.output('x', outputs[0]!.shape, x)
  return finishModel(g, inputs, outputs, meta)
}
