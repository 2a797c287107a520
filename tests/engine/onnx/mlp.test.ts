import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { ACTIVATIONS, Mlp, type MlpSpec } from '../../../src/engine/models/mlp'
import { OnnxExportError } from '../../../src/engine/onnx/errors'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import { inspectModel } from '../../../src/engine/onnx/inspect'
import { foldOutputAffine, mlpGraph } from '../../../src/engine/onnx/mlp'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import { Rng } from '../../../src/engine/rng'
import { maxAbs, mlpForward, onnxCheck, writeTemp, removeTempDirs } from './helpers'

afterAll(removeTempDirs)

beforeAll(async () => {
  await initBackend('auto')
})

const N = 4096

function mlpModel(phi: ReturnType<Mlp['toJSON']>, affine?: { scale: number[]; shift: number[] }): Uint8Array {
  const g = new GraphBuilder('mlp')
  const x = g.input('x', ['batch', phi.spec.inDim])
  const y = mlpGraph(g, x, phi, { scope: 'phi', ...(affine ? { outputAffine: affine } : {}) })
  g.output('y', ['batch', phi.spec.outDim], y)
  return g.toModel({ metadata: { activation: phi.spec.activation } })
}

describe.each(ACTIVATIONS)('an MLP with %s hidden layers', (activation) => {
  const spec: MlpSpec = { inDim: 3, outDim: 2, width: 48, depth: 3, activation }

  it('matches the engine (tfjs) and a float64 reference on 4096 random inputs', async () => {
    const rng = new Rng(11)
    const mlp = Mlp.create(spec, rng)
    const phi = mlp.toJSON()
    const x = rng.normals(N * 3).map((v) => 2 * v)
    const engine = tf.tidy(() => mlp.apply(tf.tensor2d(x, [N, 3])).dataSync() as Float32Array)
    mlp.dispose()
    const got = (await runOnnx(mlpModel(phi), { x: { data: x, dims: [N, 3] } })).y!
    expect(got.dims).toEqual([N, 2])
    expect(maxAbs(got.data, engine)).toBeLessThanOrEqual(1e-5)
    expect(maxAbs(got.data, mlpForward(phi, x, N))).toBeLessThanOrEqual(1e-5)
  })

  it('passes the official ONNX checker', () => {
    const mlp = Mlp.create(spec, new Rng(12))
    const file = writeTemp(mlpModel(mlp.toJSON()), `mlp-${activation}.onnx`)
    mlp.dispose()
    const r = onnxCheck(file)
    expect(r.status, r.stderr).toBe(0)
  })
})

describe('the output transform', () => {
  it('is folded into the last layer: x·std + mean with no extra nodes', async () => {
    const rng = new Rng(13)
    const mlp = Mlp.create({ inDim: 2, outDim: 3, width: 16, depth: 2, activation: 'silu' }, rng)
    const phi = mlp.toJSON()
    mlp.dispose()
    const affine = { scale: [2.5, 0.01, 40], shift: [-3, 100, 0.5] }
    const z = rng.normals(256 * 2)
    const y = (await runOnnx(mlpModel(phi, affine), { x: { data: z, dims: [256, 2] } })).y!.data
    const ref = mlpForward(phi, z, 256).map((v, i) => v * affine.scale[i % 3]! + affine.shift[i % 3]!)
    for (let i = 0; i < y.length; i++)
      expect(Math.abs(y[i]! - ref[i]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(ref[i]!)))
    const ops = inspectModel(mlpModel(phi, affine)).nodes.map((n) => n.opType)
    expect(ops).toEqual(inspectModel(mlpModel(phi)).nodes.map((n) => n.opType))
    // the folded weights themselves
    const f = foldOutputAffine(phi, affine)
    expect(f.layers.at(-1)!.b[1]).toBeCloseTo(phi.layers.at(-1)!.b[1]! * 0.01 + 100, 10)
    expect(f.layers.slice(0, -1)).toEqual(phi.layers.slice(0, -1))
  })

  it('refuses weights that do not chain, and non-finite values', () => {
    const mlp = Mlp.create({ inDim: 2, outDim: 2, width: 4, depth: 1, activation: 'relu' }, new Rng(1))
    const phi = mlp.toJSON()
    mlp.dispose()
    const g = () => {
      const b = new GraphBuilder()
      return [b, b.input('x', ['batch', 2])] as const
    }
    const broken = { ...phi, layers: [phi.layers[0]!, { ...phi.layers[1]!, inDim: 5 }] }
    expect(() => mlpGraph(...g(), broken)).toThrow(OnnxExportError)
    expect(() => mlpGraph(...g(), broken)).toThrow(/layer 1 takes 5 inputs/)
    const nan = {
      ...phi,
      layers: [{ ...phi.layers[0]!, w: phi.layers[0]!.w.map((v, i) => (i === 2 ? NaN : v)) }, phi.layers[1]!]
    }
    expect(() => mlpGraph(...g(), nan)).toThrow(/non-finite weight/)
  })
})
