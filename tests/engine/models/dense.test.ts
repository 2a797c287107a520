import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { dense, FUSED_ACTIVATIONS, LEAKY_SLOPE, type FusedActivation } from '../../../src/engine/models/dense'
import { activate, Mlp, type Activation, type MlpSpec } from '../../../src/engine/models/mlp'
import { Rng } from '../../../src/engine/rng'
import { optimizerStep } from '../../../src/engine/train/step'
import { mse } from '../../../src/engine/bench/parallel/losses'

const BACKENDS = ['cpu', 'wasm'] as const

beforeAll(async () => {
  // backend.ts also registers tfjs's built-in gradients (the reference here).
  await initBackend('cpu')
})

const rnd = (rng: Rng, shape: number[], scale = 1): tf.Tensor =>
  tf.tensor(
    rng.normals(shape.reduce((a, b) => a * b, 1)).map((v) => v * scale),
    shape
  )

/** The reference: plain ops, differentiated by tfjs's registered gradients. */
function plainAct(z: tf.Tensor2D, act: FusedActivation): tf.Tensor2D {
  switch (act) {
    case 'linear':
      return z
    case 'silu':
      return tf.mul(z, tf.sigmoid(z))
    case 'relu':
      return tf.relu(z)
    case 'tanh':
      return tf.tanh(z)
    case 'leaky-relu':
      return tf.leakyRelu(z, LEAKY_SLOPE)
  }
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape)
  const x = a.dataSync()
  const y = b.dataSync()
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!))
  return m
}

/** |a − b| ≤ 1e-5 · max(1, max|b|). */
function expectClose(a: tf.Tensor, b: tf.Tensor): void {
  const scale = Math.max(1, tf.max(tf.abs(b)).dataSync()[0]!)
  expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-5 * scale)
}

describe.each(BACKENDS)('dense on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend)
  })

  // (in, out) = (5, 7): ∂W through xᵀ·∂z; (7, 2): through (∂zᵀ·x)ᵀ.
  describe.each([
    [5, 7],
    [7, 2]
  ])('x [16, %i] · W → [16, %i]', (inDim, outDim) => {
    it.each(FUSED_ACTIVATIONS.map((a) => [a]))('%s: gradients equal the built-in ones', (act) => {
      const rng = new Rng(7)
      tf.tidy(() => {
        const x = rnd(rng, [16, inDim]) as tf.Tensor2D
        const w = rnd(rng, [inDim, outDim], 0.7) as tf.Tensor2D
        const b = rnd(rng, [outDim], 0.3) as tf.Tensor1D
        const r = rnd(rng, [16, outDim]) // a non-uniform upstream gradient
        const ours = tf.grads((x, w, b) =>
          tf.sum(tf.mul(dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, { activation: act }), r))
        )
        const ref = tf.grads((x, w, b) =>
          tf.sum(
            tf.mul(plainAct(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b) as tf.Tensor2D, act), r)
          )
        )
        const g = ours([x, w, b])
        const e = ref([x, w, b])
        g.forEach((gi, i) => expectClose(gi, e[i]!))
        // Same forward value too.
        expectClose(
          dense(x, w, b, { activation: act }),
          plainAct(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, act)
        )
      })
    })
  })

  it('inputGrad: false returns zeros for ∂x and the same ∂W, ∂b', () => {
    const rng = new Rng(3)
    tf.tidy(() => {
      const x = rnd(rng, [8, 3]) as tf.Tensor2D
      const w = rnd(rng, [3, 6]) as tf.Tensor2D
      const b = rnd(rng, [6]) as tf.Tensor1D
      const f = (inputGrad: boolean) =>
        tf.grads((x, w, b) =>
          tf.sum(
            tf.square(
              dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, { activation: 'silu', inputGrad })
            )
          )
        )([x, w, b])
      const [dx0, dw0, db0] = f(false)
      const [, dw1, db1] = f(true)
      expect(tf.max(tf.abs(dx0!)).dataSync()[0]).toBe(0)
      expect(maxAbsDiff(dw0!, dw1!)).toBe(0)
      expect(maxAbsDiff(db0!, db1!)).toBe(0)
    })
  })

  const spec = (activation: Activation): MlpSpec => ({ inDim: 3, outDim: 2, width: 32, depth: 3, activation })

  /** The same network with plain matMul + add + activation and built-in gradients. */
  function plainApply(phi: Mlp, x: tf.Tensor2D): tf.Tensor2D {
    let h = x
    phi.weights.forEach(({ w, b }, i) => {
      h = tf.add(tf.matMul(h, w), b) as tf.Tensor2D
      if (i < phi.weights.length - 1) h = activate(h, phi.spec.activation)
    })
    return h
  }

  it.each(['silu', 'relu', 'tanh', 'leaky-relu', 'gelu'] as Activation[])(
    'Mlp (%s): every weight gradient equals the plain model’s',
    (activation) => {
      const rng = new Rng(11)
      const phi = Mlp.create(spec(activation), rng)
      const vars = phi.variables()
      tf.tidy(() => {
        const x = rnd(rng, [64, 3]) as tf.Tensor2D
        const y = rnd(rng, [64, 2]) as tf.Tensor2D
        const ours = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(phi.apply(x, { inputGrad: false }), y)) as tf.Scalar,
          vars
        )
        const ref = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(plainApply(phi, x), y)) as tf.Scalar,
          vars
        )
        expect(Math.abs(ours.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThanOrEqual(1e-5)
        for (const v of vars) expectClose(ours.grads[v.name]!, ref.grads[v.name]!)
        // The hand-written MSE gradient matches tfjs's squaredDifference + mean.
        const viaMse = tf.variableGrads(() => mse(phi.apply(x), y), vars)
        for (const v of vars) expectClose(viaMse.grads[v.name]!, ref.grads[v.name]!)
      })
      phi.dispose()
    }
  )

  it('a training step leaks no tensors over repeated steps', () => {
    const rng = new Rng(5)
    const phi = Mlp.create(spec('silu'), rng)
    const optimizer = tf.train.adam(1e-3)
    const x = new Float32Array(rng.normals(64 * 3))
    const y = new Float32Array(rng.normals(64 * 2))
    const step = (): number =>
      optimizerStep(
        optimizer,
        () => mse(phi.apply(tf.tensor2d(x, [64, 3]), { inputGrad: false }), tf.tensor2d(y, [64, 2])),
        phi.variables()
      )
    step() // Adam creates its moment variables on the first update
    const before = tf.memory().numTensors
    let loss = NaN
    for (let i = 0; i < 50; i++) loss = step()
    expect(tf.memory().numTensors).toBe(before)
    expect(Number.isFinite(loss)).toBe(true)
    // Inference inside tidy leaves nothing behind either.
    tf.tidy(() => {
      phi.apply(tf.tensor2d(x, [64, 3]))
    })
    expect(tf.memory().numTensors).toBe(before)
    optimizer.dispose()
    phi.dispose()
  })
})
