/**
 * Delimited text tables (`.csv`, `.tsv`, `.txt`).
 *
 * - Delimiter, detected on the first content line (outside quotes): tab, else `;`, else `,`, else runs of
 *   spaces (numpy `savetxt`'s default), else a single column.
 * - Header: the first content line is a header when one of its cells is not a number while the cell below it
 *   is (so a text label column alone does not make a header); with a single content line, any non-number.
 * - Blank lines and lines starting with `#` are skipped; `skipRows` drops leading physical lines first.
 * - Cells may be quoted (`"1.5"`, `""` is a literal quote) but cannot span lines; CRLF, CR and a UTF-8 BOM
 *   are fine; numbers are decimal with an optional exponent (`-1.5e-3`).
 * - Only the selected columns must hold numbers (a text label column can be left out with `columns`).
 *
 * Errors name the physical line and the 1-based column (field) in the file.
 */
import { DataFormatError } from '../errors'
import { selectColumns } from './columns'
import {
  DEFAULT_LIMITS,
  at,
  badValue,
  checkColumns,
  checkShape,
  defaultNames,
  fail,
  fastNumber,
  plural,
  type Table,
  type TableLimits
} from './table'

export interface DelimitedOptions {
  columns?: string
  skipRows?: number
  limits?: TableLimits
}

export type Delimiter = '\t' | ';' | ',' | ' ' | null

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i
export const DECIMAL_COMMA = /^[+-]?\d+,\d+$/

/** Parses a decoded text file into a numeric table. */
export function parseDelimited(text: string, file: string, opts: DelimitedOptions = {}): Table {
  const skip = opts.skipRows ?? 0
  const lines = new Lines(text)

  for (let k = 0; k < skip; k++) {
    if (lines.next() === null)
      fail(file, `it has ${plural(k, 'line')}, so nothing is left after skipping ${plural(skip, 'line')}`)
  }
  const first = nextContent(lines)
  if (first === null)
    fail(
      file,
      skip > 0 ? `no data is left after skipping ${plural(skip, 'line')}` : 'the file is empty (no data rows)'
    )
  const delim = detectDelimiter(first.text)
  const row1 = splitFields(first.text, delim, file, first.line)
  const saved = lines.mark()
  const second = nextContent(lines)
  lines.reset(saved)
  const row2 = second ? splitFields(second.text, delim, file, second.line) : null

  const ncols = row1.length
  const limits = opts.limits ?? DEFAULT_LIMITS
  checkColumns(file, ncols, limits)
  // A decimal-comma cell below counts as a number here, so its hint survives a header row.
  const below = (c: string): boolean => looksNumeric(c) || (delim !== ',' && DECIMAL_COMMA.test(c))
  const hasHeader = row1.some(
    (c, j) => c !== '' && !looksNumeric(c) && (row2 === null || below(row2[j] ?? ''))
  )
  const names = hasHeader ? row1.map((c, j) => (c === '' ? `x${j}` : c)) : defaultNames(ncols)
  const idx =
    opts.columns !== undefined ? selectColumns(opts.columns, file, names, hasHeader) : names.map((_, j) => j)
  const d = idx.length

  // Upper bound on the data rows: every remaining line, plus the first one (one over the limits at most).
  const cap = Math.min(limits.maxRows, Math.floor(limits.maxValues / Math.max(d, 1)))
  const bound = Math.min(lines.remainingLines() + 1, cap + 1)
  let data = new Float32Array(bound * d)
  let n = 0
  const full = (): void => {
    if (n === cap) checkShape(file, n + 1, d, limits, true)
  }
  const ragged = (k: number, line: number): never => {
    throw new DataFormatError(
      `${file} line ${line} has ${plural(k, 'column')}, expected ${ncols} (as on line ${first.line}).`
    )
  }
  const addRow = (cells: string[], line: number): void => {
    if (cells.length !== ncols) ragged(cells.length, line)
    full()
    const base = n * d
    for (let k = 0; k < d; k++) {
      const j = idx[k]!
      data[base + k] = parseCell(cells[j]!, file, line, j + 1, delim)
    }
    n++
  }
  // Fast path for the common case (one-character delimiter, no quotes): no per-row arrays.
  const slot = new Int32Array(ncols).fill(-1)
  idx.forEach((j, k) => (slot[j] = k))
  const sep = delim === ',' || delim === ';' || delim === '\t' ? delim : null
  const addLine = (text: string, line: number): void => {
    if (sep === null || text.includes('"')) return addRow(splitFields(text, delim, file, line), line)
    let k = 1
    for (let p = text.indexOf(sep); p !== -1; p = text.indexOf(sep, p + 1)) k++
    if (k !== ncols) ragged(k, line)
    full()
    const base = n * d
    let start = 0
    for (let j = 0; j < ncols; j++) {
      const end = j === ncols - 1 ? text.length : text.indexOf(sep, start)
      const s = slot[j]!
      if (s >= 0) {
        const v = fastNumber(text, start, end)
        data[base + s] = v === v ? v : parseCell(text.slice(start, end).trim(), file, line, j + 1, delim)
      }
      start = end + 1
    }
    n++
  }

  if (!hasHeader) addRow(row1, first.line)
  for (let c = nextContent(lines); c !== null; c = nextContent(lines)) addLine(c.text, c.line)

  if (n === 0) fail(file, `it has a header (line ${first.line}) but no data rows`)
  if (data.length !== n * d) data = data.slice(0, n * d)
  return { n, d, data, columns: idx.map((j) => names[j]!) }
}

/** A cell's value, or a `DataFormatError` naming the line, column and reason. */
function parseCell(cell: string, file: string, line: number, column: number, delim: Delimiter): number {
  if (NUMBER.test(cell)) {
    const v = Number(cell)
    const bad = badValue(v, cell)
    if (bad) fail(at(file, line, column), bad)
    return v
  }
  const where = at(file, line, column)
  if (cell === '') return fail(where, 'the cell is empty (missing value)')
  if (NON_FINITE.test(cell))
    return fail(where, badValue(/nan/i.test(cell) ? NaN : cell.startsWith('-') ? -Infinity : Infinity)!)
  if (DECIMAL_COMMA.test(cell) && delim !== ',')
    return fail(where, `"${cell}" is not a number (decimal comma? write ${cell.replace(',', '.')})`)
  return fail(where, `${JSON.stringify(cell.length > 40 ? cell.slice(0, 40) + '…' : cell)} is not a number`)
}

export function looksNumeric(cell: string): boolean {
  return NUMBER.test(cell) || NON_FINITE.test(cell)
}

/** Tab, else `;`, else `,` (counted outside quotes), else whitespace runs, else one column. */
export function detectDelimiter(line: string): Delimiter {
  let tabs = 0
  let semis = 0
  let commas = 0
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (ch === '"') quoted = !quoted
    else if (!quoted) {
      if (ch === '\t') tabs++
      else if (ch === ';') semis++
      else if (ch === ',') commas++
    }
  }
  if (tabs > 0) return '\t'
  if (semis > 0) return ';'
  if (commas > 0) return ','
  if (/\S\s+\S/.test(line.trim())) return ' '
  return null
}

/** Splits one line into trimmed, unquoted cells. */
export function splitFields(line: string, delim: Delimiter, file: string, lineNo: number): string[] {
  if (!line.includes('"')) {
    if (delim === null) return [line.trim()]
    if (delim === ' ') return line.trim().split(/\s+/)
    return line.split(delim).map((c) => c.trim())
  }
  const cells: string[] = []
  const isDelim = (ch: string | undefined): boolean =>
    delim === ' ' ? ch === ' ' || ch === '\t' : delim !== null && ch === delim
  let i = 0
  const len = line.length
  if (delim === ' ') while (i < len && isDelim(line[i])) i++
  for (;;) {
    while (i < len && (line[i] === ' ' || line[i] === '\t') && !isDelim(line[i])) i++
    const column = cells.length + 1
    let cell: string
    if (line[i] === '"') {
      let j = i + 1
      let s = ''
      for (;;) {
        const q = line.indexOf('"', j)
        if (q === -1)
          fail(at(file, lineNo, column), 'the quoted cell is not closed (cells cannot span lines)')
        s += line.slice(j, q)
        if (line[q + 1] === '"') {
          s += '"'
          j = q + 2
        } else {
          i = q + 1
          break
        }
      }
      while (i < len && (line[i] === ' ' || line[i] === '\t') && !isDelim(line[i])) i++
      if (i < len && !isDelim(line[i]))
        fail(
          at(file, lineNo, column),
          `unexpected text after the closing quote: ${JSON.stringify(line.slice(i, i + 20))}`
        )
      cell = s.trim()
    } else {
      let j = i
      while (j < len && !isDelim(line[j])) j++
      cell = line.slice(i, j).trim()
      i = j
    }
    cells.push(cell)
    if (i >= len) break
    // i is at a delimiter
    if (delim === ' ') {
      while (i < len && isDelim(line[i])) i++
      if (i >= len) break
    } else i++
  }
  return cells
}

/** Physical lines of a text (LF, CRLF or CR line ends), numbered from 1. */
class Lines {
  private readonly text: string
  private readonly eol: string
  private pos = 0
  private lineNo = 0

  constructor(text: string) {
    this.text = text
    this.eol = text.includes('\n') || !text.includes('\r') ? '\n' : '\r'
  }

  /** The next line without its line end, or null at the end of the text. */
  next(): { text: string; line: number } | null {
    if (this.pos >= this.text.length) return null
    let end = this.text.indexOf(this.eol, this.pos)
    if (end === -1) end = this.text.length
    let s = this.text.slice(this.pos, end)
    if (s.endsWith('\r')) s = s.slice(0, -1)
    this.pos = end + 1
    this.lineNo++
    return { text: s, line: this.lineNo }
  }

  mark(): [number, number] {
    return [this.pos, this.lineNo]
  }

  reset(m: [number, number]): void {
    ;[this.pos, this.lineNo] = m
  }

  /** Number of lines not yet read (an upper bound on the rows left). */
  remainingLines(): number {
    let k = 0
    for (let i = this.text.indexOf(this.eol, this.pos); i !== -1; i = this.text.indexOf(this.eol, i + 1)) k++
    return k + 1
  }
}

/** The next line that is neither blank nor a `#` comment. */
function nextContent(lines: Lines): { text: string; line: number } | null {
  for (let l = lines.next(); l !== null; l = lines.next()) {
    const t = l.text.trimStart()
    if (t !== '' && !t.startsWith('#')) return l
  }
  return null
}
