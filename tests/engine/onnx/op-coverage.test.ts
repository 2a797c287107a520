/**
 * Every graph the engine builds against the WebGPU provider's kernel table (src/engine/onnx/op-coverage.ts):
 * the training step (every activation, with and without the moving average), the one-step maps, the flows'
 * network and fused samplers (unrolled), and RealNVP's sampler run wholly on the device; the Loop form of a
 * fused sampler is the one graph that would fall back (its Loop), which is why the unrolled form is the default.
 */
import { describe, expect, it } from 'vitest'
import { engineGraphs, loopSamplerGraph } from '../../../src/engine/onnx/graph-catalog'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import { graphOps, modelOpset, uncoveredOps } from '../../../src/engine/onnx/op-coverage'
import { probeProvider } from '../../../src/engine/onnx/providers'
import { OnnxModel } from '../../../src/engine/onnx/runtime'
import { Rng } from '../../../src/engine/rng'

const ort = await import('onnxruntime-node')
/** The GPU providers that create a session here (none on a machine without a GPU: the strict test skips). */
const gpus = (await Promise.all((['webgpu', 'cuda'] as const).map((p) => probeProvider(ort, p))))
  .filter((p) => p.ok)
  .map((p) => p.provider)

const rng = new Rng(3)
const graphs = engineGraphs(rng).map((g): [string, Uint8Array] => [g.name, g.bytes])

describe('WebGPU op coverage', () => {
  it.each(graphs)('%s runs wholly on the WebGPU provider', (_, bytes) => {
    expect(modelOpset(bytes)).toBe(17)
    expect(uncoveredOps(bytes, 'webgpu')).toEqual([])
  })

  it("finds the fused sampler's Loop (and its body's ops) and nothing else in the loop form", () => {
    const bytes = loopSamplerGraph(rng)
    const ops = graphOps(bytes)
    expect(ops.some((o) => o.inSubgraph && o.opType === 'Gemm')).toBe(true)
    expect(uncoveredOps(bytes).map((o) => [o.opType, o.reason])).toEqual([
      ['Loop', 'webgpu registers no Loop kernel']
    ])
  })

  it('flags an op newer than the graph imports, and a foreign domain', () => {
    const g = new GraphBuilder('gelu')
    g.output('y', [1], g.node('Gelu', [g.input('x', [1])]))
    expect(uncoveredOps(g.toModel()).map((o) => o.reason)).toEqual([
      "webgpu's Gelu starts at opset 20, the graph imports 17"
    ])
    const h = new GraphBuilder('custom')
    h.output('y', [1], h.node('FusedMatMul', [h.input('x', [1])], {}, { domain: 'com.microsoft' }))
    expect(uncoveredOps(h.toModel()).map((o) => o.reason)).toEqual([
      'webgpu registers no com.microsoft.FusedMatMul kernel'
    ])
  })
})

describe.runIf(gpus.length > 0)('on a GPU provider, with the CPU fallback disabled', () => {
  it.each(graphs)('%s loads with no node on the CPU provider', async (_, bytes) => {
    for (const provider of gpus) {
      const m = await OnnxModel.load(bytes, { provider, strict: true })
      await m.release()
    }
  })
})
