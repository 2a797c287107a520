/** The K-separate-calls baseline of the inference benchmark (the fused graph's peer). */
import type { InferenceSession } from 'onnxruntime-node'
import type { FlowPlan } from '../onnx/run-graph'
import { runPlan } from '../samplers'
import type { Standardization } from '../types'

type Ort = typeof import('onnxruntime-node')

/**
 * The K-separate-calls sampler: the plan (the sampler's traced update rule) run in JS, the network session
 * called once per evaluation on x [batch, d] and t [batch]; de-standardised at the end.
 */
export function separateSampler(
  ort: Ort,
  session: InferenceSession,
  fp: FlowPlan,
  stats: Standardization,
  batch: number
): (z: Float32Array) => Promise<Float32Array> {
  const d = fp.net.dim
  const t = new Float32Array(batch)
  const tDims = [batch]
  const xDims = [batch, d]
  const net = async (input: Float32Array, time: number): Promise<Float32Array> => {
    t.fill(time)
    const r = await session.run({
      x: new ort.Tensor('float32', input, xDims),
      t: new ort.Tensor('float32', t, tDims)
    })
    return r[fp.output]!.data as Float32Array
  }
  return async (z) => {
    const x = await runPlan(fp.plan, z, net)
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * stats.std[i % d]! + stats.mean[i % d]!
    return x
  }
}
