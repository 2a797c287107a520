import { it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { OBJECTIVES } from '../../../src/engine/objectives'
import { Mlp } from '../../../src/engine/models/mlp'
import { Rng } from '../../../src/engine/rng'

it('bench2', async () => {
  await initBackend('wasm')
  const rng = new Rng(3)
  const cases: [string, () => tf.Scalar][] = []
  for (const B of (process.env.BENCH_B ?? '256,512').split(',').map(Number)) {
    const y = tf.tensor2d(rng.normals(B * 2), [B, 2])
    const xv = tf.variable(tf.tensor2d(rng.normals(B * 2), [B, 2]))
    for (const o of OBJECTIVES) {
      const p = Object.fromEntries(Object.entries(o.params).map(([k, s]) => [k, s.default]))
      if (process.env.BENCH_SET) Object.assign(p, JSON.parse(process.env.BENCH_SET)[o.id] ?? {})
      cases.push([`B=${B} ${o.id}`, () => o.loss(xv, y, p, { rng, step: 0, steps: 1 })])
    }
    for (const width of [128, 256]) {
      const mlp = Mlp.create({ inDim: 2, outDim: 2, width, depth: 3, activation: 'silu' }, rng)
      const z = tf.tensor2d(rng.normals(B * 2), [B, 2])
      cases.push([`B=${B} mlp${width}`, () => tf.sum(mlp.apply(z))])
    }
  }
  const times = cases.map(() => [] as number[])
  for (let round = 0; round < 12; round++) {
    cases.forEach(([, f], i) => {
      const t0 = performance.now()
      for (let k = 0; k < 3; k++) {
        const r = tf.variableGrads(f)
        r.value.dataSync()
        tf.dispose([r.value, ...Object.values(r.grads)])
      }
      times[i]!.push((performance.now() - t0) / 3)
    })
  }
  cases.forEach(([name], i) => {
    const t = times[i]!.slice(2).sort((a, b) => a - b)
    console.log(`T ${name}: min ${t[0]!.toFixed(1)} median ${t[t.length >> 1]!.toFixed(1)} ms`)
  })
}, 600_000)
