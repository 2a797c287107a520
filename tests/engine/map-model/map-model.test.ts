/** The shared pieces: JsAdam against tf.train.adam, the weight average, stored-network checks. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { Mlp } from '../../../src/engine/models/mlp'
import { JsAdam, jsAdamStep, readMlp, WeightAverage } from '../../../src/engine/objectives/map-model'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('wasm')
})

describe('JsAdam', () => {
  it('follows tf.train.adam step for step', () => {
    const rng = new Rng(1)
    const init = rng.normals(12)
    const target = tf.tensor2d(rng.normals(12), [3, 4])
    const a = tf.variable(tf.tensor2d(init, [3, 4]))
    const b = tf.variable(tf.tensor2d(init, [3, 4]))
    const ref = tf.train.adam(0.05, 0.5, 0.9)
    const mine = new JsAdam(0.05, 0.5, 0.9)
    const loss =
      (v: tf.Variable): (() => tf.Scalar) =>
      () =>
        tf.sum(tf.pow(tf.sub(v, target), 4)) as tf.Scalar
    for (let s = 0; s < 25; s++) {
      ref.minimize(loss(a), false, [a])
      jsAdamStep(mine, [b], loss(b))
    }
    const da = a.dataSync()
    const db = b.dataSync()
    for (let i = 0; i < 12; i++) expect(db[i]!).toBeCloseTo(da[i]!, 4)
    ref.dispose()
    tf.dispose([a, b, target])
  })

  it('skips the update when the loss is not finite', () => {
    const v = tf.variable(tf.tensor1d([1, 2]))
    const loss = jsAdamStep(new JsAdam(0.1), [v], () => tf.div(tf.sum(v), 0) as tf.Scalar)
    expect(Number.isFinite(loss)).toBe(false)
    expect(Array.from(v.dataSync())).toEqual([1, 2])
    v.dispose()
  })
})

describe('WeightAverage', () => {
  it('warms up, then averages with the given decay', () => {
    const src = Mlp.create({ inDim: 1, outDim: 1, width: 2, depth: 0, activation: 'silu' }, new Rng(1))
    const avg = WeightAverage.of(src, 0.5, 'avg')
    const w0 = src.weights[0]!.w.dataSync()[0]!
    tf.tidy(() => src.weights[0]!.w.assign(tf.fill([1, 1], w0 + 10) as tf.Tensor2D))
    avg.update(src) // b = min(0.5, 1/10) = 0.1
    expect(avg.avg.weights[0]!.w.dataSync()[0]!).toBeCloseTo(w0 + 9, 5)
    src.dispose()
    avg.avg.dispose()
  })
})

describe('readMlp', () => {
  it('names the objective and the network in its errors', () => {
    expect(() => readMlp('vae', {}, 'phi')).toThrow(/vae weights hold no network "phi"/)
    const mlp = Mlp.create({ inDim: 2, outDim: 3, width: 4, depth: 1, activation: 'silu' }, new Rng(1))
    const net = mlp.toJSON()
    mlp.dispose()
    expect(() => readMlp('gan', { phi: net }, 'phi', { outDim: 2 })).toThrow(/writes 3 outputs, not 2/)
    expect(readMlp('gan', { phi: net }, 'phi', { inDim: 2, outDim: 3 })).toBe(net)
  })
})
