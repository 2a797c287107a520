/**
 * How weights files (weights.json, weights.best.json) store their numbers: every numeric array of at least
 * `PACK_MIN` values that float32 holds exactly — a network's weights and biases, which the engine keeps as
 * float32 — is written as `{ "f32": "<base64 of its little-endian float32 bytes>" }` (float32-base64.ts), the rest
 * as plain JSON. The MNIST image budget's 785 → 1024³ → 784 network (3.7 M values) is 20 MB instead of 79 MB.
 * Reading turns each such object back into the number array it was, so every check and model reads the same
 * values as from a file of plain numbers — which are still read as they are (files written before this).
 */
import { decodeFloat32, encodeFloat32 } from './float32-base64'
import { formatPath } from './validate'
import type { WeightsProblem } from './weights-check'

/** Shorter arrays stay plain JSON (specs, small layers): readable, and base64 would not save much. */
export const PACK_MIN = 64
/** The key of a packed array. */
export const PACKED_KEY = 'f32'

const MAX_DEPTH = 64

/** The float32 copy of `a` when every value is a number float32 holds exactly, else null. */
function exactFloat32(a: readonly unknown[]): Float32Array | null {
  const out = new Float32Array(a.length)
  for (let i = 0; i < a.length; i++) {
    const v = a[i]
    if (typeof v !== 'number') return null
    out[i] = v
    // NaN is float32 too (JSON would write it as null; the reading check refuses it either way)
    if (out[i] !== v && !Number.isNaN(v)) return null
  }
  return out
}

/** `value` with its long float32 arrays (number arrays or Float32Array) packed; objects copied, never mutated. */
export function packWeights(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value
  if (depth > MAX_DEPTH) throw new Error('weights: nested too deeply (or circular).')
  if (value instanceof Float32Array)
    return value.length >= PACK_MIN ? { [PACKED_KEY]: encodeFloat32(value) } : Array.from(value)
  if (ArrayBuffer.isView(value))
    return value instanceof DataView ? value : Array.from(value as unknown as ArrayLike<number>)
  if (Array.isArray(value)) {
    if (value.length >= PACK_MIN && typeof value[0] === 'number') {
      const f = exactFloat32(value)
      if (f) return { [PACKED_KEY]: encodeFloat32(f) }
    }
    return value.map((e) => packWeights(e, depth + 1))
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value // a Date, say: JSON writes it
  const out: Record<string, unknown> = {}
  for (const [k, e] of Object.entries(value)) out[k] = packWeights(e, depth + 1)
  return out
}

/** Whether `o` is a packed array: an object whose only key is `f32`. */
function isPacked(o: Record<string, unknown>): boolean {
  const keys = Object.keys(o)
  return keys.length === 1 && keys[0] === PACKED_KEY
}

/**
 * Unpacks a parsed weights file in place (each packed array becomes its number array); the first packed
 * array that does not decode is returned as a problem naming its field, else null.
 */
export function unpackWeights(json: unknown): WeightsProblem | null {
  return walk(json, [], 0)
}

function walk(v: unknown, path: (string | number)[], depth: number): WeightsProblem | null {
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return null
  const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((e, i) => [i, e]) : Object.entries(v)
  for (const [k, e] of entries) {
    if (e === null || typeof e !== 'object') continue
    const o = e as Record<string, unknown>
    if (!Array.isArray(e) && isPacked(o)) {
      const text = o[PACKED_KEY]
      const field = formatPath([...path, k])
      if (typeof text !== 'string')
        return { field, reason: `holds a ${typeof text} under "${PACKED_KEY}", not base64 text` }
      const values = decodeFloat32(text)
      if (typeof values === 'string') return { field, reason: values }
      ;(v as Record<string | number, unknown>)[k] = Array.from(values)
      continue
    }
    const p = walk(e, [...path, k], depth + 1)
    if (p) return p
  }
  return null
}
