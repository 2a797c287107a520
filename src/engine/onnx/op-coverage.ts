/**
 * Which nodes of a graph a GPU execution provider runs, from the operators it registers: every op of the
 * graph (sub-graphs such as a Loop's body included) against the provider's kernel table. An op missing from
 * the table would fall back to the CPU provider (a copy to the host and back around it), or fail under
 * `session.disable_cpu_ep_fallback`.
 *
 * The WebGPU table below is the default-domain (ai.onnx) part of onnxruntime's
 * onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc (`RegisterKernels`, onnxruntime 1.2x–1.30),
 * plus tensor/identity.cc: op → the lowest opset it is registered for. It lists the ops this engine's graphs
 * could use, not every kernel (Conv, pooling, Resize, the quantisation and contrib kernels are left out).
 * Control flow: only `If` is registered; `Loop` is not, so a Loop runs on the CPU provider.
 */
import { decodeFields, read, type ProtoField } from './protobuf'

/** WebGPU execution provider: ai.onnx op → lowest registered opset (see the file comment for the source). */
export const WEBGPU_OPS: Readonly<Record<string, number>> = {
  Abs: 6,
  Neg: 6,
  Floor: 6,
  Ceil: 6,
  Reciprocal: 6,
  Sqrt: 6,
  Exp: 6,
  Erf: 9,
  Sigmoid: 6,
  HardSigmoid: 6,
  Log: 6,
  Sin: 7,
  Cos: 7,
  Tan: 7,
  Tanh: 6,
  Not: 1,
  Cast: 6,
  Clip: 11,
  Elu: 6,
  Relu: 6,
  LeakyRelu: 6,
  ThresholdedRelu: 10,
  Gelu: 20,
  ReduceMax: 1,
  ReduceMean: 1,
  ReduceMin: 1,
  ReduceProd: 1,
  ReduceSum: 1,
  ReduceL1: 1,
  ReduceL2: 1,
  ReduceLogSum: 1,
  ReduceSumSquare: 1,
  ReduceLogSumExp: 1,
  Add: 7,
  Sub: 7,
  Mul: 7,
  Div: 7,
  Pow: 7,
  Equal: 7,
  Greater: 7,
  GreaterOrEqual: 12,
  Less: 7,
  LessOrEqual: 12,
  Shape: 1,
  Reshape: 5,
  Squeeze: 1,
  Unsqueeze: 1,
  Where: 9,
  Transpose: 1,
  Gemm: 7,
  MatMul: 1,
  ArgMax: 1,
  ArgMin: 1,
  Softmax: 1,
  Concat: 1,
  Split: 1,
  Expand: 8,
  Gather: 1,
  GatherElements: 11,
  Slice: 1,
  Flatten: 1,
  Tile: 6,
  LayerNormalization: 17,
  Range: 11,
  Pad: 2,
  If: 1,
  CumSum: 11,
  Identity: 1
}

/** The providers whose kernel tables are known here. */
export const PROVIDER_OPS: Readonly<Record<'webgpu', Readonly<Record<string, number>>>> = {
  webgpu: WEBGPU_OPS
}

export interface GraphOp {
  opType: string
  domain: string
  /** Nodes of this op in the graph. */
  count: number
  /** Whether some of them are inside a sub-graph (a Loop's or If's body). */
  inSubgraph: boolean
}

/** Every (domain, op) of a serialised model, sub-graphs included, with counts. */
export function graphOps(model: Uint8Array): GraphOp[] {
  const m = decodeFields(model)
  const graph = m.find((f) => f.field === 7)
  const ops = new Map<string, GraphOp>()
  if (graph) walkGraph(graph.bytes!, false, ops)
  return [...ops.values()].sort((a, b) => a.opType.localeCompare(b.opType))
}

/** The default-domain opset a model imports. */
export function modelOpset(model: Uint8Array): number {
  for (const f of decodeFields(model).filter((x) => x.field === 8)) {
    const o = decodeFields(f.bytes!)
    const domain = o.find((x) => x.field === 1)
    if (!domain || read.string(domain) === '') return read.int(o.find((x) => x.field === 2)!)
  }
  return 0
}

function walkGraph(g: Uint8Array, nested: boolean, ops: Map<string, GraphOp>): void {
  for (const n of decodeFields(g).filter((f) => f.field === 1)) {
    const nf = decodeFields(n.bytes!)
    const str = (k: number): string => {
      const f = nf.find((x) => x.field === k)
      return f ? read.string(f) : ''
    }
    const opType = str(4)
    const domain = str(7)
    const key = `${domain}/${opType}`
    const seen = ops.get(key)
    if (seen) {
      seen.count++
      seen.inSubgraph ||= nested
    } else ops.set(key, { opType, domain, count: 1, inSubgraph: nested })
    for (const a of nf.filter((f) => f.field === 5)) for (const sub of subgraphs(a)) walkGraph(sub, true, ops)
  }
}

/** The graphs an attribute holds (AttributeProto.g = 6, .graphs = 11). */
function subgraphs(attribute: ProtoField): Uint8Array[] {
  return decodeFields(attribute.bytes!)
    .filter((f) => f.field === 6 || f.field === 11)
    .map((f) => f.bytes!)
}

/** An op of a graph that the provider does not run: it would fall back to the CPU provider. */
export interface UncoveredOp extends GraphOp {
  reason: string
}

/** The ops of `model` that `provider` has no kernel for at the model's opset (empty: the whole graph runs there). */
export function uncoveredOps(
  model: Uint8Array,
  provider: keyof typeof PROVIDER_OPS = 'webgpu'
): UncoveredOp[] {
  const table = PROVIDER_OPS[provider]
  const opset = modelOpset(model)
  const out: UncoveredOp[] = []
  for (const op of graphOps(model)) {
    const since = op.domain === '' || op.domain === 'ai.onnx' ? table[op.opType] : undefined
    if (since === undefined)
      out.push({
        ...op,
        reason: `${provider} registers no ${op.domain ? `${op.domain}.` : ''}${op.opType} kernel`
      })
    else if (since > opset)
      out.push({
        ...op,
        reason: `${provider}'s ${op.opType} starts at opset ${since}, the graph imports ${opset}`
      })
  }
  return out
}
