import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { OnnxTrainStep } from '../../../src/engine/bench/onnx-train-step'
import { fmBatch } from '../../../src/engine/bench/train-bench'
import { Mlp, type MlpSpec } from '../../../src/engine/models/mlp'
import { Rng } from '../../../src/engine/rng'
import { mse } from '../../../src/engine/train/parallel/losses'
import { optimizerStep } from '../../../src/engine/train/step'

const spec: MlpSpec = { inDim: 3, outDim: 2, width: 48, depth: 3, activation: 'silu' }
const B = 40

beforeAll(async () => {
  await initBackend('cpu')
})

describe('the onnxruntime training-step graph', () => {
  it('trains exactly like the engine step (same losses and weights, 4 steps)', async () => {
    const rng = new Rng(2)
    const phi = Mlp.create(spec, rng)
    const optimizer = tf.train.adam(1e-2)
    const epsilon = (optimizer as unknown as { epsilon: number }).epsilon
    const ort = await OnnxTrainStep.create(phi.toJSON(), {
      batch: B,
      adam: { lr: 1e-2, beta1: 0.9, beta2: 0.999, epsilon },
      threads: 1
    })
    const input = new Float32Array(B * 3)
    const target = new Float32Array(B * 2)
    for (let s = 0; s < 4; s++) {
      fmBatch(rng, input, target)
      const a = await ort.step(input, target)
      const b = optimizerStep(
        optimizer,
        () => mse(phi.apply(tf.tensor2d(input, [B, 3]), { inputGrad: false }), tf.tensor2d(target, [B, 2])),
        phi.variables()
      )
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, b))
    }
    const got = ort.weights(spec)
    const want = phi.toJSON()
    got.layers.forEach((l, i) => {
      const w = want.layers[i]!
      l.w.forEach((v, j) => expect(Math.abs(v - w.w[j]!)).toBeLessThanOrEqual(1e-5))
      l.b.forEach((v, j) => expect(Math.abs(v - w.b[j]!)).toBeLessThanOrEqual(1e-5))
    })
    await ort.dispose()
    optimizer.dispose()
    phi.dispose()
  })

  it('leaves the weights alone when the loss is not finite', async () => {
    const phi = Mlp.create(spec, new Rng(3))
    const ort = await OnnxTrainStep.create(phi.toJSON(), {
      batch: B,
      adam: { lr: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
    })
    const before = ort.weights(spec)
    const loss = await ort.step(new Float32Array(B * 3).fill(NaN), new Float32Array(B * 2))
    expect(Number.isNaN(loss)).toBe(true)
    expect(ort.weights(spec)).toEqual(before)
    await ort.dispose()
    phi.dispose()
  })
})
