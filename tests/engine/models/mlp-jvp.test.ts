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

/** The central difference of u(x + τẋ, t + τ, h − τ) at τ = 0: what `jvp(x, t, h, ẋ, 1, −1)` returns exactly. */
function pathDerivative(
  net: JumpNet,
  x: Float32Array,
  t: Float32Array,
  h: Float32Array,
  v: Float32Array,
  eps: number
): Float32Array {
  const at = (e: number): Float32Array =>
    net.predict(
      x.map((xi, i) => xi + e * v[i]!),
      t.map((ti) => ti + e),
      h.map((hi) => hi - e)
    )
  const [fp, fm] = [at(eps), at(-eps)]
  return fp.map((p, i) => (p - fm[i]!) / (2 * eps))
}

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
    expect(relErr(u, net.predict(x, t, h))).toBeLessThan(1e-5)
    expect(relErr(du, pathDerivative(net, x, t, h, v, 1e-3))).toBeLessThan(5e-3)
    net.dispose()
  })

  it('a data-predicting net: u = (x̂ − x)/(1 − t) and its jvp match finite differences, above and at the bound', () => {
    const rng = new Rng(15)
    const net = JumpNet.create(
      { dim: 3, timeDim: 8, maxFreq: 5, width: 32, depth: 2, activation: 'tanh', predict: 'data' },
      rng
    )
    const n = 40
    const x = rng.normals(n * 3)
    const v = rng.normals(n * 3)
    // half the rows well inside 1 − t > 0.05, half past the bound (1 − t clipped to 0.05: s constant)
    const t = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0.1 + 0.015 * i : 0.97 + 0.0005 * i))
    const h = rng.uniforms(n, 0.1, 0.4)
    const { u, du } = net.jvp(x, t, h, v, 1, -1)
    const raw = (xs: Float32Array, ts: Float32Array, hs: Float32Array): Float32Array =>
      tf.tidy(
        () => net.applyInput(tf.tensor2d(net.input(xs, ts, hs), [n, net.inDim])).dataSync() as Float32Array
      )
    const o = raw(x, t, h)
    const expected = o.map((oi, j) => (oi - x[j]!) / Math.max(1 - t[Math.floor(j / 3)]!, 0.05))
    expect(relErr(u, expected)).toBeLessThan(1e-5)
    expect(relErr(net.predict(x, t, h), expected)).toBeLessThan(1e-6)
    expect(relErr(du, pathDerivative(net, x, t, h, v, 1e-4))).toBeLessThan(5e-3)
    // The regression target of the raw output is the end point x + (1 − t)·u.
    const target = net.outputTarget(x, t, u)
    expect(relErr(target, o)).toBeLessThan(1e-5)
    net.dispose()
  })

  it('a data-predicting net folds its jumps with the input scaled: (1 − a)·z + a·x̂, a = step/(1 − t)', () => {
    const rng = new Rng(16)
    const net = JumpNet.create(
      { dim: 2, timeDim: 8, maxFreq: 5, width: 16, depth: 2, activation: 'silu', predict: 'data' },
      rng
    )
    const z = rng.normals(20 * 2)
    for (const [t, h, step] of [
      [0, 1, 1],
      [0.5, 0.5, 0.5],
      [0.25, 0.25, 0.25]
    ] as const) {
      const w = net.jumpMap(t, h, step)
      expect(w.spec.skip ?? 1).toBeCloseTo(1 - step / (1 - t), 12)
      const map = Mlp.fromJSON(w)
      const got = tf.tidy(() => map.apply(tf.tensor2d(z, [20, 2])).dataSync() as Float32Array)
      const u = net.predict(z, t, h)
      expect(
        relErr(
          got,
          z.map((zi, i) => zi + step * u[i]!)
        )
      ).toBeLessThan(1e-5)
      map.dispose()
    }
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
