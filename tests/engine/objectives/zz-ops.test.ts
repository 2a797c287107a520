import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { Rng } from '../../../src/engine/rng'

it('ops', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  const B = 512
  const a = tf.tensor2d(rng.normals(B * B), [B, B])
  const xa = tf.tensor2d(rng.normals(B * 4), [B, 4])
  const xb = tf.tensor2d(rng.normals(B * 4), [4, B])
  const xa8 = tf.tensor2d(rng.normals(B * 8), [B, 8])
  const xb8 = tf.tensor2d(rng.normals(B * 8), [8, B])
  const col = tf.tensor2d(rng.normals(B), [B, 1])
  const row = tf.tensor2d(rng.normals(B), [1, B])
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
  time('mul mat', () => tf.mul(a, a))
  time('exp', () => tf.exp(a))
  time('sqrt', () => tf.sqrt(a))
  time('relu', () => tf.relu(a))
  time('maximum 0', () => tf.maximum(a, 0))
  time('sub col', () => tf.sub(a, col))
  time('sub row', () => tf.sub(a, row))
  time('add row', () => tf.add(a, row))
  time('mul col', () => tf.mul(a, col))
  time('matmul 4 plain', () => tf.matMul(xa, xb))
  time('matmul 8 plain', () => tf.matMul(xa8, xb8))
  time('fused 4 relu', () => tf.fused.matMul({ a: xa, b: xb, activation: 'relu' }))
  time('matmul 4 + relu', () => tf.relu(tf.matMul(xa, xb)))
  time('matvec B×B×1', () => tf.matMul(a, col))
  time('matvec 1×B×B', () => tf.matMul(row, a))
  time('sin', () => tf.sin(a))
  time('sin small', () => tf.sin(tf.mul(a, 0.01)))
  time('sigmoid', () => tf.sigmoid(a))
  time('tanh', () => tf.tanh(a))
  time('log', () => tf.log(tf.abs(a)))
  const v = a.dataSync() as Float32Array
  let best = Infinity
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now()
    const c = new Float32Array(v.length)
    const s = new Float32Array(v.length)
    for (let i = 0; i < v.length; i++) {
      c[i] = Math.cos(v[i]! * 6)
      s[i] = Math.sin(v[i]! * 6)
    }
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`OP JS cos+sin 262k: ${best.toFixed(2)} ms`)
  best = Infinity
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now()
    const c = new Float32Array(v.length)
    for (let i = 0; i < v.length; i++) c[i] = Math.exp(v[i]!)
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`OP JS exp 262k: ${best.toFixed(2)} ms`)
}, 600_000)
