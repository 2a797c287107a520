import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { Rng } from '../../../src/engine/rng'

it('ops', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  const B = 512
  const a = tf.abs(tf.tensor2d(rng.normals(B * B), [B, B]))
  const big = tf.mul(a, -200)
  const den = tf.add(tf.mul(a, 0.01), -95)
  const time = (name: string, f: () => tf.Tensor) => {
    let best = Infinity
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now()
      for (let i = 0; i < 10; i++) {
        const t = f()
        t.dataSync()
        t.dispose()
      }
      best = Math.min(best, (performance.now() - t0) / 10)
    }
    console.log(`OP ${name}: ${best.toFixed(2)} ms`)
  }
  time('mul', () => tf.mul(a, a))
  time('mul scalar', () => tf.mul(a, 0.5))
  time('exp(-a)', () => tf.exp(tf.neg(a)))
  time('exp(-200a)', () => tf.exp(big))
  time('exp(denormal range)', () => tf.exp(den))
  const e = tf.exp(den)
  time('mul denormals', () => tf.mul(e, 0.5))
  time('clip -80..0', () => tf.clipByValue(big, -80, 0))
  time('minimum scalar', () => tf.minimum(big, 0))
  time('maximum scalar', () => tf.maximum(big, -80))
  time('exp(clip)', () => tf.exp(tf.clipByValue(big, -80, 0)))
  time('sqrt', () => tf.sqrt(a))
  time('square', () => tf.square(a))
  time('neg', () => tf.neg(a))
  time('sum', () => tf.sum(a))
  time('addN 5', () => tf.addN([a, a, a, a, a]))
}, 600_000)
