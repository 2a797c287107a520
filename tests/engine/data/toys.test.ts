/**
 * Built-in generators: shape, determinism per seed, and one statistic per distribution re-derived from its
 * formula (n = 20000, seed fixed, tolerances several standard errors wide).
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import { BUILTINS, generateBuiltin, isBuiltin } from '../../../src/engine/data'
import type { Dataset } from '../../../src/engine/types'

const N = 20000
const SEED = 7
const cache = new Map<string, Dataset>()
const gen = (id: string): Dataset => {
  if (!cache.has(id)) cache.set(id, generateBuiltin(id, N, SEED))
  return cache.get(id)!
}

const xs = (ds: Dataset, j: number): number[] =>
  Array.from({ length: ds.n }, (_, i) => ds.data[i * ds.d + j]!)
const radii = (ds: Dataset): number[] =>
  Array.from({ length: ds.n }, (_, i) => Math.hypot(ds.data[2 * i]!, ds.data[2 * i + 1]!))
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
const variance = (v: number[]): number => {
  const m = mean(v)
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length
}
const frac = (v: number[], pred: (x: number) => boolean): number => v.filter(pred).length / v.length

/** The generated distributions (the image sets are tested in images.test.ts). */
const TOYS = BUILTINS.filter((b) => !b.image)

describe('BUILTINS table', () => {
  it('lists the FFJORD toys, the 1-D cases and the image sets with a formula each', () => {
    expect(BUILTINS.filter((b) => b.image).map((b) => b.id)).toEqual([
      'mnist',
      'mnist14',
      'fashion-mnist',
      'fashion-mnist14'
    ])
    expect(TOYS.map((b) => b.id)).toEqual([
      '8gaussians',
      '25gaussians',
      'moons',
      'circles',
      'checkerboard',
      'pinwheel',
      '2spirals',
      'swissroll',
      'rings',
      'normal',
      'uniform',
      'two-bands'
    ])
    for (const b of BUILTINS) {
      expect(b.title.length).toBeGreaterThan(3)
      expect(b.formula.length).toBeGreaterThan(5)
      expect(isBuiltin(b.id)).toBe(true)
    }
    expect(isBuiltin('toString')).toBe(false)
  })
})

describe.each(TOYS.map((b) => [b.id, b.dim] as const))('%s', (id, dim) => {
  it('has the right shape, names and source, and only finite values', () => {
    const ds = gen(id)
    expect([ds.n, ds.d, ds.data.length]).toEqual([N, dim, N * dim])
    expect(ds.data).toBeInstanceOf(Float32Array)
    expect(ds.columns).toEqual(dim === 1 ? ['x0'] : ['x0', 'x1'])
    expect(ds.name).toBe(id)
    expect(ds.source).toEqual({ kind: 'builtin', id, seed: SEED })
    expect(ds.data.every((v) => Number.isFinite(v))).toBe(true)
  })

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateBuiltin(id, 500, 11)
    const b = generateBuiltin(id, 500, 11)
    const c = generateBuiltin(id, 500, 12)
    expect(Array.from(a.data)).toEqual(Array.from(b.data))
    const same = a.data.filter((v, k) => v === c.data[k]).length
    expect(same).toBeLessThan(a.data.length / 10)
  })

  it('handles small and odd sizes exactly', () => {
    for (const n of [1, 2, 3, 7]) {
      const ds = generateBuiltin(id, n, 1)
      expect(ds.n).toBe(n)
      expect(ds.data.length).toBe(n * dim)
      expect(ds.data.every((v) => Number.isFinite(v))).toBe(true)
    }
  })
})

describe('statistics re-derived from the formulas', () => {
  it('8gaussians: 8 equal clusters at radius 4/1.414 ≈ 2.83 with std 0.5/1.414', () => {
    const ds = gen('8gaussians')
    const r = 4 / 1.414
    const centres = Array.from({ length: 8 }, (_, k) => [
      r * Math.cos((k * Math.PI) / 4),
      r * Math.sin((k * Math.PI) / 4)
    ])
    const counts = new Array<number>(8).fill(0)
    const dists: number[] = []
    for (let i = 0; i < ds.n; i++) {
      let best = 0
      let bestD = Infinity
      centres.forEach(([cx, cy], k) => {
        const d = Math.hypot(ds.data[2 * i]! - cx!, ds.data[2 * i + 1]! - cy!)
        if (d < bestD) [best, bestD] = [k, d]
      })
      counts[best]!++
      dists.push(bestD)
    }
    for (const c of counts) expect(Math.abs(c / N - 1 / 8)).toBeLessThan(0.012)
    // Distance to the centre is Rayleigh(σ) with σ = 0.5/1.414: mean σ·√(π/2).
    const sigma = 0.5 / 1.414
    expect(Math.abs(mean(dists) - sigma * Math.sqrt(Math.PI / 2))).toBeLessThan(0.01)
    expect(Math.abs(mean(radii(ds)) - r)).toBeLessThan(0.05)
  })

  it('25gaussians: 25 equal clusters on a 5 × 5 grid of spacing 2/2.828 with std 0.05/2.828', () => {
    const ds = gen('25gaussians')
    const h = 2 / 2.828
    const counts = new Array<number>(25).fill(0)
    const offsets: number[] = []
    for (let i = 0; i < ds.n; i++) {
      const [x, y] = [ds.data[2 * i]!, ds.data[2 * i + 1]!]
      const [gi, gj] = [Math.round(x / h), Math.round(y / h)]
      expect(Math.max(Math.abs(gi), Math.abs(gj))).toBeLessThanOrEqual(2)
      counts[(gi + 2) * 5 + gj + 2]!++
      offsets.push(x - gi * h, y - gj * h)
    }
    for (const c of counts) expect(Math.abs(c / N - 1 / 25)).toBeLessThan(0.006)
    expect(Math.abs(Math.sqrt(variance(offsets)) - 0.05 / 2.828)).toBeLessThan(0.0005)
  })

  it('moons: mean (0, 0.3) and x-std √(4·0.76) after the ×2 + (−1, −0.2) map', () => {
    const ds = gen('moons')
    expect(Math.abs(mean(xs(ds, 0)))).toBeLessThan(0.03)
    expect(Math.abs(mean(xs(ds, 1)) - 0.3)).toBeLessThan(0.02)
    // Var of x before the map: E[x²] − E[x]² = (¼ + ¾) − ¼ = 0.75, + noise 0.01; ×2 → ×4.
    expect(Math.abs(Math.sqrt(variance(xs(ds, 0))) - Math.sqrt(4 * 0.76))).toBeLessThan(0.03)
  })

  it('circles: half the points on radius 3, half on 1.5', () => {
    const r = radii(gen('circles'))
    const inner = r.filter((x) => x < 2.25)
    const outer = r.filter((x) => x >= 2.25)
    expect(Math.abs(inner.length / N - 0.5)).toBeLessThan(0.01)
    expect(Math.abs(mean(outer) - 3)).toBeLessThan(0.03)
    expect(Math.abs(mean(inner) - 1.5)).toBeLessThan(0.03)
  })

  it('checkerboard: every point on a dark square (⌊x/2⌋ + ⌊y/2⌋ even), 8 squares equally filled', () => {
    const ds = gen('checkerboard')
    const counts = new Map<string, number>()
    let light = 0
    for (let i = 0; i < ds.n; i++) {
      const a = Math.floor(ds.data[2 * i]! / 2)
      const b = Math.floor(ds.data[2 * i + 1]! / 2)
      if ((((a + b) % 2) + 2) % 2 !== 0) light++
      counts.set(`${a},${b}`, (counts.get(`${a},${b}`) ?? 0) + 1)
    }
    expect(light).toBe(0)
    expect(counts.size).toBe(8)
    for (const c of counts.values()) expect(Math.abs(c / N - 1 / 8)).toBeLessThan(0.012)
    expect(Math.max(...ds.data.map(Math.abs))).toBeLessThanOrEqual(4)
  })

  it('pinwheel: radius ≈ 2, and the angle sits on one of 5 arms θ = 2πk/5 + 0.25·exp(r/2)', () => {
    const ds = gen('pinwheel')
    expect(Math.abs(mean(radii(ds)) - 2)).toBeLessThan(0.03)
    const arm = (2 * Math.PI) / 5
    const armCounts = new Array<number>(5).fill(0)
    let onArm = 0
    for (let i = 0; i < ds.n; i++) {
      const x = ds.data[2 * i]! / 2
      const y = ds.data[2 * i + 1]! / 2
      // x = R(−θ)·f with f ≈ (r, 0): polar angle ≈ −θ.
      const theta = -Math.atan2(y, x) - 0.25 * Math.exp(Math.hypot(x, y))
      const k = Math.round(theta / arm)
      if (Math.abs(theta - k * arm) < 0.35) onArm++
      armCounts[((k % 5) + 5) % 5]!++
    }
    expect(onArm / N).toBeGreaterThan(0.95)
    for (const c of armCounts) expect(Math.abs(c / N - 0.2)).toBeLessThan(0.02)
  })

  it('2spirals: point-symmetric (mean 0) with mean radius ≈ π·E√U = 2π/3', () => {
    const ds = gen('2spirals')
    expect(Math.abs(mean(xs(ds, 0)))).toBeLessThan(0.05)
    expect(Math.abs(mean(xs(ds, 1)))).toBeLessThan(0.05)
    expect(Math.abs(mean(radii(ds)) - (2 * Math.PI) / 3)).toBeLessThan(0.06)
    expect(Math.max(...radii(ds))).toBeLessThan(Math.PI + 0.6)
  })

  it('swissroll: radius t/5 with t uniform on [1.5π, 4.5π]: mean 3π/5', () => {
    const r = radii(gen('swissroll'))
    expect(Math.abs(mean(r) - (3 * Math.PI) / 5)).toBeLessThan(0.03)
    expect(frac(r, (x) => x > 0.6 && x < 3.2)).toBeGreaterThan(0.99)
  })

  it('rings: radii 3, 2.25, 1.5, 0.75 with a quarter of the points each', () => {
    const ring = [3, 2.25, 1.5, 0.75]
    const counts = new Array<number>(4).fill(0)
    let near = 0
    for (const r of radii(gen('rings'))) {
      const k = ring.reduce((b, x, j) => (Math.abs(r - x) < Math.abs(r - ring[b]!) ? j : b), 0)
      counts[k]!++
      if (Math.abs(r - ring[k]!) < 0.3) near++
    }
    expect(near / N).toBeGreaterThan(0.99)
    for (const c of counts) expect(Math.abs(c / N - 0.25)).toBeLessThan(0.01)
  })

  it('normal: mean 0, variance 1', () => {
    const v = xs(gen('normal'), 0)
    expect(Math.abs(mean(v))).toBeLessThan(0.03)
    expect(Math.abs(variance(v) - 1)).toBeLessThan(0.04)
  })

  it('uniform: in [0, 1], mean ½, variance 1/12', () => {
    const v = xs(gen('uniform'), 0)
    expect(v.every((x) => x >= 0 && x <= 1)).toBe(true)
    expect(Math.abs(mean(v) - 0.5)).toBeLessThan(0.01)
    expect(Math.abs(variance(v) - 1 / 12)).toBeLessThan(0.003)
  })

  it('two-bands: no mass in (¼, ¾), half in each band', () => {
    const v = xs(gen('two-bands'), 0)
    expect(v.filter((x) => x > 0.25 && x < 0.75)).toEqual([])
    expect(v.every((x) => x >= 0 && x <= 1)).toBe(true)
    expect(Math.abs(frac(v, (x) => x <= 0.25) - 0.5)).toBeLessThan(0.015)
    expect(Math.abs(mean(v) - 0.5)).toBeLessThan(0.01)
    // Half U(0, ¼) (E[x²] = 1/48), half U(¾, 1) (E[x²] = (1 − ¾³)/(3·¼)); variance = E[x²] − ½².
    const ex2 = 0.5 * (1 / 48) + 0.5 * ((1 - 0.75 ** 3) / 3 / 0.25)
    expect(Math.abs(variance(v) - (ex2 - 0.25))).toBeLessThan(0.004)
  })
})

describe('generateBuiltin errors', () => {
  it('names the unknown id and lists the known ones', () => {
    expect(() => generateBuiltin('8gaussian', 10, 0)).toThrow(ConfigError)
    expect(() => generateBuiltin('8gaussian', 10, 0)).toThrow(
      /^Unknown built-in dataset "8gaussian" \(known: 8gaussians, 25gaussians, moons, circles, checkerboard, pinwheel, 2spirals, swissroll, rings, normal, uniform, two-bands, mnist, mnist14, fashion-mnist, fashion-mnist14\)\.$/
    )
  })

  it('rejects a bad size or seed', () => {
    expect(() => generateBuiltin('moons', 0, 0)).toThrow(/number of points must be an integer/)
    expect(() => generateBuiltin('moons', 2.5, 0)).toThrow(ConfigError)
    expect(() => generateBuiltin('moons', 10, 0.5)).toThrow(/seed must be an integer/)
  })
})
