/**
 * Multi-step samplers as one ONNX graph: K steps of an ODE solver for dx/dt = v(x, t), unrolled, every step
 * calling the same velocity network on the same initializers (weights shared, not duplicated).
 *
 * The velocity network is a callback `(g, x, t) => v`: x [batch, d], t the name of a float32 scalar, v
 * [batch, d]. Flow objectives plug in their own (an MLP on [x, t] or on [x, embed(t)]); helpers below build
 * the pieces: the time as a [batch, 1] column, a sinusoidal embedding, column concatenation, an affine
 * output map.
 */
import type { GraphBuilder } from './graph'
import { attr } from './onnx-proto'

/** v(x, t): x [batch, d], t a float32 scalar → [batch, d]. `call` counts evaluations (0, 1, …), for naming. */
export type VelocityNet = (g: GraphBuilder, x: string, t: string, call: number) => string

/** A sub-graph from one value to another, e.g. the whole sampler z → x. */
export type GraphFn = (g: GraphBuilder, x: string) => string

export type OdeMethod = 'euler' | 'heun'

export interface OdeSamplerOptions {
  /** Number of steps K ≥ 1 (Heun evaluates the network 2K times). */
  steps: number
  method?: OdeMethod
  /** Integration interval (default 0 → 1). */
  t0?: number
  t1?: number
}

/** The time grid t_k = t0 + k·(t1 − t0)/K, k = 0…K, as the graph uses it (float64 before rounding to float32). */
export function timeGrid(steps: number, t0 = 0, t1 = 1): number[] {
  const dt = (t1 - t0) / steps
  return Array.from({ length: steps + 1 }, (_, k) => (k === steps ? t1 : t0 + k * dt))
}

/**
 * x_K from x_0 by K fixed steps:
 * - euler: x ← x + Δt·v(x, t_k)
 * - heun:  v₁ = v(x, t_k), x̃ = x + Δt·v₁, v₂ = v(x̃, t_{k+1}), x ← x + Δt/2·(v₁ + v₂)
 */
export function odeSamplerGraph(velocity: VelocityNet, opts: OdeSamplerOptions): GraphFn {
  const { steps } = opts
  const method = opts.method ?? 'euler'
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`ODE sampler: steps must be an integer ≥ 1, got ${steps}.`)
  const t0 = opts.t0 ?? 0
  const t1 = opts.t1 ?? 1
  const grid = timeGrid(steps, t0, t1)
  const dt = (t1 - t0) / steps
  return (g, x0) => {
    const dtName = g.constant(dt)
    const halfDt = method === 'heun' ? g.constant(dt / 2) : ''
    let x = x0
    let call = 0
    for (let k = 0; k < steps; k++) {
      const scope = `${method}/s${k}`
      const name = (s: string): { output: string } => ({ output: g.unique(`${scope}/${s}`) })
      const v1 = velocity(g, x, g.constant(grid[k]!), call++)
      if (method === 'euler') {
        x = g.node('Add', [x, g.node('Mul', [v1, dtName], {}, name('dx'))], {}, name('x'))
        continue
      }
      const xe = g.node('Add', [x, g.node('Mul', [v1, dtName], {}, name('dx_pred'))], {}, name('x_pred'))
      const v2 = velocity(g, xe, g.constant(grid[k + 1]!), call++)
      const vsum = g.node('Add', [v1, v2], {}, name('v_sum'))
      x = g.node('Add', [x, g.node('Mul', [vsum, halfDt], {}, name('dx'))], {}, name('x'))
    }
    return x
  }
}

/** K Euler steps of `velocity` over [0, 1]. */
export function eulerSamplerGraph(
  velocity: VelocityNet,
  steps: number,
  t?: { t0?: number; t1?: number }
): GraphFn {
  return odeSamplerGraph(velocity, { steps, method: 'euler', ...t })
}

/** K Heun (explicit trapezoid) steps of `velocity` over [0, 1]. */
export function heunSamplerGraph(
  velocity: VelocityNet,
  steps: number,
  t?: { t0?: number; t1?: number }
): GraphFn {
  return odeSamplerGraph(velocity, { steps, method: 'heun', ...t })
}

/** The batch size of `like` as a 1-element int64 tensor (computed once per value). */
export function batchSize(g: GraphBuilder, like: string): string {
  return g.memo(`batch-size:${like}`, () =>
    g.node('Shape', [like], { start: attr.int(0), end: attr.int(1) }, { output: g.unique(`${like}/batch`) })
  )
}

/** A float32 scalar `t` repeated as a [batch, 1] column, batch taken from `like` ([batch, …]). */
export function batchColumn(g: GraphBuilder, t: string, like: string): string {
  const shape = g.memo(`batch-col-shape:${like}`, () =>
    g.node(
      'Concat',
      [batchSize(g, like), g.int64s([1])],
      { axis: attr.int(0) },
      { output: g.unique(`${like}/col_shape`) }
    )
  )
  return g.node('Expand', [t, shape], {}, { output: g.unique(`${t}/col`) })
}

/** Concatenation along the feature axis: [batch, a], [batch, b] → [batch, a + b]. */
export function concatColumns(g: GraphBuilder, parts: readonly string[], scope = 'concat'): string {
  return g.node('Concat', parts, { axis: attr.int(1) }, { output: g.unique(scope) })
}

/**
 * Sinusoidal features of a time column: t [batch, 1] → [sin(t·f₁), …, sin(t·f_F), cos(t·f₁), …, cos(t·f_F)]
 * [batch, 2F]. The frequencies carry any scale (2π, 1/period) the network was trained with.
 */
export function sinusoidalEmbedding(
  g: GraphBuilder,
  tCol: string,
  freqs: ArrayLike<number>,
  scope = 'time_embed'
): string {
  const f = g.initializer(g.unique(`${scope}/freqs`), Array.from(freqs), [1, freqs.length])
  const arg = g.node('Mul', [tCol, f], {}, { output: g.unique(`${scope}/arg`) })
  const s = g.node('Sin', [arg], {}, { output: g.unique(`${scope}/sin`) })
  const c = g.node('Cos', [arg], {}, { output: g.unique(`${scope}/cos`) })
  return concatColumns(g, [s, c], `${scope}/out`)
}

/** y = x·scale + shift per column (the de-standardisation `x·std + mean` of a sampler's output). */
export function affineColumns(
  g: GraphBuilder,
  x: string,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
  scope = 'destandardize'
): string {
  const d = scale.length
  const s = g.initializer(g.unique(`${scope}/scale`), Array.from(scale), [1, d])
  const b = g.initializer(g.unique(`${scope}/shift`), Array.from(shift), [1, d])
  const y = g.node('Mul', [x, s], {}, { output: g.unique(`${scope}/scaled`) })
  return g.node('Add', [y, b], {}, { output: g.unique(`${scope}/out`) })
}
