/**
 * The forward-mode derivative of the MLP (models/mlp-jvp.ts) and of the jump network against central
 * differences of the network itself, for every activation and for the residual form.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { ACTIVATIONS, Mlp } from '../../../src/engine/models/mlp'
import { mlpJvp } from '../../../src/engine/models/mlp-jvp'
import { JumpNet } from '../../../src/engine/models/jump'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('cpu')
})

/** max |a − b| / max(1, max |b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0
  let s = 1
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!))
    s = Math.max(s, Math.abs(b[i]!))
  }
  return e / s
}

describe.each([...ACTIVATIONS])('mlpJvp (%s)', (activation) => {
  it.each([false, true])('matches central differences (residual: %s)', (residual) => {
    const rng = new Rng(3)
    const mlp = Mlp.create({ inDim: 3, outDim: 3, width: 16, depth: 2, activation, residual }, rng)
    const n = 32
    const x = rng.normals(n * 3)
    const dx = rng.normals(n * 3)
    const before = tf.memory().numTensors
    const { y, dy } = tf.tidy(() => mlpJvp(mlp, tf.tensor2d(x, [n, 3]), tf.tensor2d(dx, [n, 3])))
    const f = (eps: number): Float32Array =>
      tf.tidy(
        () =>
          mlp
            .apply(
              tf.tensor2d(
                x.map((v, i) => v + eps * dx[i]!),
                [n, 3]
              )
            )
            .dataSync() as Float32Array
      )
    const eps = 1e-2
    const [fp, fm, f0] = [f(eps), f(-eps), f(0)]
    const fd = fp.map((v, i) => (v - fm[i]!) / (2 * eps))
    const got = dy.dataSync()
    expect(relErr(y.dataSync(), f0)).toBeLessThan(1e-5)
    // Smooth activations: every entry; relu / leaky-relu: all but the few rows whose difference straddles a kink.
    const close = Array.from(got).filter(
      (g, i) => Math.abs(g - fd[i]!) < 2e-3 * Math.max(1, Math.abs(fd[i]!))
    )
    const kinked = activation === 'relu' || activation === 'leaky-relu'
    expect(close.length / got.length).toBeGreaterThanOrEqual(kinked ? 0.9 : 1)
    // The derivative is not trivially zero.
    expect(relErr(got, new Float32Array(fd.length))).toBeGreaterThan(0.05)
    tf.dispose([y, dy])
    expect(tf.memory().numTensors).toBe(before)
    mlp.dispose()
  })
})

describe('JumpNet', () => {
  it('jvp is the derivative of u(x + τẋ, t + τ, h − τ) in τ (the MeanFlow total derivative)', () => {
    const rng = new Rng(5)
    const net = JumpNet.create(
      { dim: 2, timeDim: 8, maxFreq: 30, width: 32, depth: 2, activation: 'silu' },
      rng
    )
    const n = 64
    const x = rng.normals(n * 2)
    const v = rng.normals(n * 2)
    const t = rng.uniforms(n, 0.1, 0.5)
    const h = rng.uniforms(n, 0.1, 0.4)
    const { u, du } = net.jvp(x, t, h, v, 1, -1)
    const at = (eps: number): Float32Array =>
      net.predict(
        x.map((xi, i) => xi + eps * v[i]!),
        t.map((ti) => ti + eps),
        h.map((hi) => hi - eps)
      )
    const eps = 1e-3
    const [fp, fm] = [at(eps), at(-eps)]
    const fd = fp.map((p, i) => (p - fm[i]!) / (2 * eps))
    expect(relErr(u, at(0))).toBeLessThan(1e-5)
    expect(relErr(du, fd)).toBeLessThan(5e-3)
    net.dispose()
  })

  it('jumpMap folds the constant times: z + h·u(z, t, h) as a residual MLP on z alone', () => {
    const rng = new Rng(6)
    const net = JumpNet.create(
      { dim: 2, timeDim: 8, maxFreq: 30, width: 16, depth: 2, activation: 'gelu' },
      rng
    )
    const z = rng.normals(20 * 2)
    const map = Mlp.fromJSON(net.jumpMap(0.25, 0.5))
    expect(map.spec.residual).toBe(true)
    const got = tf.tidy(() => map.apply(tf.tensor2d(z, [20, 2])).dataSync() as Float32Array)
    const u = net.predict(z, 0.25, 0.5)
    expect(
      relErr(
        got,
        z.map((zi, i) => zi + 0.5 * u[i]!)
      )
    ).toBeLessThan(1e-5)
    map.dispose()
    net.dispose()
  })
})
