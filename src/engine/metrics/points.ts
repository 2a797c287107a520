/**
 * Shared helpers for the sample-quality metrics: argument checks and random subsampling.
 * Metrics read `Points` (row-major Float32) and accumulate in float64.
 */
import { ConfigError, check } from '../errors'
import type { Rng } from '../rng'
import type { Points } from '../types'

/**
 * Throws `ConfigError` unless `p` is a well-formed cloud of at least `minN` finite points.
 * `metric` and `name` only build the message, e.g. "Energy distance: x has 1 point; it needs at least 2."
 */
export function checkPoints(metric: string, name: string, p: Points, minN = 1): void {
  check(
    Number.isInteger(p.n) && p.n >= 0 && Number.isInteger(p.d) && p.d >= 1,
    () =>
      `${metric}: ${name} must have a whole number of points and a dimension ≥ 1 (got n=${p.n}, d=${p.d}).`
  )
  check(
    p.data.length === p.n * p.d,
    () => `${metric}: ${name} holds ${p.data.length} numbers, but n × d = ${p.n} × ${p.d} = ${p.n * p.d}.`
  )
  check(
    p.n >= minN,
    () => `${metric}: ${name} has ${p.n} point${p.n === 1 ? '' : 's'}; it needs at least ${minN}.`
  )
  const data = p.data
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (!Number.isFinite(v)) {
      throw new ConfigError(
        `${metric}: ${name}, point ${Math.floor(i / p.d)}, coordinate ${i % p.d} is ${v}, not finite.`
      )
    }
  }
}

/** Throws `ConfigError` unless the two clouds have the same dimension. */
export function checkSameDim(metric: string, names: [string, string], a: Points, b: Points): void {
  check(
    a.d === b.d,
    () => `${metric}: ${names[0]} has dimension ${a.d} but ${names[1]} has dimension ${b.d}.`
  )
}

/** `m` distinct points of `p` drawn uniformly at random without replacement (partial Fisher–Yates). */
export function subsample(p: Points, m: number, rng: Rng): Points {
  check(
    Number.isInteger(m) && m >= 0 && m <= p.n,
    () => `Cannot draw ${m} points without replacement from a cloud of ${p.n}.`
  )
  const { n, d } = p
  const idx = new Uint32Array(n)
  for (let i = 0; i < n; i++) idx[i] = i
  const data = new Float32Array(m * d)
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i)
    const t = idx[j]!
    idx[j] = idx[i]!
    idx[i] = t
    data.set(p.data.subarray(t * d, t * d + d), i * d)
  }
  return { n: m, d, data }
}

/** How many of the cloud's points hold a coordinate that is not finite (NaN or ±Inf). */
export function nonFiniteRows(p: Points): number {
  let rows = 0
  for (let i = 0; i < p.n; i++)
    for (let j = i * p.d; j < (i + 1) * p.d; j++)
      if (!Number.isFinite(p.data[j]!)) {
        rows++
        break
      }
  return rows
}
