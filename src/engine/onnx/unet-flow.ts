/**
 * A flow whose network is a U-Net (models/unet.ts) as ONNX graphs — the counterparts of flow.ts's MLP graphs:
 * - `unetVelocityModel`: x [batch, d], t [batch] → v (or ε̂) [batch, d], standardised coordinates; the graph
 *   embeds t (Sin, Cos) as the engine does.
 * - `unetSamplerModel`: a sampler's plan (samplers/ops.ts) unrolled into one graph z [batch, d] → x [batch, d]
 *   in data units. The state stays an NCHW image from the first step to the last (the linear updates are
 *   element-wise), each evaluation reads the same weight initializers, and the time embedding of each step is
 *   a constant [1, timeDim] (the engine's float32 values) that onnxruntime folds through the time MLP once.
 */
import { timeEmbedding, timeFrequencies } from '../models/velocity'
import type { UnetWeights } from '../models/unet'
import type { Plan } from '../samplers'
import { unetGraph } from './conv'
import { OnnxExportError } from './errors'
import { finishModel, type FlowModelBytes, type ModelMeta } from './flow'
import { GraphBuilder } from './graph'
import type { OutputAffine } from './mlp'
import { affineColumns, sinusoidalEmbedding } from './sampler'

/** The U-Net as a model: x [batch, d] and t [batch] → `output` [batch, d]. */
export function unetVelocityModel(w: UnetWeights, output = 'v', meta: ModelMeta = {}): FlowModelBytes {
  const d = w.spec.dim
  const inputs: FlowModelBytes['inputs'] = [
    { name: 'x', type: 'float32', shape: ['batch', d] },
    { name: 't', type: 'float32', shape: ['batch'] }
  ]
  const outputs: FlowModelBytes['outputs'] = [{ name: output, type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('velocity')
  const x = g.input('x', inputs[0]!.shape)
  const t = g.input('t', inputs[1]!.shape)
  const net = unetGraph(g, w, 'net')
  const tCol = g.node('Unsqueeze', [t, g.int64s([1])], {}, { output: 't_col' })
  const emb = sinusoidalEmbedding(g, tCol, timeFrequencies(w.spec.timeDim, w.spec.maxFreq), 'time_embed')
  g.output(output, outputs[0]!.shape, net.toVector(net.apply(net.toImage(x), emb)))
  return finishModel(g, inputs, outputs, meta)
}

/** The fused sampler z [batch, d] → x [batch, d]: the plan on the U-Net, then x·scale + shift (`affine`). */
export function unetSamplerModel(
  w: UnetWeights,
  plan: Plan,
  affine: OutputAffine | null,
  meta: ModelMeta = {}
): FlowModelBytes {
  if (plan.steps.length === 0) throw new OnnxExportError('A fused sampler needs at least one step.')
  const { dim: d, timeDim, maxFreq } = w.spec
  if (affine && (affine.scale.length !== d || affine.shift.length !== d))
    throw new OnnxExportError(`The output transform has ${affine.scale.length} columns for ${d}-D samples.`)
  const inputs: FlowModelBytes['inputs'] = [{ name: 'z', type: 'float32', shape: ['batch', d] }]
  const outputs: FlowModelBytes['outputs'] = [{ name: 'x', type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('sampler')
  const z = g.input('z', inputs[0]!.shape)
  const net = unetGraph(g, w, 'net')
  const names: string[] = [net.toImage(z)]
  for (const o of plan.ops) {
    if (o.op === 'net') {
      const emb = g.constant(Array.from(timeEmbedding([o.t], timeDim, maxFreq)), [1, timeDim])
      names.push(net.apply(names[o.x]!, emb))
      continue
    }
    let acc: string | null = null
    for (const [a, c] of o.terms) {
      if (c === 0) continue
      const v =
        c === 1 ? names[a]! : g.node('Mul', [names[a]!, g.constant(c)], {}, { output: g.unique('lin/mul') })
      acc = acc === null ? v : g.node('Add', [acc, v], {}, { output: g.unique('lin/add') })
    }
    if (acc === null) throw new OnnxExportError('A sampler update with no terms.')
    names.push(acc)
  }
  const rows = net.toVector(names[plan.out]!)
  g.output('x', outputs[0]!.shape, affine ? affineColumns(g, rows, affine.scale, affine.shift) : rows)
  return finishModel(g, inputs, outputs, meta)
}
