/**
 * Deterministic integrators of an ODE dx/dt = v(x, t) on a time grid t₀, t₁, …, t_K (increasing or
 * decreasing): the flow map χ of eq. (7), dχ_t = v_t dt. Pure functions over a velocity callback on
 * row-major Float32Arrays, so they run the same on a network, a closed form or a test field.
 */

/**
 * A velocity field: x [n, d] row-major at time t → dx/dt [n, d] row-major. Must not modify `x`; may return a
 * fresh array or reuse none of its input.
 */
export type VelocityField = (x: Float32Array, t: number) => Float32Array

/** K + 1 equally spaced times from t0 to t1 (K ≥ 1 steps). */
export function uniformGrid(t0: number, t1: number, K: number): number[] {
  if (!(Number.isInteger(K) && K >= 1))
    throw new RangeError(`The number of steps must be an integer ≥ 1, got ${K}.`)
  const g = new Array<number>(K + 1)
  for (let i = 0; i <= K; i++) g[i] = t0 + ((t1 - t0) * i) / K
  g[K] = t1
  return g
}

/**
 * Explicit Euler, order 1: x_{i+1} = x_i + h_i v(x_i, t_i), h_i = t_{i+1} − t_i. K = grid.length − 1
 * evaluations; v is never evaluated at the last grid time. Returns a new array (x0 is left untouched).
 */
export function euler(v: VelocityField, x0: Float32Array, grid: readonly number[]): Float32Array {
  const x = Float32Array.from(x0)
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i]!
    const h = grid[i + 1]! - t
    const k = v(x, t)
    for (let j = 0; j < x.length; j++) x[j] = x[j]! + h * k[j]!
  }
  return x
}

/**
 * Heun's method (explicit trapezoid, order 2): predictor x̃ = x_i + h v(x_i, t_i), then
 * x_{i+1} = x_i + h/2 (v(x_i, t_i) + v(x̃, t_{i+1})). 2K evaluations, including one at the last grid time.
 */
export function heun(v: VelocityField, x0: Float32Array, grid: readonly number[]): Float32Array {
  const x = Float32Array.from(x0)
  const pred = new Float32Array(x.length)
  for (let i = 0; i + 1 < grid.length; i++) {
    const t = grid[i]!
    const s = grid[i + 1]!
    const h = s - t
    const k1 = v(x, t)
    for (let j = 0; j < x.length; j++) pred[j] = x[j]! + h * k1[j]!
    const k2 = v(pred, s)
    for (let j = 0; j < x.length; j++) x[j] = x[j]! + 0.5 * h * (k1[j]! + k2[j]!)
  }
  return x
}

export type OdeMethod = 'euler' | 'heun'

/** Integrates with the named method. */
export function integrate(
  method: OdeMethod,
  v: VelocityField,
  x0: Float32Array,
  grid: readonly number[]
): Float32Array {
  return method === 'euler' ? euler(v, x0, grid) : heun(v, x0, grid)
}
