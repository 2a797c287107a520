import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { OBJECTIVES } from '../../../src/engine/objectives'
import { Rng } from '../../../src/engine/rng'
import { Mlp } from '../../../src/engine/models/mlp'

it('bench', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  for (const B of [256, 512]) {
    const y = tf.tensor2d(rng.normals(B * 2), [B, 2])
    const xv = tf.variable(tf.tensor2d(rng.normals(B * 2), [B, 2]))
    const time = (name: string, f: () => tf.Scalar) => {
      for (let i = 0; i < 3; i++) tf.dispose(tf.variableGrads(f))
      const t0 = performance.now()
      const N = 10
      for (let i = 0; i < N; i++) {
        const r = tf.variableGrads(f)
        r.value.dataSync()
        tf.dispose([r.value, ...Object.values(r.grads)])
      }
      console.log(`B=${B} ${name}: ${((performance.now() - t0) / N).toFixed(1)} ms`)
    }
    for (const o of OBJECTIVES) {
      const p = Object.fromEntries(Object.entries(o.params).map(([k, s]) => [k, s.default]))
      time(o.id, () => o.loss(xv, y, p, { rng, step: 0, steps: 1 }))
    }
    for (const width of [128, 256]) {
      const mlp = Mlp.create({ inDim: 2, outDim: 2, width, depth: 3, activation: 'silu' }, rng)
      const z = tf.tensor2d(rng.normals(B * 2), [B, 2])
      time(`mlp${width} sum`, () => tf.sum(mlp.apply(z)))
      time(`mlp${width}+energy`, () => OBJECTIVES[1]!.loss(mlp.apply(z), y, {}, { rng, step: 0, steps: 1 }))
      mlp.dispose()
      z.dispose()
    }
    tf.dispose([y, xv])
  }
}, 600_000)
