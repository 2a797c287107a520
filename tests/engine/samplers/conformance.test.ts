/**
 * One suite over every sampler record (diffusers' SchedulerCommonTest): adding a sampler to SAMPLERS gets all
 * of it. Per sampler and per field it integrates:
 * - convergence at its declared order against a closed form (velocity: the damped rotation v = A·x,
 *   x(1) = e^{A}·x₀; data prediction: the same rotation written as x̂ = x + max(1 − t, gap)·A·x; ε: Gaussian
 *   data N(0, s²I), whose exact ε̂ makes the probability-flow map a scaling);
 * - the last step onto the data end of a data field: Euler and Heun land on x̂ (EDM's rule), the others
 *   integrate the clamped field;
 * - NFE accounting: the evaluations made = the plan's = nfePerStep·K (an adaptive run: what it reports);
 * - the traced plan run with separate calls (`runPlan`) = the JS sampler, and the fused ONNX graph
 *   (unrolled, and the Loop form where the sampler has one) = the JS sampler;
 * - stochastic samplers refuse a graph.
 */
import { describe, expect, it } from 'vitest'
import { SAMPLER_IDS } from '../../../src/shared/samplers'
import type { VelocityWeights } from '../../../src/engine/models/velocity'
import { vpSchedule } from '../../../src/engine/objectives/flows/schedule'
import { fusedSamplerModel, timedNetOf } from '../../../src/engine/onnx/flow'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import { Rng } from '../../../src/engine/rng'
import {
  DATA_FIELD,
  DATA_FIELD_MIN_GAP,
  dataField,
  SAMPLERS,
  VELOCITY_FIELD,
  epsField,
  integrateField,
  runPlan,
  tracePlan,
  uniformGrid,
  type Field,
  type NetFn,
  type Sampler
} from '../../../src/engine/samplers'
import { maxAbs, randomMlp, velocityForward } from '../onnx/helpers'

const vp = vpSchedule('cosine')
const EPS = epsField(vp.alphaBar, vp.beta)
/**
 * The data field with its clamp below every step of the convergence grids (K ≤ 64): then the closed form's
 * x̂ = x + max(1 − t, gap)·A·x is the rotation both for a sampler that evaluates the clamped field at the data
 * end (rk4) and for one that lands on x̂ from the last grid time (euler, heun: x̂ = x + h·A·x, an Euler step).
 * DATA_FIELD's own clamp is tested below.
 */
const GAP = 1e-3
const FIELDS: Record<Field['kind'], Field> = { velocity: VELOCITY_FIELD, data: dataField(GAP), eps: EPS }

/** Grids: velocity and data 0 → 1; ε from t = 0.9 down to 0.05, or to 0 for samplers that end at the data. */
function gridFor(s: Sampler, field: Field, K: number): number[] {
  if (field.kind !== 'eps') return uniformGrid(0, 1, K)
  return uniformGrid(0.9, s.toDataEnd ? 0 : 0.05, K)
}

/** v = A·x, A = −½I + 2J (J the quarter turn): exact flow e^{At}. */
const rotation: NetFn = (x) => {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i += 2) {
    out[i] = -0.5 * x[i]! + 2 * x[i + 1]!
    out[i + 1] = -2 * x[i]! - 0.5 * x[i + 1]!
  }
  return out
}
function rotationExact(x0: Float32Array, t: number): Float64Array {
  const [e, c, s] = [Math.exp(-0.5 * t), Math.cos(2 * t), Math.sin(2 * t)]
  const out = new Float64Array(x0.length)
  for (let i = 0; i < x0.length; i += 2) {
    out[i] = e * (c * x0[i]! + s * x0[i + 1]!)
    out[i + 1] = e * (-s * x0[i]! + c * x0[i + 1]!)
  }
  return out
}

/**
 * The rotation as a data prediction x̂ = x + max(1 − t, gap)·A·x: DATA_FIELD's velocity (x̂ − x)/max(1 − t, gap)
 * is A·x. A sampler that lands on the data end without evaluating there (`toDataEnd`: DDIM, DPM-Solver++)
 * integrates dx/dt = (x̂ − x)/(1 − t) itself, with no gap: its rotation is x̂ = x + (1 − t)·A·x.
 */
const rotationData =
  (gap: number): NetFn =>
  (x, t) => {
    const s = Math.max(1 - t, gap)
    const r = rotation(x, t)
    return x.map((v, i) => v + s * r[i]!)
  }

/** The closed-form network of each kind of field, for `sampler`. */
function netFor(sampler: Sampler, kind: Field['kind']): NetFn {
  if (kind === 'velocity') return rotation
  if (kind === 'data') return rotationData(sampler.toDataEnd ? 0 : GAP)
  return gaussEps
}

/** Gaussian data N(0, s²I): x_t ~ N(0, v(t)), v = ᾱs² + 1 − ᾱ; exact ε̂ = σ_t·x/v(t); the PF-ODE scales x by √v. */
const S2 = 0.25
const gaussVar = (t: number): number => vp.alphaBar(t) * S2 + 1 - vp.alphaBar(t)
const gaussEps: NetFn = (x, t) => {
  const k = Math.sqrt(1 - vp.alphaBar(t)) / gaussVar(t)
  return x.map((v) => k * v)
}

const x0 = new Float32Array([1, 0, 0.3, -0.7, -1.2, 0.5])

function closedForm(
  sampler: Sampler,
  field: Field,
  grid: number[]
): { net: NetFn; exact: ArrayLike<number> } {
  if (field.kind !== 'eps')
    return { net: netFor(sampler, field.kind), exact: rotationExact(x0, grid[grid.length - 1]!) }
  const k = Math.sqrt(gaussVar(grid[grid.length - 1]!) / gaussVar(grid[0]!))
  return { net: gaussEps, exact: Array.from(x0, (v) => k * v) }
}

/** K values whose errors sit well above float32 rounding for a method of order p. */
const KS: Record<number, [number, number]> = { 1: [32, 64], 2: [8, 16], 4: [4, 8], 5: [2, 4] }

const cases = SAMPLERS.flatMap((s) => s.fields.map((kind) => [s.id, kind, s] as const))

describe.each(cases)('%s on a %s field', (_id, kind, sampler) => {
  const field = FIELDS[kind]

  it.runIf(!sampler.stochastic)(`converges at order ${sampler.order}`, () => {
    const [k1, k2] = KS[sampler.order]!
    const errs = [k1, k2].map((K) => {
      const grid = gridFor(sampler, field, K)
      const { net, exact } = closedForm(sampler, field, grid)
      return maxAbs(integrateField(sampler, field, net, x0, grid, { fixed: true }).x, exact)
    })
    const observed = Math.log2(errs[0]! / errs[1]!)
    // DDIM is exact on Gaussian data up to rounding (its update is the exact solution for a linear ε̂ in x/√ᾱ)
    if (errs[0]! < 1e-5) expect(errs[1]!).toBeLessThan(1e-5)
    else expect(observed).toBeGreaterThan(sampler.order - 0.35)
  })

  it('counts its network evaluations', async () => {
    let calls = 0
    const net: NetFn = (x, t) => {
      calls++
      return netFor(sampler, kind)(x, t)
    }
    const grid = gridFor(sampler, field, 5)
    const r = integrateField(sampler, field, net, x0, grid, { fixed: true, rng: new Rng(1) })
    expect(r.nfe).toBe(calls)
    expect(r.nfe).toBe(sampler.nfePerStep * 5)
    if (sampler.stochastic) {
      expect(() => tracePlan(sampler, field, grid)).toThrow(/no deterministic graph/)
      return
    }
    const plan = tracePlan(sampler, field, grid)
    expect(plan.nfe).toBe(r.nfe)
    expect(plan.steps).toHaveLength(5)
    // the separate-call form runs the same rule
    calls = 0
    const separate = await runPlan(plan, x0, net)
    expect(calls).toBe(plan.nfe)
    expect(maxAbs(separate, r.x)).toBeLessThan(1e-5)
  })

  it.runIf(!sampler.stochastic)('fused into one ONNX graph, computes the JS sampler', async () => {
    const d = 2
    const timeDim = 4
    const w: VelocityWeights = {
      spec: { dim: d, timeDim, maxFreq: 10, width: 8, depth: 1, activation: 'tanh' },
      mlp: randomMlp({ inDim: d + timeDim, outDim: d, width: 8, depth: 1, activation: 'tanh' }, new Rng(3))
    }
    const n = 16
    const z = new Rng(4).normals(n * d)
    const net = velocityForward(w, n)
    // the model's own data field: the test field's small clamp would amplify float32 rounding 1000×
    const f = kind === 'data' ? DATA_FIELD : field
    const grid = gridFor(sampler, f, 3)
    const ref = integrateField(sampler, f, net, z, grid, { fixed: true }).x
    const plan = tracePlan(sampler, f, grid)
    const forms: ('unrolled' | 'loop')[] = ['unrolled', 'loop']
    for (const form of forms) {
      let m
      try {
        m = fusedSamplerModel(timedNetOf(w), plan, null, { form })
      } catch (e) {
        // only a multistep method has no Loop form
        expect(form).toBe('loop')
        expect(sampler.id).toBe('dpmpp-2m')
        expect(String(e)).toMatch(/one-step method/)
        continue
      }
      const x = (await runOnnx(m.bytes, { z: { data: z, dims: [n, d] } })).x!.data
      expect(maxAbs(x, ref)).toBeLessThan(1e-5)
    }
  })
})

describe('the sampler list', () => {
  it('has one record per multi-step id of SAMPLER_IDS', () => {
    expect(SAMPLERS.map((s) => s.id).sort()).toEqual(SAMPLER_IDS.filter((s) => s !== 'onestep').sort())
  })
})

describe('dopri5, adaptive', () => {
  const dopri5 = SAMPLERS.find((s) => s.id === 'dopri5')!

  it('meets its tolerance, reports the evaluations it used, and fewer for a looser one', () => {
    const runs = [1e-3, 1e-6].map((rtol) => {
      let calls = 0
      const net: NetFn = (x, t) => {
        calls++
        return rotation(x, t)
      }
      const r = integrateField(dopri5, VELOCITY_FIELD, net, x0, [0, 1], { tolerances: { rtol, atol: rtol } })
      expect(r.nfe).toBe(calls)
      // first same as last: 1 + 6 per attempted step
      expect((r.nfe - 1) % 6).toBe(0)
      expect(r.grid[0]).toBe(0)
      expect(r.grid[r.grid.length - 1]).toBe(1)
      return { err: maxAbs(r.x, rotationExact(x0, 1)), nfe: r.nfe, steps: r.grid.length - 1 }
    })
    expect(runs[0]!.err).toBeLessThan(1e-2)
    expect(runs[1]!.err).toBeLessThan(2e-5)
    expect(runs[0]!.nfe).toBeLessThan(runs[1]!.nfe)
    // replaying the grid it took on the same input gives the same samples
  })

  it('replays the grid it took as a fixed-step method with the same result', () => {
    const r = integrateField(dopri5, VELOCITY_FIELD, rotation, x0, [0, 1], {
      tolerances: { rtol: 1e-4, atol: 1e-4 }
    })
    const fixed = integrateField(dopri5, VELOCITY_FIELD, rotation, x0, r.grid, { fixed: true })
    expect(maxAbs(fixed.x, r.x)).toBeLessThan(1e-6)
    expect(fixed.nfe).toBe(6 * (r.grid.length - 1))
  })
})

describe('dpmpp-2m, the flow form', () => {
  const dpm = SAMPLERS.find((s) => s.id === 'dpmpp-2m')!

  it('takes its last step onto t = 1 exactly for a noise prediction affine in u = (1 − t)/t', () => {
    // ε̂ = x − t·v = c0 + c1·u(t): then x/t = y solves dy/du = ε̂, y(0) = y_t − c0·u_t − c1·u_t²/2
    const [c0, c1] = [0.7, -3]
    const u = (t: number): number => (1 - t) / t
    const net: NetFn = (x, t) => x.map((xi) => (xi - (c0 + c1 * u(t))) / t)
    const [tp, t] = [0.5, 0.8]
    const start = Float32Array.from(x0)
    // the first step (no history) is DDIM; the state it reaches is where the exact last step starts
    const xt = integrateField(dpm, VELOCITY_FIELD, net, start, [tp, t], { fixed: true }).x
    const exact = Array.from(xt, (v) => v / t - c0 * u(t) - (c1 * u(t) ** 2) / 2)
    const two = integrateField(dpm, VELOCITY_FIELD, net, start, [tp, t, 1], { fixed: true })
    expect(maxAbs(two.x, exact)).toBeLessThan(1e-5)
    expect(two.nfe).toBe(2)
    // a first-order last step (x̂_t) would miss by c1·u_t²/2 per coordinate
    expect(Math.abs((c1 * u(t) ** 2) / 2)).toBeGreaterThan(0.05)
  })
})

describe("the data field's last step (DATA_FIELD, its clamp at DATA_FIELD_MIN_GAP)", () => {
  // a network that always predicts the same clean sample T: the exact ODE dx/dt = (T − x)/(1 − t) ends on T
  const T = new Float32Array([0.9, -0.4, 0.1, 1.3, -1, 0.25])
  const net: NetFn = (x) => {
    const out = new Float32Array(x.length)
    for (let i = 0; i < x.length; i++) out[i] = T[i % T.length]!
    return out
  }
  const run = (id: string, K: number): Float32Array =>
    integrateField(
      SAMPLERS.find((s) => s.id === id)!,
      DATA_FIELD,
      net,
      x0,
      uniformGrid(0, 1, K),
      {
        fixed: true
      }
    ).x

  it.each([10, 100])('Euler, Heun and DDIM land on x̂ at K = %i, counting every evaluation', (K) => {
    for (const id of ['euler', 'heun', 'ddim']) expect(maxAbs(run(id, K), T)).toBeLessThan(1e-6)
    const heun = SAMPLERS.find((s) => s.id === 'heun')!
    expect(tracePlan(heun, DATA_FIELD, uniformGrid(0, 1, K)).nfe).toBe(2 * K)
  })

  it('without the landing, the clamped field stops e⁻¹ of the way short (rk4 at K = 100)', () => {
    // exactly, x − T = (1 − t)·(x₀ − T); over the last 0.05 the clamped field relaxes it by e⁻¹ instead of to 0
    const x = run('rk4', 100)
    for (let i = 0; i < x.length; i++)
      expect((x[i]! - T[i]!) / (x0[i]! - T[i]!)).toBeCloseTo(DATA_FIELD_MIN_GAP * Math.exp(-1), 4)
  })
})
