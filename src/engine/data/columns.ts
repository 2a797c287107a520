/**
 * Column selection, shared by every importer. A selection is a comma list of 0-based indices (`2`),
 * inclusive ranges (`0-3`) and column names (`x,y`): header names where the file has a header, and the
 * default names `x0, x1, …` always. Order is kept (`1,0` swaps two columns); a column may appear once.
 */
import { fail, type Table } from './table'

const INDEX = /^\d+$/
const RANGE = /^(\d+)\s*-\s*(\d+)$/

/**
 * Resolves `spec` against a file's columns and returns the selected 0-based indices.
 * @param names   the column names (header names, or `x0…` when there is no header)
 * @param hasHeader whether `names` came from a header row (only for the error messages)
 * @throws DataFormatError for a syntax error, an unknown name, an index out of range or a repeated column.
 */
export function selectColumns(
  spec: string,
  file: string,
  names: readonly string[],
  hasHeader: boolean
): number[] {
  const d = names.length
  const where = `${file}: column selection "${spec}"`
  const out: number[] = []
  const seen = new Set<number>()
  const add = (j: number, token: string): void => {
    if (j >= d)
      fail(
        where,
        `index ${j} is out of range (the file has ${d === 1 ? '1 column, index 0' : `${d} columns, indices 0-${d - 1}`})`
      )
    if (seen.has(j)) fail(where, `column ${j} ("${names[j]}") is selected twice (by "${token}")`)
    seen.add(j)
    out.push(j)
  }
  const tokens = spec.split(',').map((t) => t.trim())
  if (tokens.length === 1 && tokens[0] === '') fail(where, 'the selection is empty')
  for (const token of tokens) {
    if (token === '') fail(where, 'it has an empty entry (two commas in a row, or a trailing comma)')
    if (INDEX.test(token)) {
      add(Number(token), token)
      continue
    }
    const range = RANGE.exec(token)
    if (range) {
      const a = Number(range[1])
      const b = Number(range[2])
      if (a > b) fail(where, `the range "${token}" runs backwards (write ${b}-${a})`)
      for (let j = a; j <= b; j++) add(j, token)
      continue
    }
    const j = findName(token, names)
    if (j === -2) fail(where, `the header has more than one column named "${token}"; select it by index`)
    if (j >= 0) {
      add(j, token)
      continue
    }
    const k = /^x(\d+)$/.exec(token)
    if (k && !names.includes(token)) {
      add(Number(k[1]), token)
      continue
    }
    const shown = names.length > 12 ? [...names.slice(0, 12), '…'] : names
    fail(
      where,
      hasHeader
        ? `no column named "${token}" (columns: ${shown.join(', ')})`
        : `no column named "${token}" (the file has no header; use indices 0-${d - 1} or names x0-x${d - 1})`
    )
  }
  return out
}

/** Index of `name` in `names`, −1 when absent, −2 when it is ambiguous. */
function findName(name: string, names: readonly string[]): number {
  const j = names.indexOf(name)
  if (j === -1) return -1
  return names.indexOf(name, j + 1) === -1 ? j : -2
}

/** A new table with only the columns `idx`, in that order. */
export function pickColumns(t: Table, idx: readonly number[]): Table {
  const identity = idx.length === t.d && idx.every((j, k) => j === k)
  if (identity) return t
  const d = idx.length
  const data = new Float32Array(t.n * d)
  for (let i = 0; i < t.n; i++) for (let k = 0; k < d; k++) data[i * d + k] = t.data[i * t.d + idx[k]!]!
  return { n: t.n, d, data, columns: idx.map((j) => t.columns[j]!) }
}
