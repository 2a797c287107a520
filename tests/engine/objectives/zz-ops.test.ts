import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { Rng } from '../../../src/engine/rng'

it('ops', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  const B = 512
  const a = tf.tensor2d(rng.normals(B * B), [B, B])
  const x = tf.tensor2d(rng.normals(B * 2), [B, 2])
  const xa = tf.tensor2d(rng.normals(B * 4), [B, 4])
  const xb = tf.tensor2d(rng.normals(B * 4), [4, B])
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
  time('identity-ish add0', () => tf.add(a, 0))
  time('mul scalar', () => tf.mul(a, 0.5))
  time('mul mat', () => tf.mul(a, a))
  time('exp', () => tf.exp(a))
  time('sqrt', () => tf.sqrt(tf.abs(a)))
  time('abs', () => tf.abs(a))
  time('sum all', () => tf.sum(a))
  time('sum axis1', () => tf.sum(a, 1))
  time('sum axis0', () => tf.sum(a, 0))
  time('max axis1', () => tf.max(a, 1))
  time('transpose', () => tf.transpose(a))
  time('logSumExp axis1', () => tf.logSumExp(a, 1))
  time('fused matmul B×4×B relu', () => tf.fused.matMul({ a: xa, b: xb, activation: 'relu' }))
  time('matmul B×B×3', () => tf.matMul(a, tf.concat([x, tf.ones([B, 1])], 1)))
  time('cos B×256', () => tf.cos(tf.slice(a, [0, 0], [B, 256])))
  time('sub bcast', () => tf.sub(tf.slice(a, [0, 0], [1, B]), a))
}, 600_000)
