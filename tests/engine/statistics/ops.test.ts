/** The hand-written gradients of objectives/ops.ts against tfjs's own autodiff of the naive formulas. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import {
  cis,
  detach,
  matMulConst,
  sqdist,
  sqdistSelf,
  untaped
} from '../../../src/engine/objectives/statistics/ops'
import { gaussianKernels } from '../../../src/engine/objectives/statistics/mmd'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('wasm')
})

function naiveSqdist(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.square(tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0))), 2)
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!)
}

describe('objective ops', () => {
  const rng = new Rng(21)
  let a: tf.Tensor2D, b: tf.Tensor2D, w: tf.Tensor2D, wSelf: tf.Tensor2D
  beforeAll(() => {
    a = tf.tensor2d(rng.normals(40 * 3), [40, 3])
    b = tf.tensor2d(rng.normals(30 * 3), [30, 3])
    // A fixed random weighting makes the scalar's gradient exercise every entry.
    w = tf.tensor2d(rng.uniforms(40 * 30), [40, 30])
    wSelf = tf.tensor2d(rng.uniforms(40 * 40), [40, 40])
  })

  it('sqdist: values and gradient match the naive broadcast formula', () => {
    expect(maxAbsDiff(sqdist(a, b), naiveSqdist(a, b))).toBeLessThan(1e-4)
    const g1 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sqdist(x as tf.Tensor2D, b), w)))(a)
    const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(naiveSqdist(x as tf.Tensor2D, b), w)))(a)
    expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-3)
  })

  it('sqdistSelf: zero diagonal, symmetric, and the gradient through both slots', () => {
    const d = sqdistSelf(a)
    const diag = tf.tidy(() => tf.sum(tf.abs(tf.mul(d, tf.eye(40)))).dataSync()[0]!)
    expect(diag).toBe(0)
    expect(maxAbsDiff(d, tf.transpose(d))).toBeLessThan(1e-5)
    expect(maxAbsDiff(d, naiveSqdist(a, a))).toBeLessThan(1e-4)
    const g1 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sqdistSelf(x as tf.Tensor2D), wSelf)))(a)
    const g2 = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(naiveSqdist(x as tf.Tensor2D, x as tf.Tensor2D), wSelf))
    )(a)
    expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-3)
  })

  it('matMulConst and cis: gradients match tf.matMul and tf.cos/tf.sin', () => {
    const t = tf.tensor2d(rng.normals(3 * 8), [3, 8])
    const v = tf.tensor2d(rng.uniforms(40 * 16), [40, 16])
    const f1 = (x: tf.Tensor) => tf.sum(tf.mul(cis(matMulConst(x as tf.Tensor2D, t)), v))
    const f2 = (x: tf.Tensor) => {
      const p = tf.matMul(x as tf.Tensor2D, t)
      return tf.sum(tf.mul(tf.concat([tf.cos(p), tf.sin(p)], 1), v))
    }
    expect(Math.abs(f1(a).dataSync()[0]! - f2(a).dataSync()[0]!)).toBeLessThan(1e-3)
    expect(maxAbsDiff(tf.grad(f1)(a), tf.grad(f2)(a))).toBeLessThan(1e-4)
  })

  it('untaped / detach: values pass, gradients do not', () => {
    const g = tf.grad((x: tf.Tensor) => tf.add(tf.sum(x), tf.sum(untaped(() => tf.mul(x, 3)))))(a)
    expect(maxAbsDiff(g, tf.onesLike(a))).toBe(0)
    const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, detach(x))))(a)
    expect(maxAbsDiff(g2, a)).toBe(0)
  })

  it('gaussianKernels: repeated squaring equals the direct exponentials', () => {
    const d = naiveSqdist(a, b)
    const hs = [0.1, 0.2, 0.4, 0.8, 1.6, 0.3]
    const direct = tf.addN(hs.map((h) => tf.exp(tf.mul(d, -1 / (2 * h * h)))))
    expect(maxAbsDiff(gaussianKernels(d, hs), direct)).toBeLessThan(1e-5)
  })
})
