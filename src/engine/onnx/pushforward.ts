/**
 * The ONNX model of a one-step map φ: z → x in data units — an MLP with the de-standardisation folded into its
 * last layer, or a conv generator (onnx/conv.ts) followed by it — and of a chain of MLP maps (a few-step
 * sampler's jumps).
 */
import type { MlpWeights } from '../models/mlp'
import { isConvGeneratorWeights, mapWeightsDims, type MapWeights } from '../models/nets'
import { convGeneratorGraph } from './conv'
import type { Standardization } from '../types'
import { OnnxExportError } from './errors'
import { GraphBuilder } from './graph'
import { mlpGraph } from './mlp'
import { affineColumns } from './sampler'
import type { Dim } from './onnx-proto'

/** The ONNX model of a one-step map (pure: no I/O). Input `z` [batch, latentDim], output `x` [batch, d]. */
export function pushforwardModel(
  phi: MapWeights,
  stats: Standardization,
  meta: { metadata?: Record<string, string>; docString?: string } = {}
): {
  bytes: Uint8Array
  inputs: { name: string; type: 'float32'; shape: Dim[] }[]
  outputs: { name: string; type: 'float32'; shape: Dim[] }[]
} {
  const { inDim: latentDim, outDim: d } = mapWeightsDims(phi)
  if (stats.mean.length !== d || stats.std.length !== d)
    throw new OnnxExportError(
      `The standardisation has ${stats.mean.length} means for a map with ${d} outputs.`
    )
  const inputs = [{ name: 'z', type: 'float32' as const, shape: ['batch', latentDim] as Dim[] }]
  const outputs = [{ name: 'x', type: 'float32' as const, shape: ['batch', d] as Dim[] }]
  const g = new GraphBuilder('pushforward')
  const z = g.input('z', inputs[0]!.shape)
  const x = isConvGeneratorWeights(phi)
    ? affineColumns(g, convGeneratorGraph(g, z, phi, 'phi'), stats.std, stats.mean)
    : mlpGraph(g, z, phi, { scope: 'phi', outputAffine: { scale: stats.std, shift: stats.mean } })
  g.output('x', outputs[0]!.shape, x)
  const bytes = g.toModel({
    ...(meta.docString !== undefined ? { docString: meta.docString } : {}),
    ...(meta.metadata ? { metadata: meta.metadata } : {})
  })
  return { bytes, inputs, outputs }
}

/**
 * The ONNX model of maps applied in order, z → φ_K(… φ_1(z)) (pure): the jumps of a few-step sampler, each a
 * residual MLP on x (objectives/flows/jump.ts). Input `z` [batch, d], output `x` [batch, d].
 */
export function jumpsModel(
  jumps: MlpWeights[],
  stats: Standardization,
  meta: { metadata?: Record<string, string>; docString?: string } = {}
): {
  bytes: Uint8Array
  inputs: { name: string; type: 'float32'; shape: Dim[] }[]
  outputs: { name: string; type: 'float32'; shape: Dim[] }[]
} {
  const d = stats.mean.length
  if (jumps.length === 0) throw new OnnxExportError('A few-step sampler needs at least one jump.')
  for (const j of jumps)
    if (j.spec.inDim !== d || j.spec.outDim !== d || !j.spec.residual)
      throw new OnnxExportError(
        `A jump maps ${j.spec.inDim} → ${j.spec.outDim}; expected a residual ${d} → ${d} map.`
      )
  const inputs = [{ name: 'z', type: 'float32' as const, shape: ['batch', d] as Dim[] }]
  const outputs = [{ name: 'x', type: 'float32' as const, shape: ['batch', d] as Dim[] }]
  const g = new GraphBuilder('jumps')
  let x = g.input('z', inputs[0]!.shape)
  jumps.forEach((j, k) => {
    x = mlpGraph(g, x, j, {
      scope: `jump${k}`,
      ...(k === jumps.length - 1 ? { outputAffine: { scale: stats.std, shift: stats.mean } } : {})
    })
  })
  g.output('x', outputs[0]!.shape, x)
  const bytes = g.toModel({
    ...(meta.docString !== undefined ? { docString: meta.docString } : {}),
    ...(meta.metadata ? { metadata: meta.metadata } : {})
  })
  return { bytes, inputs, outputs }
}
