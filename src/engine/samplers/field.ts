/**
 * What a flow or diffusion network predicts, as the samplers see it. A sampler only ever combines the state x
 * and network outputs linearly, with coefficients that depend on the field and the time:
 * - the ODE it integrates, dx/dt = a(t)·x + b(t)·net(x, t) (eq. (7));
 * - the path x_t = α(t)·data + σ(t)·noise it was trained on, and the data prediction
 *   x̂ = cx(t)·x + cn(t)·net(x, t) (DDIM, DPM-Solver++).
 */
export interface Field {
  kind: 'velocity' | 'eps' | 'data'
  /** dx/dt = a·x + b·net(x, t). */
  ode(t: number): { a: number; b: number }
  /** Signal and noise scales of the path at t (σ = 0 at the data end). */
  alpha(t: number): number
  sigma(t: number): number
  /** The data prediction x̂ = cx·x + cn·net(x, t). */
  data(t: number): { cx: number; cn: number }
}

/**
 * A velocity network of flow matching (cfm, ot-cfm, reflow), time 0 (noise) → 1 (data) on the straight path
 * x_t = (1 − t)·x₀ + t·x₁: α = t, σ = 1 − t, dx/dt = v, and x̂₁ = x + (1 − t)·v.
 */
export const VELOCITY_FIELD: Field = {
  kind: 'velocity',
  ode: () => ({ a: 0, b: 1 }),
  alpha: (t) => t,
  sigma: (t) => 1 - t,
  data: (t) => ({ cx: 1, cn: 1 - t })
}

/**
 * The smallest 1 − t the data field divides by: near the data end the velocity (x̂ − x)/(1 − t) of a data
 * prediction is taken as (x̂ − x)/max(1 − t, DATA_FIELD_MIN_GAP) (as in Li & He 2025, "Back to basics: let
 * denoising generative models denoise"), so that the last steps relax onto x̂ instead of dividing by zero.
 * Euler and Heun take their last step onto the data end as DDIM's and land on x̂ (`landOrStep`, types.ts);
 * rk4 and dopri5 evaluate this clamped field at the data end and stop short of x̂ when their steps are shorter
 * than the gap; DDIM (ddim.ts) never reads `ode` and lands on x̂.
 */
export const DATA_FIELD_MIN_GAP = 0.05

/**
 * A data predictor x̂₁(x, t) of flow matching on the same straight path as VELOCITY_FIELD: the network outputs
 * the clean sample and the velocity is v = (x̂₁ − x)/(1 − t) (clamped near t = 1, DATA_FIELD_MIN_GAP). In high
 * dimension a network of limited width predicts a point of the data manifold far better than the noise-laden
 * velocity x₁ − x₀ (the velocity target carries a full-rank noise component).
 */
export const DATA_FIELD: Field = dataField(DATA_FIELD_MIN_GAP)

/** The data field with its velocity's 1 − t clamped at `gap` (DATA_FIELD: DATA_FIELD_MIN_GAP). */
export function dataField(gap: number): Field {
  return {
    kind: 'data',
    ode: (t) => {
      const g = 1 / Math.max(1 - t, gap)
      return { a: -g, b: g }
    },
    alpha: (t) => t,
    sigma: (t) => 1 - t,
    data: () => ({ cx: 0, cn: 1 })
  }
}

/**
 * A noise predictor ε̂ of a variance-preserving diffusion with ᾱ(t), β(t), time 1 (noise) → 0 (data):
 * α = √ᾱ, σ = √(1 − ᾱ); the probability-flow ODE dx/dt = −½β·(x − ε̂/σ) (ddpm.ts), x̂₀ = (x − σ·ε̂)/α.
 */
export function epsField(alphaBar: (t: number) => number, beta: (t: number) => number): Field {
  const sigma = (t: number): number => Math.sqrt(Math.max(0, 1 - alphaBar(t)))
  const alpha = (t: number): number => Math.sqrt(alphaBar(t))
  return {
    kind: 'eps',
    ode: (t) => ({ a: -0.5 * beta(t), b: (0.5 * beta(t)) / sigma(t) }),
    alpha,
    sigma,
    data: (t) => ({ cx: 1 / alpha(t), cn: -sigma(t) / alpha(t) })
  }
}

/**
 * The velocity dx/dt = a(t)·x + b(t)·e of network outputs e = net(x, t) [n, d] at states x [n, d], with one
 * time for all rows or one per row (a training batch). A velocity field's output is returned as is.
 */
export function fieldVelocity(
  field: Field,
  x: Float32Array,
  e: Float32Array,
  t: number | ArrayLike<number>,
  d: number
): Float32Array {
  if (field.kind === 'velocity') return e
  const out = new Float32Array(e.length)
  const n = e.length / d
  for (let i = 0; i < n; i++) {
    const { a, b } = field.ode(typeof t === 'number' ? t : t[i]!)
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = a * x[j]! + b * e[j]!
  }
  return out
}
