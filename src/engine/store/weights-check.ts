/**
 * Validation of stored weights beyond their envelope: every network in a weights file (any object with `spec`
 * and `layers`: an `MlpWeights`, wherever a model keeps it) must have the layers its spec declares — depth + 1
 * layers chaining inDim → width … → outDim, `w` of inDim × outDim numbers and `b` of outDim — and every number
 * in the file must be finite (JSON writes NaN as null; `1e999` reads as Infinity). A hand-edited or damaged
 * file is refused with the field that is wrong, instead of loading as a different model (`layers: []` would be
 * the identity map) or failing deep inside TensorFlow.js.
 */
import { formatPath } from './validate'

type Path = (string | number)[]

export interface WeightsProblem {
  /** `phi.layers[0].w[3]` */
  field: string
  reason: string
}

const MAX_DEPTH = 64

/** The first problem found in a parsed weights file, or null. */
export function weightsProblem(json: unknown): WeightsProblem | null {
  return walk(json, [], 0)
}

function problem(path: Path, reason: string): WeightsProblem {
  return { field: formatPath(path), reason }
}

function walk(v: unknown, path: Path, depth: number): WeightsProblem | null {
  if (depth > MAX_DEPTH) return problem(path, 'is nested too deeply')
  if (Array.isArray(v)) return arrayProblem(v, path, depth)
  if (v === null || typeof v !== 'object') return typeof v === 'number' ? numberProblem(v, path) : null
  const o = v as Record<string, unknown>
  if ('spec' in o && 'layers' in o) return mlpProblem(o, path)
  for (const [k, e] of Object.entries(o)) {
    const p = walk(e, [...path, k], depth + 1)
    if (p) return p
  }
  return null
}

function numberProblem(x: number, path: Path): WeightsProblem | null {
  return Number.isFinite(x) ? null : problem(path, `is ${x}, not a finite number`)
}

/** Arrays holding numbers hold only finite numbers (a null among them is a NaN that JSON wrote). */
function arrayProblem(a: unknown[], path: Path, depth: number): WeightsProblem | null {
  const numeric = a.some((e) => typeof e === 'number')
  for (let i = 0; i < a.length; i++) {
    const e = a[i]
    if (numeric && typeof e !== 'number')
      return problem([...path, i], e === null ? 'is null, not a number (NaN?)' : `is ${typeof e}, not a number`)
    const p = walk(e, [...path, i], depth + 1)
    if (p) return p
  }
  return null
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0

function mlpProblem(o: Record<string, unknown>, path: Path): WeightsProblem | null {
  const spec = o.spec as Record<string, unknown> | null
  if (spec === null || typeof spec !== 'object') return problem([...path, 'spec'], 'is not an object')
  for (const k of ['inDim', 'outDim', 'width', 'depth'] as const)
    if (!isCount(spec[k])) return problem([...path, 'spec', k], 'is not a whole number ≥ 0')
  const { inDim, outDim, width, depth } = spec as Record<'inDim' | 'outDim' | 'width' | 'depth', number>
  if (inDim < 1 || outDim < 1) return problem([...path, 'spec'], `maps ${inDim} → ${outDim} dimensions`)
  const layers = o.layers
  if (!Array.isArray(layers)) return problem([...path, 'layers'], 'is not an array')
  if (layers.length !== depth + 1)
    return problem(
      [...path, 'layers'],
      `has ${layers.length} layers, the spec declares ${depth + 1} (depth ${depth} hidden layers + output)`
    )
  const sizes = [inDim, ...Array<number>(depth).fill(width), outDim]
  for (let i = 0; i < layers.length; i++) {
    const at: Path = [...path, 'layers', i]
    const l = layers[i] as Record<string, unknown> | null
    if (l === null || typeof l !== 'object') return problem(at, 'is not an object')
    if (l.inDim !== sizes[i] || l.outDim !== sizes[i + 1])
      return problem(
        at,
        `maps ${String(l.inDim)} → ${String(l.outDim)}, the spec declares ${sizes[i]} → ${sizes[i + 1]}`
      )
    for (const [k, n] of [
      ['w', sizes[i]! * sizes[i + 1]!],
      ['b', sizes[i + 1]!]
    ] as const) {
      const a = l[k]
      if (!Array.isArray(a)) return problem([...at, k], 'is not an array of numbers')
      if (a.length !== n) return problem([...at, k], `has ${a.length} values, expected ${n}`)
      const p = arrayProblem(a, [...at, k], 0)
      if (p) return p
      const bad = a.findIndex((x) => typeof x !== 'number')
      if (bad >= 0) return problem([...at, k, bad], 'is not a number')
    }
  }
  return null
}
