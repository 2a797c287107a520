/**
 * A flow whose network is a U-Net (models/unet.ts) as ONNX graphs — the counterparts of flow.ts's MLP graphs:
 * - `unetVelocityModel`: x [batch, d], t [batch] → v (or ε̂) [batch, d], standardised coordinates; the graph
 *   embeds t (Sin, Cos) as the engine does.
 * - `unetSamplerModel`: a sampler's plan (samplers/ops.ts) as one graph z [batch, d] → x [batch, d] in data
 *   units. The state stays an NCHW image from the first step to the last (the linear updates are
 *   element-wise). Unrolled (default): each evaluation reads the same weight initializers, the time embedding
 *   of each step a constant [1, timeDim] (the engine's float32 values). Loop form: one ONNX Loop whose body is
 *   one step (one-step methods), the embeddings and coefficients gathered from [K, …] tables — one U-Net in
 *   the graph, so a K = 100 Heun session builds in a fraction of the unrolled one's time.
 */
import { timeEmbedding, timeFrequencies } from '../models/velocity'
import type { UnetWeights } from '../models/unet'
import type { Plan } from '../samplers'
import { unetGraph } from './conv'
import { OnnxExportError } from './errors'
import {
  finishModel,
  loopLayout,
  sampleLoop,
  velocityModelIo,
  type FlowModelBytes,
  type FusedOptions,
  type ModelMeta
} from './flow'
import { GraphBuilder } from './graph'
import type { OutputAffine } from './mlp'
import { affineColumns, sinusoidalEmbedding } from './sampler'

/** The U-Net as a model: x [batch, d] and t [batch] → `output` [batch, d]. */
export function unetVelocityModel(w: UnetWeights, output = 'v', meta: ModelMeta = {}): FlowModelBytes {
  const { g, inputs, outputs, x, t } = velocityModelIo(w.spec.dim, output)
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
  meta: FusedOptions = {}
): FlowModelBytes {
  if (plan.steps.length === 0) throw new OnnxExportError('A fused sampler needs at least one step.')
  const { dim: d, timeDim, maxFreq } = w.spec
  if (affine && (affine.scale.length !== d || affine.shift.length !== d))
    throw new OnnxExportError(`The output transform has ${affine.scale.length} columns for ${d}-D samples.`)
  const inputs: FlowModelBytes['inputs'] = [{ name: 'z', type: 'float32', shape: ['batch', d] }]
  const outputs: FlowModelBytes['outputs'] = [{ name: 'x', type: 'float32', shape: ['batch', d] }]
  const loop = meta.form === 'loop'
  const g = new GraphBuilder(loop ? 'sampler_loop' : 'sampler')
  const z = g.input('z', inputs[0]!.shape)
  if (loop) {
    const x = unetLoop(g, w, plan, z)
    g.output('x', outputs[0]!.shape, affine ? affineColumns(g, x, affine.scale, affine.shift) : x)
    return finishModel(g, inputs, outputs, meta)
  }
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

/** The plan as one Loop over its K steps (see the file comment): z rows → x rows, standardised. */
function unetLoop(g: GraphBuilder, w: UnetWeights, plan: Plan, z: string): string {
  const layout = loopLayout(plan)
  const { K, n, opAt } = layout
  const { timeDim, maxFreq, shape } = w.spec
  const [H, W, C] = shape
  const body = new GraphBuilder('sampler_step', 'body/')
  const tables: string[][] = []
  for (let j = 0; j < n; j++) {
    const o0 = opAt(0, j)
    if (o0.op === 'net') {
      const emb = new Float32Array(K * timeDim)
      for (let k = 0; k < K; k++) {
        const o = opAt(k, j) as typeof o0
        emb.set(timeEmbedding([o.t], timeDim, maxFreq), k * timeDim)
      }
      tables.push([g.initializer(g.unique(`loop/emb_${j}`), emb, [K, timeDim])])
    } else
      tables.push(
        o0.terms.map((_, i) =>
          g.initializer(
            g.unique(`loop/c${j}_${i}`),
            Array.from({ length: K }, (_, k) => (opAt(k, j) as typeof o0).terms[i]![1]),
            [K]
          )
        )
      )
  }
  body.outerScope(tables.flat())
  const net = unetGraph(body, w, 'net', g)
  let image: ReturnType<typeof unetGraph> | null = null
  const xK = sampleLoop(
    g,
    body,
    layout,
    tables,
    ['batch', C, H, W],
    () => (image = unetGraph(g, w, 'io')).toImage(z),
    (j, x, gather) => {
      const row = body.node(
        'Unsqueeze',
        [gather(tables[j]![0]!, `op${j}/emb`), body.int64s([0])],
        {},
        {
          output: body.unique(`body/op${j}/emb_row`)
        }
      )
      return net.apply(x, row)
    }
  )
  return image!.toVector(xK)
}
