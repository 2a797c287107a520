/**
 * The engine's onnxruntime training step (src/engine/ort/train-step.ts, the graph of ort/train-graph.ts) against
 * the tfjs step of the training loop: same weights, same batches, same Adam — on the bench workload's MLP
 * (t as a plain input) for every activation, with and without the moving average and a changing lr.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { fmBatch } from '../../../src/engine/bench/train-bench'
import { ACTIVATIONS, Mlp, type Activation, type MlpSpec } from '../../../src/engine/models/mlp'
import { OrtTrainStep, TFJS_ADAM, trainStepGraph } from '../../../src/engine/ort'
import { Rng } from '../../../src/engine/rng'
import { setLearningRate } from '../../../src/engine/objectives/flows/common'
import { optimizerStep } from '../../../src/engine/train/step'

const B = 40

beforeAll(async () => {
  await initBackend('cpu')
})

function spec(activation: Activation): MlpSpec {
  return { inDim: 3, outDim: 2, width: 48, depth: 3, activation }
}

const sizesOf = (s: MlpSpec): number[] => [s.inDim, ...Array<number>(s.depth).fill(s.width), s.outDim]
const read = (phi: Mlp): Float32Array[] => phi.variables().map((v) => v.dataSync() as Float32Array)

function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))))
  return m
}

/** A tfjs MLP with its Adam, and an onnxruntime step starting from the same weights. */
async function pair(act: Activation, seed: number, dropout = false) {
  const s = spec(act)
  const rng = new Rng(seed)
  const phi = Mlp.create(s, rng)
  const optimizer = tf.train.adam(1e-2)
  const ort = await OrtTrainStep.create(read(phi), {
    sizes: sizesOf(s),
    activation: act,
    adam: { ...TFJS_ADAM, epsilon: tf.backend().epsilon() },
    threads: 1,
    ...(dropout ? { dropout } : {})
  })
  return { s, rng, phi, optimizer, ort }
}

describe('the onnxruntime training step', () => {
  it.each(ACTIVATIONS)('trains like the tfjs step with %s (losses and weights, 4 steps)', async (act) => {
    const { rng, phi, optimizer, ort } = await pair(act, 2)
    const input = new Float32Array(B * 3)
    const target = new Float32Array(B * 2)
    for (let k = 0; k < 4; k++) {
      fmBatch(rng, input, target)
      const lr = 1e-2 * (1 - 0.2 * k) // the loop's schedule changes lr per step
      setLearningRate(optimizer, lr)
      const a = await ort.step(input, target, lr)
      const b = optimizerStep(
        optimizer,
        () =>
          tf.mean(
            tf.squaredDifference(
              phi.apply(tf.tensor2d(input, [B, 3]), { inputGrad: false }),
              tf.tensor2d(target, [B, 2])
            )
          ),
        phi.variables()
      )
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, b))
    }
    expect(ort.updates).toBe(4)
    expect(maxDiff(ort.params(), read(phi))).toBeLessThanOrEqual(1e-5)
    await ort.dispose()
    optimizer.dispose()
    phi.dispose()
  })

  it.each(['silu', 'tanh'] as const)(
    'with dropout, trains like tfjs applying the same masks after each hidden activation (%s)',
    async (act) => {
      const { s, rng, phi, optimizer, ort } = await pair(act, 7, true)
      const f = act === 'silu' ? (z: tf.Tensor) => tf.mul(z, tf.sigmoid(z)) : (z: tf.Tensor) => tf.tanh(z)
      const input = new Float32Array(B * 3)
      const target = new Float32Array(B * 2)
      for (let k = 0; k < 3; k++) {
        fmBatch(rng, input, target)
        // inverted dropout, p = 0.3: a unit is dropped or scaled by 1/0.7
        const masks = Array.from({ length: s.depth }, () =>
          rng.uniforms(B * s.width).map((u) => (u < 0.3 ? 0 : 1 / 0.7))
        )
        const a = await ort.step(input, target, 1e-2, 0, { masks })
        const b = optimizerStep(
          optimizer,
          () => {
            let h: tf.Tensor = tf.tensor2d(input, [B, 3])
            phi.weights.forEach((l, i) => {
              const z = tf.add(tf.matMul(h, l.w), l.b)
              h = i < s.depth ? tf.mul(f(z), tf.tensor2d(masks[i]!, [B, s.width])) : z
            })
            return tf.mean(tf.squaredDifference(h, tf.tensor2d(target, [B, 2])))
          },
          phi.variables()
        )
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, b))
      }
      expect(maxDiff(ort.params(), read(phi))).toBeLessThanOrEqual(1e-5)
      // a step without its masks is refused
      await expect(ort.step(input, target, 1e-2)).rejects.toThrow(
        /dropout needs a \[40, width\] mask per hidden layer \(3\)/
      )
      await ort.dispose()
      optimizer.dispose()
      phi.dispose()
    }
  )

  it('keeps the moving average a′ = decay·a + (1 − decay)·p′ of the new weights', async () => {
    const s = spec('silu')
    const rng = new Rng(4)
    const phi = Mlp.create(s, rng)
    const p0 = read(phi).map((d) => d.slice())
    const ort = await OrtTrainStep.create(p0, {
      sizes: sizesOf(s),
      activation: 'silu',
      ema: true,
      threads: 1
    })
    expect(maxDiff(ort.average()!, p0)).toBe(0)
    const input = new Float32Array(B * 3)
    const target = new Float32Array(B * 2)
    fmBatch(rng, input, target)
    await ort.step(input, target, 1e-2, 0.25)
    const p1 = ort.params()
    const want = p0.map((a, i) => a.map((v, j) => 0.25 * v + 0.75 * p1[i]![j]!))
    expect(maxDiff(ort.average()!, want)).toBeLessThanOrEqual(1e-6)
    await ort.dispose()
    phi.dispose()
  })

  it('leaves every state alone when the loss is not finite', async () => {
    const s = spec('silu')
    const phi = Mlp.create(s, new Rng(3))
    const ort = await OrtTrainStep.create(read(phi), { sizes: sizesOf(s), activation: 'silu', ema: true })
    const before = ort.params().map((d) => d.slice())
    const loss = await ort.step(new Float32Array(B * 3).fill(NaN), new Float32Array(B * 2), 1e-2, 0.5)
    expect(Number.isNaN(loss)).toBe(true)
    expect(ort.updates).toBe(0)
    expect(maxDiff(ort.params(), before)).toBe(0)
    expect(maxDiff(ort.average()!, before)).toBe(0)
    await ort.dispose()
    phi.dispose()
  })

  it('is written with the engine’s ONNX graph builder (one Gemm forward, two backward per layer)', () => {
    const g = trainStepGraph({
      sizes: [3, 8, 8, 2],
      activation: 'silu',
      batch: 4,
      adam: TFJS_ADAM,
      ema: false
    })
    const { ops } = g.stats()
    // 3 layers: 3 forward, 3 ∂W, 2 ∂h (the input layer computes no ∂x).
    expect(ops.Gemm).toBe(8)
    expect(ops.Identity).toBeUndefined()
  })
})
