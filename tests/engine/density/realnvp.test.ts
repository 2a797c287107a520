/**
 * RealNVP (§3, eq. (4)): the log-determinants against numerical Jacobians, exact inversion, the identity
 * initialisation's closed-form likelihood, serialisation, the 1-D flow's tensor hygiene, and the specification
 * checks.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { ConfigError } from '../../../src/engine/errors'
import { realnvp, RealNvpModel, type RealNvpWeights } from '../../../src/engine/objectives/density/realnvp'
import type { ModelSpec } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { ONESTEP } from '../map-model/harness'

beforeAll(async () => {
  await initBackend('wasm')
})

function spec(dim: number, params: Record<string, unknown> = {}, seed = 1): ModelSpec {
  return {
    dim,
    model: { latentDim: dim, base: 'normal', width: 16, depth: 2, activation: 'silu' },
    params: resolveParams('realnvp', realnvp.params, { couplings: 4, couplingWidth: 16, ...params }),
    lr: 1e-3,
    batch: 64,
    rng: new Rng(seed)
  }
}

/** A flow with random (non-identity) weights: fresh layers, then every weight perturbed. */
async function randomFlow(dim: number, seed = 7): Promise<RealNvpModel> {
  const fresh = (await realnvp.create(spec(dim, {}, seed))) as RealNvpModel
  const w = fresh.toJSON()
  fresh.dispose()
  const rng = new Rng(seed + 100)
  const perturbed: RealNvpWeights = JSON.parse(JSON.stringify(w))
  for (const net of perturbed.couplings ?? [])
    for (const l of net.layers) {
      l.w = l.w.map((v) => v + 0.4 * rng.normal())
      l.b = l.b.map((v) => v + 0.2 * rng.normal())
    }
  // 1-D: bumps of height c_k ~ 0.1–1 and slopes w_k ~ 0.5–2 (values stay O(1), within float32's reach)
  for (const l of perturbed.mono ?? []) {
    l.rc = l.rc.map(() => 0.5 * rng.normal() - 1.5)
    l.rw = l.rw.map(() => 0.5 * rng.normal() + 0.5)
    l.ra = 0.3 * rng.normal() - 0.5
    l.e = 0.3 * rng.normal()
  }
  const s = spec(dim)
  return realnvp.restore(perturbed, {
    dim,
    model: s.model,
    params: s.params,
    lr: s.lr,
    batch: s.batch
  }) as RealNvpModel
}

/** log|det| of a d × d matrix (row-major) by Gaussian elimination with partial pivoting, in float64. */
function logAbsDet(m: Float64Array, d: number): number {
  const a = Float64Array.from(m)
  let s = 0
  for (let c = 0; c < d; c++) {
    let p = c
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r * d + c]!) > Math.abs(a[p * d + c]!)) p = r
    if (p !== c) for (let j = 0; j < d; j++) [a[c * d + j], a[p * d + j]] = [a[p * d + j]!, a[c * d + j]!]
    const piv = a[c * d + c]!
    s += Math.log(Math.abs(piv))
    for (let r = c + 1; r < d; r++) {
      const f = a[r * d + c]! / piv
      for (let j = c; j < d; j++) a[r * d + j] = a[r * d + j]! - f * a[c * d + j]!
    }
  }
  return s
}

type Map = (x: tf.Tensor2D) => { y: tf.Tensor2D; logdet: tf.Tensor1D }

/**
 * Numerical Jacobians of `map` at the rows of x [n, d] (float32): central differences at steps h and h/2
 * combined by Richardson extrapolation (truncation error O(h⁴)), and the map's own logdet.
 */
function numericLogDets(
  map: Map,
  x: Float32Array,
  n: number,
  d: number,
  h: number
): { numeric: number[]; analytic: number[] } {
  const run = (v: Float32Array): Float32Array => {
    const { y, logdet } = map(tf.tensor2d(v, [n, d]))
    const out = y.dataSync() as Float32Array
    tf.dispose([y, logdet])
    return out
  }
  const jacobians = (step: number): Float64Array[] => {
    const J = Array.from({ length: n }, () => new Float64Array(d * d))
    for (let j = 0; j < d; j++) {
      const plus = Float32Array.from(x)
      const minus = Float32Array.from(x)
      for (let i = 0; i < n; i++) {
        plus[i * d + j] = plus[i * d + j]! + step
        minus[i * d + j] = minus[i * d + j]! - step
      }
      const yp = run(plus)
      const ym = run(minus)
      for (let i = 0; i < n; i++)
        for (let r = 0; r < d; r++) J[i]![r * d + j] = (yp[i * d + r]! - ym[i * d + r]!) / (2 * step)
    }
    return J
  }
  const coarse = jacobians(h)
  const fine = jacobians(h / 2)
  const J = fine.map((f, i) => f.map((v, k) => (4 * v - coarse[i]![k]!) / 3))
  const { y, logdet } = map(tf.tensor2d(x, [n, d]))
  const analytic = Array.from(logdet.dataSync())
  tf.dispose([y, logdet])
  return { numeric: J.map((m) => logAbsDet(m, d)), analytic }
}

describe.each([1, 2, 3, 5])('realnvp in d = %i', (d) => {
  const n = 24

  it('log|det Dψ⁻¹| equals the log|det| of the numerical Jacobian', async () => {
    const flow = await randomFlow(d)
    const x = new Rng(3).normals(n * d)
    const { numeric, analytic } = numericLogDets(
      (t) => {
        const { z, logdet } = flow.inverse(t)
        return { y: z, logdet }
      },
      x,
      n,
      d,
      2e-2
    )
    // the flow is far from the identity: the determinants vary
    expect(Math.max(...analytic) - Math.min(...analytic)).toBeGreaterThan(0.1)
    for (let i = 0; i < n; i++) expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(2e-3)
    flow.dispose()
  })

  it('log|det Dψ| of the sampling direction matches too, and equals −log|det Dψ⁻¹| at ψ(z)', async () => {
    const flow = await randomFlow(d)
    const z = new Rng(4).normals(n * d)
    const { numeric, analytic } = numericLogDets(
      (t) => {
        const { x, logdet } = flow.forward(t)
        return { y: x, logdet }
      },
      z,
      n,
      d,
      2e-2
    )
    for (let i = 0; i < n; i++) expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(2e-3)
    const back = tf.tidy(() => {
      const { x, logdet } = flow.forward(tf.tensor2d(z, [n, d]))
      return tf.add(logdet, flow.inverse(x).logdet)
    })
    for (const v of back.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-4)
    back.dispose()
    flow.dispose()
  })

  it('ψ(ψ⁻¹(x)) = x and ψ⁻¹(ψ(z)) = z', async () => {
    const flow = await randomFlow(d)
    const x = new Rng(5).normals(n * d)
    const [xx, zz] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, d])
      const a = flow.forward(flow.inverse(xt).z).x
      const b = flow.inverse(flow.forward(xt).x).z
      return [a, b]
    })
    const a = xx!.dataSync()
    const b = zz!.dataSync()
    for (let i = 0; i < n * d; i++) {
      expect(Math.abs(a[i]! - x[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(x[i]!)))
      expect(Math.abs(b[i]! - x[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(x[i]!)))
    }
    tf.dispose([xx!, zz!])
    flow.dispose()
  })

  it('restore(toJSON()) gives the same samples and likelihoods', async () => {
    const flow = await randomFlow(d)
    const s = spec(d)
    const copy = realnvp.restore(flow.toJSON(), {
      dim: d,
      model: s.model,
      params: s.params,
      lr: s.lr,
      batch: s.batch
    })
    const a = flow.sample(50, new Rng(9), ONESTEP)
    const b = copy.sample(50, new Rng(9), ONESTEP)
    expect(Array.from(b)).toEqual(Array.from(a))
    const held = { n: 50, d, data: new Rng(10).normals(50 * d) }
    expect(copy.evaluate!(held, new Rng(1)).nllNatsPerDim).toBeCloseTo(flow.evaluate(held).nllNatsPerDim!, 6)
    flow.dispose()
    copy.dispose()
  })
})

describe('realnvp', () => {
  it('starts at the identity (d ≥ 2): the NLL is the standard normal’s, ½E‖x‖²/d + ½ log 2π', async () => {
    for (const d of [2, 3]) {
      const flow = (await realnvp.create(spec(d))) as RealNvpModel
      const data = new Rng(2).normals(400 * d)
      let sq = 0
      for (const v of data) sq += v * v
      const expected = (0.5 * sq) / 400 / d + 0.5 * Math.log(2 * Math.PI)
      expect(flow.evaluate({ n: 400, d, data }).nllNatsPerDim).toBeCloseTo(expected, 4)
      flow.dispose()
    }
  })

  it('the 1-D flow’s density integrates to 1', async () => {
    const flow = await randomFlow(1)
    const N = 24001
    const grid = Float32Array.from({ length: N }, (_, i) => -60 + (120 * i) / (N - 1))
    const nll = tf.tidy(() => flow.nll(tf.tensor2d(grid, [N, 1])))
    const v = nll.dataSync()
    nll.dispose()
    let mass = 0
    for (let i = 0; i + 1 < N; i++)
      mass += 0.5 * (Math.exp(-v[i]!) + Math.exp(-v[i + 1]!)) * (grid[i + 1]! - grid[i]!)
    expect(mass).toBeCloseTo(1, 3)
    flow.dispose()
  })

  it('the 1-D flow (the conformance suite trains the 2-D one) releases what its steps, sampling, evaluation and snapshots allocate', async () => {
    const start = tf.memory().numTensors
    const flow = (await realnvp.create(spec(1, { couplings: 2, couplingWidth: 8 }))) as RealNvpModel
    const y = tf.tensor2d(new Rng(2).normals(16), [16, 1])
    const rng = new Rng(3)
    flow.step(y, { rng, step: 0, steps: 3 })
    const afterFirst = tf.memory().numTensors
    flow.step(y, { rng, step: 1, steps: 3 })
    flow.step(y, { rng, step: 2, steps: 3 })
    expect(tf.memory().numTensors).toBe(afterFirst)
    y.dispose()
    flow.sample(10, new Rng(4), ONESTEP)
    flow.evaluate({ n: 10, d: 1, data: new Rng(5).normals(10) })
    const snap = flow.snapshot()
    flow.restore(snap)
    tf.dispose(snap)
    expect(tf.memory().numTensors).toBe(afterFirst - 1)
    flow.dispose()
    expect(tf.memory().numTensors).toBe(start)
  })

  it('a training step lowers the NLL of the batch it saw', async () => {
    const flow = (await realnvp.create(spec(2))) as RealNvpModel
    const y = new Rng(3).normals(128 * 2).map((v, i) => (i % 2 ? 0.3 * v + 1 : 2 * v))
    const held = { n: 128, d: 2, data: y }
    const before = flow.evaluate(held).nllNatsPerDim!
    const yt = tf.tensor2d(y, [128, 2])
    for (let s = 0; s < 20; s++) flow.step(yt, { rng: new Rng(s), step: s, steps: 20 })
    yt.dispose()
    expect(flow.evaluate(held).nllNatsPerDim!).toBeLessThan(before - 0.05)
    flow.dispose()
  })

  it('dequantize trains on the batch plus Gaussian noise of that std, drawn from the step’s generator', async () => {
    const noisy = (await realnvp.create(spec(2, { dequantize: 0.1 }))) as RealNvpModel
    const plain = (await realnvp.create(spec(2))) as RealNvpModel
    const y = new Rng(3).normals(64 * 2)
    const jittered = new Rng(5).normals(64 * 2).map((e, i) => y[i]! + 0.1 * e)
    const start = tf.memory().numTensors
    const [yt, jt] = [tf.tensor2d(y, [64, 2]), tf.tensor2d(jittered, [64, 2])]
    const a = noisy.step(yt, { rng: new Rng(5), step: 0, steps: 1 }).loss
    const b = plain.step(jt, { rng: new Rng(5), step: 0, steps: 1 }).loss
    tf.dispose([yt, jt])
    expect(tf.memory().numTensors).toBe(start)
    expect(a).toBeCloseTo(b, 6)
    expect(noisy.toJSON().couplings).toEqual(plain.toJSON().couplings)
    // without it the same step sees the batch itself
    const again = (await realnvp.create(spec(2))) as RealNvpModel
    const yt2 = tf.tensor2d(y, [64, 2])
    expect(again.step(yt2, { rng: new Rng(5), step: 0, steps: 1 }).loss).not.toBeCloseTo(b, 3)
    yt2.dispose()
    for (const f of [noisy, plain, again]) f.dispose()
  })

  it('rejects a latent dimension other than the data’s and a uniform base', async () => {
    const s = spec(2)
    await expect(realnvp.create({ ...s, model: { ...s.model, latentDim: 3 } })).rejects.toThrow(ConfigError)
    await expect(realnvp.create({ ...s, model: { ...s.model, base: 'uniform' } })).rejects.toThrow(
      /N\(0, I\)/
    )
  })

  it('rejects weights of another kind or dimension', async () => {
    const flow = (await realnvp.create(spec(2))) as RealNvpModel
    const w = flow.toJSON()
    const s = spec(3)
    expect(() =>
      realnvp.restore(w, { dim: 3, model: s.model, params: s.params, lr: 1e-3, batch: 8 })
    ).toThrow(/2-D data/)
    expect(() =>
      realnvp.restore({ ...w, kind: 'vae' }, { dim: 2, model: s.model, params: s.params, lr: 1e-3, batch: 8 })
    ).toThrow(/kind "vae"/)
    flow.dispose()
  })
})
