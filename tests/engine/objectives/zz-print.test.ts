import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { sinkhornDivergence } from '../../../src/engine/objectives/sinkhorn'
import { Rng } from '../../../src/engine/rng'

it('print', async () => {
  await initBackend('wasm')
  for (const eps of [0.1])
    for (const it of [10]) {
      const rng = new Rng(4)
      const v = tf.tidy(() => {
        const x = tf.tensor2d(rng.normals(512), [256, 2])
        const y = tf.tensor2d(rng.normals(512), [256, 2])
        const same = sinkhornDivergence(x, y, eps, it).dataSync()[0]!
        const sh = sinkhornDivergence(
          x,
          tf.add(x, tf.tensor1d([1, 0.5])) as tf.Tensor2D,
          eps,
          it
        ).dataSync()[0]!
        return [same, sh]
      })
      console.log('VAL eps', eps, 'it', it, v.map((a) => a.toFixed(5)).join(' '))
    }
  // gradient check against finite differences
  for (const its of [200, 1000]) {
    const rng = new Rng(5)
    const x = tf.tensor2d(rng.normals(64), [32, 2])
    const y = tf.tensor2d(
      rng.normals(64).map((v) => v + 0.3),
      [32, 2]
    )
    const g = tf
      .grad((xx: tf.Tensor) => sinkhornDivergence(xx as tf.Tensor2D, y, 0.1, its))(x)
      .dataSync()
    const xv = x.dataSync().slice()
    let err = 0,
      norm = 0
    for (let k = 0; k < 64; k++) {
      const h = 3e-2
      const p = xv.slice()
      p[k]! += h
      const q = xv.slice()
      q[k]! -= h
      const fp = sinkhornDivergence(tf.tensor2d(p, [32, 2]), y, 0.1, its).dataSync()[0]!
      const fq = sinkhornDivergence(tf.tensor2d(q, [32, 2]), y, 0.1, its).dataSync()[0]!
      const fd = (fp - fq) / (2 * h)
      err += (fd - g[k]!) ** 2
      norm += fd ** 2
      if (k < 6) console.log('VAL grad', k, g[k]!.toFixed(5), fd.toFixed(5))
    }
    console.log('VAL its', its, 'rel err', Math.sqrt(err / norm).toFixed(4))
  }
})
