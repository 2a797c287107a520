/**
 * The paper's footnote 3 (§2): why the maximum formulation (eq. (2)) can fail to settle where the mean
 * formulation (eq. (3)) does. Target μ₁ = U((0, ¼) ∪ (¾, 1)); model μ_a = U(a, a + ½), a ∈ [0, ½]; both
 * densities equal 2 on their supports. Everything is in closed form — no sampling, no network.
 *
 * GAN (max formulation, F = functions into [0, 1], so D∞ = total variation). Each round the adversary plays a
 * closed-form best response f = 1_A, then the generator takes gradient steps on a for the fixed f:
 * - A = {p₁ > p_a} ∪ {p₁ = p_a = 0} (`adversary: 'footnote'`, the default): where the target density exceeds the
 *   model's, ties broken towards 1 where neither has mass — the footnote's choice (against U(0, ½) it gives
 *   f = 1_(½,1), against U(½, 1) it gives 1_(0,½)); `'strict'`: A = {p₁ > p_a} only. Both maximise ⟨f | μ₁ − μ_a⟩.
 * - The generator ascends ⟨f | μ_a⟩ = 2∫_a^{a+½} f, i.e. descends ⟨f | μ_a − μ₁⟩ with the sign of eq. (2)
 *   for the adversary's f (the value of the game for the model is the TV distance). An indicator has no
 *   useful derivative (its jumps sit exactly on the model's endpoints), so the generator sees f through a
 *   narrow Gaussian blur f_h (width `smoothing`, a stand-in for a smooth discriminator):
 *     d/da ⟨f_h | μ_a⟩ = 2 (f_h(a + ½) − f_h(a)),   a ← Π_[0,½](a + lr · that).
 *   The adversary is refreshed every `generatorSteps` generator steps (the generator trains against a fixed
 *   discriminator for a while, as in the footnote's narrative "it will push φ to learn U(½, 1)").
 *
 * D₂ (mean formulation, eq. (3)) with the fixed test functions f_k(x) = e^{2πikx}, k = 1..K, τ uniform:
 *   D₂²(a) = (1/K) Σ_k |⟨f_k | μ_a⟩ − ⟨f_k | μ₁⟩|²,  ⟨f_k | U(l, r)⟩ = (e^{2πikr} − e^{2πikl}) / (2πik (r − l)),
 * minimised by projected gradient descent on a (exact gradient). No adversary, nothing to chase: it settles.
 *
 * What the closed forms show (tests/engine/density/footnote3.test.ts):
 * - TV(μ_a, μ₁) = 1 − 2|a − ¼|: the GAN's minimisers are a = 0 and a = ½, and a = ¼ (disjoint supports) is
 *   the worst point. With the footnote's adversary and a generator that follows a fixed f for long enough
 *   (20 steps of 0.05 by default), a sweeps between 0 and ½ forever from any start (the footnote's loop).
 *   Refreshed after every generator step (`generatorSteps: 1`), the footnote's f is 1 on both sides of the
 *   model's support, the blurred pushes at a and a + ½ nearly cancel (the vanishing gradient of a perfect
 *   discriminator), and a creeps monotonically towards ¼ — the *worst* model, TV = 1 — ever more slowly;
 *   with `strict` ties a slides to a TV minimiser instead. Exact best responses thus loop, creep the wrong
 *   way, or depend on how ties are broken: the max formulation gives the generator no reliable signal.
 * - With these periodic test functions the target is the single arc (−¼, ¼) of the circle ℝ/ℤ and the model
 *   the arc (a, a + ½), so D₂ is smallest at the ends a ∈ {0, ½} (equal by symmetry; a = ¼ is a maximum):
 *   from a₀ < ¼ it settles at a = 0. That is the constrained minimiser, not an artefact of the projection:
 *   D₂²(a) = (1/K) Σ_k |⟨f_k | μ₁⟩|² · 4 sin²(πk(a + ¼)) is strictly increasing on [0, ¼]; it vanishes only at
 *   a ≡ −¼ (mod 1), the target's own arc, which the footnote's family a ∈ [0, ½] does not contain.
 *
 * `pfm repro footnote3 --json` prints `{ gan: { aTrace, … }, d2: { aTrace, aFinal, … }, plot, … }`.
 */
import { renderPlot } from '../plot/svg'

export type Footnote3Adversary = 'footnote' | 'strict'

export interface Footnote3Options {
  /** Generator steps of the GAN and gradient steps of D₂ (default 400). */
  iterations?: number
  /** Starting a for both (default 0.1). */
  a0?: number
  /** GAN generator step size (default 0.05). */
  lr?: number
  /** Generator steps per adversary refresh (default 20). */
  generatorSteps?: number
  /** Width of the Gaussian blur the generator sees f through (default 0.05). */
  smoothing?: number
  /** Tie-breaking of the adversary's best response (default 'footnote'). */
  adversary?: Footnote3Adversary
  /** D₂ step size (default 0.02). */
  d2Lr?: number
  /** Number K of test functions e^{2πikx} (default 10, as in Fig. 1). */
  k?: number
}

export interface Footnote3Result {
  gan: { aTrace: number[]; tvTrace: number[] }
  d2: { aTrace: number[]; aFinal: number; lossTrace: number[]; lossFinal: number }
  svg: string
  options: Required<Footnote3Options>
}

export const FOOTNOTE3_DEFAULTS: Required<Footnote3Options> = {
  iterations: 400,
  a0: 0.1,
  lr: 0.05,
  generatorSteps: 20,
  smoothing: 0.05,
  adversary: 'footnote',
  d2Lr: 0.02,
  k: 10
}

/** Target density: 2 on (0, ¼) ∪ (¾, 1). */
export const targetDensity = (x: number): number => ((x > 0 && x < 0.25) || (x > 0.75 && x < 1) ? 2 : 0)
/** Model density: 2 on (a, a + ½). */
export const modelDensity = (a: number, x: number): number => (x > a && x < a + 0.5 ? 2 : 0)

/** TV(μ_a, μ₁) = ½∫|p_a − p₁| = 1 − 2|a − ¼| on [0, ½]. */
export function totalVariation(a: number): number {
  return 1 - 2 * Math.abs(a - 0.25)
}

/**
 * The adversary's best response to μ_a as disjoint intervals [l, r] ⊂ [0, 1] where f = 1 (exact: the
 * densities are constant between the breakpoints 0, ¼, ¾, 1, a, a + ½).
 */
export function bestResponse(a: number, adversary: Footnote3Adversary = 'footnote'): [number, number][] {
  const cuts = [...new Set([0, 0.25, 0.75, 1, a, a + 0.5].filter((c) => c >= 0 && c <= 1))].sort(
    (p, q) => p - q
  )
  const out: [number, number][] = []
  for (let i = 0; i + 1 < cuts.length; i++) {
    const l = cuts[i]!
    const r = cuts[i + 1]!
    const mid = (l + r) / 2
    const p1 = targetDensity(mid)
    const pa = modelDensity(a, mid)
    const on = p1 > pa || (adversary === 'footnote' && p1 === 0 && pa === 0)
    if (!on) continue
    const last = out[out.length - 1]
    if (last && last[1] === l) last[1] = r
    else out.push([l, r])
  }
  return out
}

/** Standard normal CDF (erf by Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf)
}

/** f_h(x) = E 1_A(x + hξ), ξ ~ N(0, 1), for A a union of intervals. */
export function blurred(intervals: [number, number][], x: number, h: number): number {
  let s = 0
  for (const [l, r] of intervals) s += normalCdf((r - x) / h) - normalCdf((l - x) / h)
  return s
}

/** d/da ⟨f_h | μ_a⟩ = 2 (f_h(a + ½) − f_h(a)). */
export function generatorGradient(intervals: [number, number][], a: number, h: number): number {
  return 2 * (blurred(intervals, a + 0.5, h) - blurred(intervals, a, h))
}

type Complex = [number, number]

/** ⟨e^{2πikx} | U(l, r)⟩ = (e^{2πikr} − e^{2πikl}) / (2πik (r − l)). */
export function uniformFourier(l: number, r: number, k: number): Complex {
  const w = 2 * Math.PI * k
  const re = Math.cos(w * r) - Math.cos(w * l)
  const im = Math.sin(w * r) - Math.sin(w * l)
  // (re + i im) / (i w (r − l)) = (im − i re) / (w (r − l))
  const s = w * (r - l)
  return [im / s, -re / s]
}

/** ⟨e^{2πikx} | μ₁⟩: the two halves (0, ¼) and (¾, 1), weight ½ each. */
export function targetFourier(k: number): Complex {
  const [a, b] = uniformFourier(0, 0.25, k)
  const [c, d] = uniformFourier(0.75, 1, k)
  return [(a + c) / 2, (b + d) / 2]
}

/** D₂²(a) and its derivative in a, for K test functions e^{2πikx}. */
export function d2Loss(a: number, K: number): { loss: number; grad: number } {
  let loss = 0
  let grad = 0
  for (let k = 1; k <= K; k++) {
    const [mr, mi] = uniformFourier(a, a + 0.5, k)
    const [tr, ti] = targetFourier(k)
    const er = mr - tr
    const ei = mi - ti
    loss += er * er + ei * ei
    // d/da ⟨f_k | μ_a⟩ = 2 (e^{2πik(a+½)} − e^{2πika})
    const w = 2 * Math.PI * k
    const dr = 2 * (Math.cos(w * (a + 0.5)) - Math.cos(w * a))
    const di = 2 * (Math.sin(w * (a + 0.5)) - Math.sin(w * a))
    grad += 2 * (er * dr + ei * di)
  }
  return { loss: loss / K, grad: grad / K }
}

const clampA = (a: number): number => Math.min(0.5, Math.max(0, a))

/** Runs both dynamics from the same a₀ and plots a against the iteration. */
export function reproFootnote3(opts: Footnote3Options = {}): Footnote3Result {
  const o: Required<Footnote3Options> = { ...FOOTNOTE3_DEFAULTS, ...opts }
  const ganTrace: number[] = []
  const tvTrace: number[] = []
  let a = clampA(o.a0)
  let f = bestResponse(a, o.adversary)
  for (let it = 0; it < o.iterations; it++) {
    if (it % o.generatorSteps === 0) f = bestResponse(a, o.adversary)
    a = clampA(a + o.lr * generatorGradient(f, a, o.smoothing))
    ganTrace.push(a)
    tvTrace.push(totalVariation(a))
  }
  const d2Trace: number[] = []
  const lossTrace: number[] = []
  let b = clampA(o.a0)
  for (let it = 0; it < o.iterations; it++) {
    b = clampA(b - o.d2Lr * d2Loss(b, o.k).grad)
    d2Trace.push(b)
    lossTrace.push(d2Loss(b, o.k).loss)
  }
  const iters = ganTrace.map((_, i) => i + 1)
  const svg = renderPlot(
    [
      { name: 'GAN (best-response adversary, TV)', x: iters, y: ganTrace, color: '#d62728' },
      { name: `D₂ (e^{2πikx}, k = 1..${o.k})`, x: iters, y: d2Trace, color: '#1f77b4' },
      { name: 'a = ¼', x: [1, o.iterations], y: [0.25, 0.25], color: '#999999', style: 'dashed' }
    ],
    {
      title: 'Footnote 3: μ₁ = U((0,¼)∪(¾,1)), model U(a, a+½)',
      xLabel: 'iteration',
      yLabel: 'a',
      yRange: [-0.02, 0.52]
    }
  )
  return {
    gan: { aTrace: ganTrace, tvTrace },
    d2: { aTrace: d2Trace, aFinal: b, lossTrace, lossFinal: lossTrace[lossTrace.length - 1] ?? NaN },
    svg,
    options: o
  }
}

/** max − min over the last half of a trace. */
export function lastHalfRange(trace: number[]): number {
  const tail = trace.slice(Math.floor(trace.length / 2))
  return Math.max(...tail) - Math.min(...tail)
}
