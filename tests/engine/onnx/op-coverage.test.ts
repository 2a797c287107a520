/**
 * Every graph the engine builds against the WebGPU provider's kernel table (src/engine/onnx/op-coverage.ts):
 * the training step (every activation, with and without the moving average), the one-step maps, the flows'
 * network and fused samplers (unrolled), and RealNVP's sampler run wholly on the device; the Loop form of a
 * fused sampler is the one graph that would fall back (its Loop), which is why the unrolled form is the default.
 */
import { describe, expect, it } from 'vitest'
import { ACTIVATIONS, randomMlpWeights } from '../../../src/engine/models/mlp'
import { fusedSamplerModel, solverPlan, timedNetOf, velocityNetModel } from '../../../src/engine/onnx/flow'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import { graphOps, modelOpset, uncoveredOps } from '../../../src/engine/onnx/op-coverage'
import { probeProvider } from '../../../src/engine/onnx/providers'
import { pushforwardModel } from '../../../src/engine/onnx/pushforward'
import { OnnxModel } from '../../../src/engine/onnx/runtime'
import { realNvpSamplerModel } from '../../../src/engine/onnx/realnvp'
import { timeGrid } from '../../../src/engine/onnx/sampler'
import { trainStepModel } from '../../../src/engine/ort/train-graph'
import { TFJS_ADAM } from '../../../src/engine/ort/train-step'
import { Rng } from '../../../src/engine/rng'

const ort = await import('onnxruntime-node')
/** The GPU providers that create a session here (none on a machine without a GPU: the strict test skips). */
const gpus = (await Promise.all((['webgpu', 'cuda'] as const).map((p) => probeProvider(ort, p))))
  .filter((p) => p.ok)
  .map((p) => p.provider)

const rng = new Rng(3)
const stats = { mean: [0.5, -1], std: [2, 0.5] }
const velocity = (activation: (typeof ACTIVATIONS)[number]) =>
  timedNetOf({
    spec: { dim: 2, timeDim: 4, maxFreq: 10, width: 8, depth: 2, activation },
    mlp: randomMlpWeights({ inDim: 6, outDim: 2, width: 8, depth: 2, activation }, rng)
  })
const eps = {
  kind: 'eps' as const,
  alphaBar: (t: number) => Math.exp(-5 * t * t),
  beta: (t: number) => 10 * t
}

/** Every graph kind the engine builds, by name. */
function engineGraphs(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = []
  for (const activation of ACTIVATIONS) {
    for (const ema of [false, true])
      out.push([
        `training step (${activation}${ema ? ', EMA' : ''})`,
        trainStepModel({ sizes: [3, 8, 8, 2], activation, batch: 4, adam: TFJS_ADAM, ema, lossScale: 1 })
      ])
    out.push([
      `one-step map (${activation})`,
      pushforwardModel(randomMlpWeights({ inDim: 2, outDim: 2, width: 8, depth: 2, activation }, rng), stats)
        .bytes
    ])
    out.push([`velocity network (${activation})`, velocityNetModel(velocity(activation)).bytes])
  }
  const net = velocity('silu')
  for (const sampler of ['euler', 'heun'] as const)
    out.push([
      `fused ${sampler}`,
      fusedSamplerModel(net, solverPlan({ kind: 'velocity' }, sampler, timeGrid(4)), {
        scale: stats.std,
        shift: stats.mean
      }).bytes
    ])
  out.push(['fused ddim', fusedSamplerModel(net, solverPlan(eps, 'ddim', timeGrid(4, 1, 0)), null).bytes])
  out.push([
    'realnvp sampler',
    realNvpSamplerModel(
      {
        dim: 2,
        logScaleBound: 2,
        couplings: [0, 1].map(() =>
          randomMlpWeights({ inDim: 2, outDim: 4, width: 8, depth: 2, activation: 'relu' }, rng)
        )
      },
      { scale: stats.std, shift: stats.mean }
    ).bytes
  ])
  return out
}

describe('WebGPU op coverage', () => {
  it.each(engineGraphs())('%s runs wholly on the WebGPU provider', (_, bytes) => {
    expect(modelOpset(bytes)).toBe(17)
    expect(uncoveredOps(bytes, 'webgpu')).toEqual([])
  })

  it("finds the fused sampler's Loop (and its body's ops) and nothing else in the loop form", () => {
    const plan = solverPlan({ kind: 'velocity' }, 'heun', timeGrid(4))
    const bytes = fusedSamplerModel(velocity('gelu'), plan, null, { form: 'loop' }).bytes
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

describe.skipIf(gpus.length === 0)('on a GPU provider, with the CPU fallback disabled', () => {
  it.each(engineGraphs())('%s loads with no node on the CPU provider', async (_, bytes) => {
    for (const provider of gpus) {
      const m = await OnnxModel.load(bytes, { provider, strict: true })
      await m.release()
    }
  })
})
