import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { mmd2 } from '../../../src/engine/objectives/mmd'
import { energyDistance } from '../../../src/engine/objectives/energy'
import { sqdist, sqdistSelf } from '../../../src/engine/objectives/ops'
import { Rng } from '../../../src/engine/rng'

it('bench2', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  const B = 512
  const y = tf.tensor2d(rng.normals(B * 2), [B, 2])
  const xv = tf.variable(tf.tensor2d(rng.normals(B * 2), [B, 2]))
  const time = (name: string, f: () => tf.Scalar, grad = true) => {
    let best = Infinity
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now()
      for (let i = 0; i < 5; i++) {
        if (grad) {
          const res = tf.variableGrads(f)
          res.value.dataSync()
          tf.dispose([res.value, ...Object.values(res.grads)])
        } else {
          const v = f()
          v.dataSync()
          v.dispose()
        }
      }
      best = Math.min(best, (performance.now() - t0) / 5)
    }
    console.log(`T ${name}: ${best.toFixed(1)} ms`)
  }
  time('mmd h1 fwd', () => mmd2(xv, y, [1]), false)
  time('mmd h1', () => mmd2(xv, y, [1]))
  time('mmd h3', () => mmd2(xv, y, [0.1, 0.3, 1]))
  time('mmd h5', () => mmd2(xv, y, [0.05, 0.1, 0.2, 0.5, 1]))
  time('energy fwd', () => energyDistance(xv, y), false)
  time('energy', () => energyDistance(xv, y))
  time('sqdistSelf sum', () => tf.sum(sqdistSelf(xv)))
  time('sqdist sum', () => tf.sum(sqdist(xv, y)))
  time('sqdistSelf exp sum', () => tf.sum(tf.exp(tf.neg(sqdistSelf(xv)))))
}, 600_000)
