/**
 * The vocabulary a sampler's update rule is written in, once, for every way it runs:
 * `net(x, t)` (one network evaluation), `lin([[x, c], …])` (Σ c·x) and `noise()` (stochastic samplers).
 * - `EagerOps` computes on Float32Arrays (the engine's JS sampler, adaptive step control);
 * - `Tracer` records the operations into a `Plan` (coefficients in float64), from which the ONNX builder
 *   (onnx/flow.ts) writes one fused graph and the benchmark's separate-call mode (`runPlan`) calls a network
 *   session once per evaluation.
 */
import type { Rng } from '../rng'

export type Terms<R> = readonly (readonly [R, number])[]

export interface Ops<R> {
  /** The network's output at (x, t): a velocity or a noise prediction (one evaluation). */
  net(x: R, t: number): R
  /** Σ cᵢ·xᵢ. */
  lin(terms: Terms<R>): R
  /** Fresh N(0, I) noise of the shape of `like` (stochastic samplers only; a Tracer refuses). */
  noise(like: R): R
}

/** A network of the state x [n, d] at one time t → [n, d] (standardised coordinates). */
export type NetFn = (x: Float32Array, t: number) => Float32Array

/** Ops on values. Counts the network evaluations it makes. */
export class EagerOps implements Ops<Float32Array> {
  nfe = 0
  constructor(
    private readonly f: NetFn,
    private readonly rng: Rng | null = null
  ) {}

  net(x: Float32Array, t: number): Float32Array {
    this.nfe++
    return this.f(x, t)
  }

  lin(terms: Terms<Float32Array>): Float32Array {
    return combine(terms)
  }

  noise(like: Float32Array): Float32Array {
    if (!this.rng) throw new RangeError('A stochastic sampler draws noise: pass an Rng.')
    return this.rng.normals(like.length)
  }
}

/** Σ cᵢ·xᵢ on arrays of one length (zero coefficients skipped). */
export function combine(terms: Terms<ArrayLike<number>>): Float32Array {
  const n = terms[0]?.[0].length ?? 0
  const out = new Float32Array(n)
  for (const [x, c] of terms) {
    if (c === 0) continue
    for (let i = 0; i < n; i++) out[i] = out[i]! + c * x[i]!
  }
  return out
}

/** A value in a plan: index 0 is the input z; every op adds one. */
export type Atom = number

export type PlanOp =
  { op: 'net'; x: Atom; t: number } | { op: 'lin'; terms: readonly (readonly [Atom, number])[] }

/**
 * A deterministic sampler as straight-line code on the network: `ops[i]` computes atom i + 1; the output is
 * atom `out`. `steps[k]` is the index of the first op of step k (steps.length = K).
 */
export interface Plan {
  ops: PlanOp[]
  out: Atom
  steps: number[]
  /** Network evaluations (net ops). */
  nfe: number
}

/** A traced value: a linear combination of atoms (materialised into one when a net reads it). */
export interface TraceRef {
  terms: Map<Atom, number>
  atom?: Atom
}

export class Tracer implements Ops<TraceRef> {
  readonly ops: PlanOp[] = []
  readonly steps: number[] = []
  nfe = 0

  /** The input z. */
  input(): TraceRef {
    return { terms: new Map([[0, 1]]), atom: 0 }
  }

  private push(op: PlanOp): TraceRef {
    this.ops.push(op)
    const atom = this.ops.length
    return { terms: new Map([[atom, 1]]), atom }
  }

  /** The atom holding r's value, adding a `lin` op unless it is one already. */
  materialise(r: TraceRef): Atom {
    if (r.atom !== undefined) return r.atom
    // Terms whose coefficients cancel to 0 at some step (the data field's x at dt = 1 − t) are kept, so that
    // every step of a one-step method records the same ops (the ONNX Loop form); the graph skips them.
    const terms = [...r.terms]
    if (terms.length === 1 && terms[0]![1] === 1) return (r.atom = terms[0]![0])
    const m = this.push({ op: 'lin', terms })
    r.atom = m.atom
    return r.atom!
  }

  net(x: TraceRef, t: number): TraceRef {
    this.nfe++
    return this.push({ op: 'net', x: this.materialise(x), t })
  }

  lin(terms: Terms<TraceRef>): TraceRef {
    const out = new Map<Atom, number>()
    for (const [r, c] of terms) {
      // A zero coefficient is kept, on a value or on each atom of a combination (the graph skips it), so that
      // a step whose coefficient is 0 (DDIM's x at the data end, an explicit sampler's update replaced by its
      // landing on x̂) records the same ops as the others: the Loop form needs equal steps.
      const parts: Iterable<[Atom, number]> = r.atom !== undefined ? [[r.atom, 1]] : r.terms
      // (0, not 0·∞: a combination unused at this step may hold an infinite coefficient)
      for (const [a, k] of parts) out.set(a, (out.get(a) ?? 0) + (c === 0 ? 0 : c * k))
    }
    return { terms: out }
  }

  noise(): TraceRef {
    throw new TraceError(
      'A stochastic sampler draws fresh noise at every step: it has no deterministic graph.'
    )
  }

  beginStep(): void {
    this.steps.push(this.ops.length)
  }

  finish(out: TraceRef): Plan {
    return { ops: this.ops, out: this.materialise(out), steps: this.steps, nfe: this.nfe }
  }
}

export class TraceError extends Error {
  override name = 'TraceError'
}

/** Network evaluations per atom use: how many ops (and the output) read each atom. */
export function atomUses(plan: Plan): number[] {
  const uses = new Array<number>(plan.ops.length + 1).fill(0)
  for (const o of plan.ops) {
    if (o.op === 'net') uses[o.x]!++
    else for (const [a] of o.terms) uses[a]!++
  }
  uses[plan.out]!++
  return uses
}

/**
 * Runs a plan with `net` called once per evaluation (sync or async: the benchmark's separate-call mode on an
 * onnxruntime session). z [n, d] → the output [n, d].
 */
export async function runPlan(
  plan: Plan,
  z: Float32Array,
  net: (x: Float32Array, t: number) => Float32Array | Promise<Float32Array>
): Promise<Float32Array> {
  const values: Float32Array[] = [z]
  for (const o of plan.ops)
    values.push(
      o.op === 'net'
        ? Float32Array.from(await net(values[o.x]!, o.t))
        : combine(o.terms.map(([a, c]) => [values[a]!, c] as const))
    )
  return values[plan.out]!
}
