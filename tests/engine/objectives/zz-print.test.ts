import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { sinkhornDivergence } from '../../../src/engine/objectives/sinkhorn'
import { Rng } from '../../../src/engine/rng'

it('print', async () => {
  await initBackend('wasm')
  for (const eps of [0.01, 0.1]) for (const it of [5, 10, 20, 50, 200]) {
    const rng = new Rng(4)
    const v = tf.tidy(() => {
      const x = tf.tensor2d(rng.normals(512), [256, 2])
      const y = tf.tensor2d(rng.normals(512), [256, 2])
      const same = sinkhornDivergence(x, y, eps, it).dataSync()[0]!
      const sh = sinkhornDivergence(x, tf.add(x, tf.tensor1d([1, 0.5])) as tf.Tensor2D, eps, it).dataSync()[0]!
      return [same, sh]
    })
    console.log('VAL eps', eps, 'it', it, v.map((a) => a.toFixed(5)).join(' '))
  }
})
