/**
 * Footnote 3 (§2): the closed forms re-derived, and the two dynamics — the GAN with a best-response adversary
 * keeps looping, the mean formulation D₂ settles.
 */
import { describe, expect, it } from 'vitest'
import {
  bestResponse,
  blurred,
  d2Loss,
  generatorGradient,
  lastHalfRange,
  modelDensity,
  reproFootnote3,
  targetDensity,
  targetFourier,
  totalVariation,
  uniformFourier
} from '../../../src/engine/repro/footnote3'

/** Midpoint rule on (0, 1). */
function integrate(f: (x: number) => number, n = 200_000): number {
  let s = 0
  for (let i = 0; i < n; i++) s += f((i + 0.5) / n)
  return s / n
}

describe('footnote 3 closed forms', () => {
  it('TV(μ_a, μ₁) = ½∫|p_a − p₁| = 1 − 2|a − ¼|', () => {
    for (const a of [0, 0.1, 0.25, 0.37, 0.5]) {
      const tv = 0.5 * integrate((x) => Math.abs(modelDensity(a, x) - targetDensity(x)))
      expect(totalVariation(a)).toBeCloseTo(tv, 4)
    }
  })

  it('the adversary’s best responses: the footnote’s 1_(½,1) against U(0,½) and 1_(0,½) against U(½,1)', () => {
    expect(bestResponse(0)).toEqual([[0.5, 1]])
    expect(bestResponse(0.5)).toEqual([[0, 0.5]])
    expect(bestResponse(0, 'strict')).toEqual([[0.75, 1]])
    expect(bestResponse(0.5, 'strict')).toEqual([[0, 0.25]])
    // both tie-breaks attain the sup of ⟨f | μ₁ − μ_a⟩ over [0, 1]-valued f, which is the TV distance
    for (const a of [0, 0.1, 0.3, 0.5])
      for (const rule of ['footnote', 'strict'] as const) {
        const A = bestResponse(a, rule)
        const inA = (x: number): number => (A.some(([l, r]) => x > l && x < r) ? 1 : 0)
        expect(integrate((x) => inA(x) * (targetDensity(x) - modelDensity(a, x)))).toBeCloseTo(
          totalVariation(a),
          4
        )
      }
  })

  it('the generator gradient is d/da ⟨f_h | μ_a⟩', () => {
    const f: [number, number][] = [[0.5, 1]]
    const h = 0.05
    const value = (a: number): number =>
      2 * integrate((x) => (x > a && x < a + 0.5 ? blurred(f, x, h) : 0), 20_000)
    for (const a of [0.02, 0.2, 0.4]) {
      const fd = (value(a + 1e-3) - value(a - 1e-3)) / 2e-3
      expect(generatorGradient(f, a, h)).toBeCloseTo(fd, 2)
    }
  })

  it('Fourier coefficients and the D₂ gradient', () => {
    for (const k of [1, 2, 3, 7]) {
      const w = 2 * Math.PI * k
      const [tr, ti] = targetFourier(k)
      expect(tr).toBeCloseTo(
        integrate((x) => targetDensity(x) * Math.cos(w * x)),
        5
      )
      expect(ti).toBeCloseTo(
        integrate((x) => targetDensity(x) * Math.sin(w * x)),
        5
      )
      const [mr, mi] = uniformFourier(0.2, 0.7, k)
      expect(mr).toBeCloseTo(
        integrate((x) => modelDensity(0.2, x) * Math.cos(w * x)),
        5
      )
      expect(mi).toBeCloseTo(
        integrate((x) => modelDensity(0.2, x) * Math.sin(w * x)),
        5
      )
    }
    for (const a of [0.05, 0.2, 0.33]) {
      const fd = (d2Loss(a + 1e-6, 10).loss - d2Loss(a - 1e-6, 10).loss) / 2e-6
      expect(d2Loss(a, 10).grad).toBeCloseTo(fd, 5)
    }
    // a = ¼ is a stationary point (the maximum by symmetry); the ends are the minima
    expect(Math.abs(d2Loss(0.25, 10).grad)).toBeLessThan(1e-9)
    expect(d2Loss(0, 10).loss).toBeCloseTo(d2Loss(0.5, 10).loss, 10)
    expect(d2Loss(0, 10).loss).toBeLessThan(d2Loss(0.1, 10).loss)
  })
})

describe('footnote 3 dynamics', () => {
  const r = reproFootnote3()

  it('the GAN keeps looping between U(0,½) and U(½,1)', () => {
    expect(lastHalfRange(r.gan.aTrace)).toBeGreaterThanOrEqual(0.2)
    const tail = r.gan.aTrace.slice(r.gan.aTrace.length / 2)
    expect(Math.min(...tail)).toBeLessThan(0.05)
    expect(Math.max(...tail)).toBeGreaterThan(0.45)
  })

  /**
   * Why a = 0 is the right answer and not an artefact of the descent or of the clamp. The test functions
   * e^{2πikx} are 1-periodic, so D₂ only sees the measures wrapped on the circle ℝ/ℤ: there μ₁ is the arc
   * (−¼, ¼) and μ_a the arc (a, a + ½), i.e. μ₁ rotated by a + ¼. With |⟨f_k | μ₁⟩| = |sin(πk/2)|/(πk/2),
   *   D₂²(a) = (1/K) Σ_k |⟨f_k | μ₁⟩|² · 4 sin²(πk(a + ¼)),
   * which vanishes only at a ≡ −¼ (mod 1) — the target's own arc, but outside the footnote's family a ∈ [0, ½].
   * On [0, ½] it is symmetric about ¼ (a ↔ ½ − a) and strictly increasing on [0, ¼] (for K = 10 the
   * derivative is a partial sum of the square wave's Fourier series, positive there), so the constrained
   * minimisers are exactly the ends a = 0 and a = ½, where the model covers half of the target's mass
   * (TV = ½, the same minimisers as the GAN's TV). Projected gradient descent from a₀ < ¼ ends at a = 0, from
   * a₀ > ¼ at a = ½; a = ¼ (disjoint supports) is the maximum.
   */
  it('D₂ settles at its constrained minimiser: a = 0 from a₀ = 0.1, a = ½ from a₀ = 0.3', () => {
    expect(lastHalfRange(r.d2.aTrace)).toBeLessThanOrEqual(0.01)
    expect(r.d2.aFinal).toBeCloseTo(0, 6)
    expect(r.d2.aTrace.at(-1)).toBe(r.d2.aFinal)
    expect(reproFootnote3({ a0: 0.3 }).d2.aFinal).toBeCloseTo(0.5, 6)
    // the closed form above, and the landscape it implies on a fine grid of [0, ½]
    const c = (k: number): number => Math.abs(Math.sin((Math.PI * k) / 2)) / ((Math.PI * k) / 2)
    const closed = (a: number): number => {
      let s = 0
      for (let k = 1; k <= 10; k++) s += c(k) ** 2 * 4 * Math.sin(Math.PI * k * (a + 0.25)) ** 2
      return s / 10
    }
    let prev = -Infinity
    for (let i = 0; i <= 1000; i++) {
      const a = i / 4000
      const { loss } = d2Loss(a, 10)
      expect(loss).toBeCloseTo(closed(a), 10)
      expect(loss).toBeGreaterThan(prev)
      expect(d2Loss(0.5 - a, 10).loss).toBeCloseTo(loss, 12)
      prev = loss
    }
    // the exact match exists only outside [0, ½]: the target's own arc at a = −¼ ≡ ¾ (mod 1)
    expect(d2Loss(-0.25, 10).loss).toBeLessThan(1e-12)
    expect(d2Loss(0.75, 10).loss).toBeLessThan(1e-12)
    expect(d2Loss(0, 10).loss).toBeGreaterThan(0.09)
  })

  it('the loop needs a generator that follows a fixed adversary: refreshed every step, a creeps towards ¼', () => {
    const every = reproFootnote3({ generatorSteps: 1 }).gan.aTrace
    for (let i = 1; i < every.length; i++) expect(every[i]!).toBeGreaterThanOrEqual(every[i - 1]!)
    expect(lastHalfRange(every)).toBeLessThan(0.02)
    expect(every.at(-1)!).toBeGreaterThan(0.1)
    expect(every.at(-1)!).toBeLessThan(0.25)
    const strict = reproFootnote3({ generatorSteps: 1, adversary: 'strict' })
    expect(strict.gan.aTrace.at(-1)!).toBeLessThan(1e-6)
  })

  it('renders the plot', () => {
    expect(r.svg.startsWith('<svg')).toBe(true)
    expect(r.svg).toContain('GAN')
    expect(r.svg).toContain('D₂')
    expect(r.gan.aTrace).toHaveLength(400)
  })
})

describe('pfm repro footnote3 (runFootnote3)', () => {
  it('writes the plot and reports both dynamics as one JSON object', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const { runFootnote3 } = await import('../../../src/cli/commands/repro-footnote3')
    const { Out } = await import('../../../src/cli/io')
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-fn3-')), 'fn3.svg')
    const lines: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write
    let code: number
    try {
      code = await runFootnote3({ out: file, steps: '300' }, new Out(true))
    } finally {
      process.stdout.write = write
    }
    expect(code).toBe(0)
    const r = JSON.parse(lines.join(''))
    expect(r).toMatchObject({ figure: 'footnote3', iterations: 300, pass: true, plot: file })
    // the spec's keys: { gan: { aTrace }, d2: { aTrace, aFinal }, plot }
    expect(r.gan.aTrace).toHaveLength(300)
    expect(r.d2.aTrace).toHaveLength(300)
    expect(r.d2.aFinal).toBe(r.d2.aTrace[299])
    expect(r.d2.aFinal).toBeCloseTo(0, 6)
    expect(Math.max(...r.gan.aTrace.slice(150)) - Math.min(...r.gan.aTrace.slice(150))).toBe(
      r.gan.rangeLastHalf
    )
    expect(r.gan.rangeLastHalf).toBeGreaterThanOrEqual(0.2)
    expect(r.d2.rangeLastHalf).toBeLessThanOrEqual(0.01)
    expect(fs.readFileSync(file, 'utf8').startsWith('<svg')).toBe(true)
    await expect(
      runFootnote3({ out: path.join(path.dirname(file), 'x.png') }, new Out(true))
    ).rejects.toThrow(/\.svg/)
    await expect(runFootnote3({ out: file, steps: '1.5' }, new Out(true))).rejects.toThrow(/integer/)
  })
})
