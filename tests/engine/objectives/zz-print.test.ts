import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { sinkhornDivergence } from '../../../src/engine/objectives/sinkhorn'
import { Rng } from '../../../src/engine/rng'

it('print', async () => {
  await initBackend('wasm')
  for (const eps of [0.1, 0.3, 1])
    for (const its of [10, 30, 100]) {
      const rng = new Rng(4)
      const v = tf.tidy(() => {
        const x = tf.tensor2d(rng.normals(256), [128, 2])
        return sinkhornDivergence(x, tf.add(x, tf.tensor1d([1, 0.5])) as tf.Tensor2D, eps, its).dataSync()[0]!
      })
      console.log('VAL shift eps', eps, 'it', its, v.toFixed(5))
    }
  for (const [eps, its] of [
    [0.3, 100],
    [0.5, 100],
    [0.5, 50],
    [1, 50]
  ] as const) {
    const t0 = performance.now()
    const rng = new Rng(5)
    const n = 16
    const xv = rng.normals(n * 2)
    const y = tf.tensor2d(
      rng.normals(n * 2).map((v) => v + 0.3),
      [n, 2]
    )
    const S = (v: Float32Array): number =>
      tf.tidy(() => sinkhornDivergence(tf.tensor2d(v, [n, 2]), y, eps, its).dataSync()[0]!)
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => sinkhornDivergence(x as tf.Tensor2D, y, eps, its))(tf.tensor2d(xv, [n, 2]))
        .dataSync()
    )
    let err = 0,
      norm = 0
    for (let k = 0; k < 2 * n; k += 5) {
      const p = xv.slice()
      const q = xv.slice()
      p[k] += 3e-2
      q[k] -= 3e-2
      const fd = (S(p) - S(q)) / 6e-2
      err += (fd - g[k]!) ** 2
      norm += fd * fd
    }
    console.log(
      'VAL fd eps',
      eps,
      'its',
      its,
      'rel',
      Math.sqrt(err / norm).toFixed(4),
      'ms',
      (performance.now() - t0).toFixed(0)
    )
  }
})
