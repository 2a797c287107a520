/**
 * The integrators against closed forms: a linear field v(x, t) = A x (solution e^{At} x₀) and a
 * time-dependent one v = −t x (solution e^{−t²/2} x₀); Euler's error halves and Heun's quarters when K doubles.
 * DDIM and ancestral DDPM with the exact noise predictor of Gaussian data.
 */
import { describe, expect, it } from 'vitest'
import {
  ddim,
  euler,
  eulerMaruyama,
  heun,
  uniformGrid,
  type VelocityField
} from '../../../src/engine/samplers'
import { vpSchedule } from '../../../src/engine/objectives/flows/schedule'
import { Rng } from '../../../src/engine/rng'

/** A = aI + bJ, J = [[0, 1], [−1, 0]]: e^{At} = e^{at} R(bt), a damped rotation. */
const a = -0.5
const b = 2
const linear: VelocityField = (x) => {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i += 2) {
    out[i] = a * x[i]! + b * x[i + 1]!
    out[i + 1] = -b * x[i]! + a * x[i + 1]!
  }
  return out
}
function linearExact(x0: Float32Array, t: number): Float64Array {
  const e = Math.exp(a * t)
  const c = Math.cos(b * t)
  const s = Math.sin(b * t)
  const out = new Float64Array(x0.length)
  for (let i = 0; i < x0.length; i += 2) {
    out[i] = e * (c * x0[i]! + s * x0[i + 1]!)
    out[i + 1] = e * (-s * x0[i]! + c * x0[i + 1]!)
  }
  return out
}
const timeDependent: VelocityField = (x, t) => x.map((v) => -t * v)

function maxErr(x: Float32Array, exact: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - exact[i]!))
  return m
}

const x0 = new Float32Array([1, 0, 0.3, -0.7, -1.2, 0.5])

describe.each([
  { method: 'euler', solve: euler, order: 1 },
  { method: 'heun', solve: heun, order: 2 }
])('$method converges at order $order', ({ solve, order }) => {
  const ratios = (errs: number[]): number[] => errs.slice(1).map((e, i) => errs[i]! / e)

  it('on v = A x (exact e^{At} x₀)', () => {
    const errs = [8, 16, 32, 64].map((K) =>
      maxErr(solve(linear, x0, uniformGrid(0, 1, K)), linearExact(x0, 1))
    )
    for (const r of ratios(errs)) expect(r).toBeGreaterThan(2 ** order * 0.85)
    for (const r of ratios(errs)) expect(r).toBeLessThan(2 ** order * 1.2)
  })

  it('on the time-dependent v = −t x, forwards and backwards in time', () => {
    const fwd = [8, 16, 32, 64].map((K) =>
      maxErr(
        solve(timeDependent, x0, uniformGrid(0, 1.5, K)),
        x0.map((v) => v * Math.exp(-(1.5 ** 2) / 2))
      )
    )
    const bwd = [8, 16, 32, 64].map((K) =>
      maxErr(
        solve(timeDependent, x0, uniformGrid(1.5, 0.5, K)),
        x0.map((v) => v * Math.exp((1.5 ** 2 - 0.5 ** 2) / 2))
      )
    )
    for (const r of [...ratios(fwd), ...ratios(bwd)]) {
      expect(r).toBeGreaterThan(2 ** order * 0.85)
      expect(r).toBeLessThan(2 ** order * 1.2)
    }
  })

  it('leaves its input untouched', () => {
    const copy = Float32Array.from(x0)
    solve(linear, x0, uniformGrid(0, 1, 4))
    expect(Array.from(x0)).toEqual(Array.from(copy))
  })
})

it('uniformGrid spans [t0, t1] in K equal steps and rejects K < 1', () => {
  expect(uniformGrid(1, 0, 4)).toEqual([1, 0.75, 0.5, 0.25, 0])
  expect(() => uniformGrid(0, 1, 0)).toThrow(/steps/)
})

describe('VP samplers with the exact noise predictor of Gaussian data N(0, s² I)', () => {
  // x_t ~ N(0, (ᾱ s² + 1 − ᾱ) I), so E[ε | x_t] = √(1−ᾱ) x_t / (ᾱ s² + 1 − ᾱ).
  const s2 = 0.25
  const sch = vpSchedule('linear')
  const exactEps = (x: Float32Array, t: number): Float32Array => {
    const ab = sch.alphaBar(t)
    const k = Math.sqrt(1 - ab) / (ab * s2 + 1 - ab)
    return x.map((v) => k * v)
  }
  const n = 20_000
  const z = new Rng(3).normals(n)
  const variance = (x: Float32Array): number => x.reduce((acc, v) => acc + v * v, 0) / x.length

  it('DDIM (η = 0) converges at order 1 to the flow map z ↦ s z / √(ᾱ₁s² + 1 − ᾱ₁)', () => {
    const ab1 = sch.alphaBar(1)
    const scale = Math.sqrt(s2) / Math.sqrt(ab1 * s2 + 1 - ab1)
    const errs = [25, 50, 100].map((K) => {
      const x = ddim(exactEps, z.subarray(0, 8), uniformGrid(1, 0, K), sch.alphaBar, 0)
      return maxErr(
        x,
        Array.from(z.subarray(0, 8), (v) => v * scale)
      )
    })
    expect(errs[0]! / errs[1]!).toBeGreaterThan(1.7)
    expect(errs[1]! / errs[2]!).toBeGreaterThan(1.7)
    expect(errs[1]! / errs[2]!).toBeLessThan(2.3)
    const zmax = Math.max(...Array.from(z.subarray(0, 8), Math.abs))
    expect(errs[2]!).toBeLessThan(0.02 * zmax)
  })

  it('ancestral DDPM (η = 1) draws variance s²', () => {
    const x = ddim(exactEps, z, uniformGrid(1, 0, 200), sch.alphaBar, 1, new Rng(4))
    expect(variance(x)).toBeCloseTo(s2, 1)
    expect(Math.abs(variance(x) - s2)).toBeLessThan(0.02)
  })

  it('DDIM with η > 0 needs a random stream', () => {
    expect(() => ddim(exactEps, z.subarray(0, 2), uniformGrid(1, 0, 2), sch.alphaBar, 1)).toThrow(/Rng/)
  })
})

it('Euler–Maruyama reproduces the OU variance 1 − e^{−2T} (eq. (5), E = ‖x‖²/2)', () => {
  const n = 20_000
  const x = eulerMaruyama(
    (v) => v.map((u) => -u),
    () => Math.SQRT2,
    new Float32Array(n),
    uniformGrid(0, 0.5, 200),
    new Rng(5)
  )
  const v = x.reduce((acc, u) => acc + u * u, 0) / n
  expect(Math.abs(v - (1 - Math.exp(-1)))).toBeLessThan(0.03)
})
