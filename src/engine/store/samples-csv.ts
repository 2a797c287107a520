/**
 * `samples.csv`: a header of column names, then one point per line in data units. Numbers are written with
 * 9 significant digits, enough for every float32 to read back exactly.
 */
import type { Points } from '../types'
import { StoreError } from '../errors'

export const SAMPLES_FILE = 'samples.csv'

function csvField(name: string): string {
  return /[",\r\n]|^\s|\s$/.test(name) ? `"${name.replace(/"/g, '""')}"` : name
}

function formatNumber(v: number): string {
  if (Object.is(v, -0)) return '-0'
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : String(v)
}

/** CSV text of `points` under `columns` (one name per dimension). */
export function formatSamplesCsv(columns: string[], points: Points): string {
  const { n, d, data } = points
  if (columns.length !== d)
    throw new StoreError(`Cannot save samples: ${columns.length} column names for points of dimension ${d}.`)
  if (data.length !== n * d)
    throw new StoreError(
      `Cannot save samples: ${data.length} values do not make ${n} points of dimension ${d}.`
    )
  const bad = columns.find((c) => /[\r\n]/.test(c))
  if (bad !== undefined)
    throw new StoreError(`Cannot save samples: column name ${JSON.stringify(bad)} contains a line break.`)
  const lines: string[] = [columns.map(csvField).join(',')]
  const row: string[] = new Array<string>(d)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = formatNumber(data[i * d + j]!)
    lines.push(row.join(','))
  }
  return lines.join('\n') + '\n'
}

/** Splits one CSV line, honouring "quoted, fields" with "" escapes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let v = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q < 0) throw new Error('unterminated quoted field')
        v += line.slice(i, q)
        if (line[q + 1] === '"') {
          v += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      out.push(v)
      if (i >= line.length) return out
      if (line[i] !== ',') throw new Error('text after a quoted field')
      i++
    } else {
      const c = line.indexOf(',', i)
      if (c < 0) {
        out.push(line.slice(i))
        return out
      }
      out.push(line.slice(i, c))
      i = c + 1
    }
  }
}

/** Parses samples.csv text; errors name the line and column. */
export function parseSamplesCsv(text: string, file = SAMPLES_FILE): { columns: string[]; points: Points } {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  if (!lines.length) throw new StoreError(`${file} is empty (no header line).`)
  let columns: string[]
  try {
    columns = splitCsvLine(lines[0]!)
  } catch (e) {
    throw new StoreError(`${file} line 1: ${(e as Error).message}.`)
  }
  const d = columns.length
  const n = lines.length - 1
  const data = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1]!.split(',')
    if (cells.length !== d)
      throw new StoreError(`${file} line ${i + 2}: ${cells.length} values, expected ${d} (one per column).`)
    for (let j = 0; j < d; j++) {
      const cell = cells[j]!.trim()
      const v = Number(cell)
      if (cell === '' || (Number.isNaN(v) && cell !== 'NaN'))
        throw new StoreError(
          `${file} line ${i + 2}, column ${j + 1}: ${JSON.stringify(cells[j])} is not a number.`
        )
      data[i * d + j] = v
    }
  }
  return { columns, points: { n, d, data } }
}
