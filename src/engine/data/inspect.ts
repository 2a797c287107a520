/**
 * A first look at a data file before it is imported: its first lines as text, and what the importer will make
 * of them — the delimiter, lines above the table that need skipping (a title, notes), the header, and columns
 * that hold text (labels) rather than numbers — with the skip-rows and columns settings that would import it.
 * It reads only the head of the file (the caller passes the first few KiB), and never throws on odd text.
 * When that head is the whole file and it holds no data row, or fewer than a data set trains on, `noData` says
 * so in the importer's words.
 */
import { basename, extname } from 'node:path'
import type { FileInspection } from '../../shared/api'
import { DECIMAL_COMMA, detectDelimiter, looksNumeric, splitFields, type Delimiter } from './delimited'
import { MIN_TRAINABLE_ROWS, tooFewRowsMessage } from './transform'

export type { FileInspection }

export const SHOWN_LINES = 30
export const MAX_LINE_CHARS = 240

const DELIMITER_NAMES = { ',': 'comma', ';': 'semicolon', '\t': 'tab', ' ': 'spaces' } as const
const DELIMITER_TEXT = { ',': 'commas', ';': 'semicolons', '\t': 'tabs', ' ': 'spaces' } as const

/** The most frequent value (the first one on a tie). */
function mode<T>(xs: T[]): T | undefined {
  const counts = new Map<T, number>()
  let best: T | undefined
  let bestCount = 0
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1
    counts.set(x, c)
    if (c > bestCount) [best, bestCount] = [x, c]
  }
  return best
}

/** `0-12`, `0-3,5`: the importer's column syntax for a sorted list of indices. */
export function indexRanges(idx: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < idx.length;) {
    let j = i
    while (j + 1 < idx.length && idx[j + 1] === idx[j]! + 1) j++
    parts.push(j === i ? `${idx[i]}` : `${idx[i]}-${idx[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

const quote = (s: string, max = 30): string => JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s)
const plural = (k: number, one: string, many = one + 's'): string => `${k} ${k === 1 ? one : many}`

/**
 * Inspects the head of a file. `truncated`: the text is only the start of the file, so its last line may be
 * cut and is left out.
 */
export function inspectHead(head: string, fileName: string, truncated = false): FileInspection {
  const ext = extname(fileName).toLowerCase()
  const format = ['.csv', '.tsv', '.txt'].includes(ext)
    ? 'text'
    : ext === '.json'
      ? 'json'
      : ext === '.npy'
        ? 'npy'
        : 'other'
  const empty: FileInspection = {
    format,
    lines: [],
    delimiter: null,
    skipRows: 0,
    headerLine: null,
    columns: [],
    columnsSpec: null,
    notes: [],
    noData: null
  }
  /** The importer's sentence for a file with no data row, when the whole file is in hand; else null. */
  const none = (why: string): string | null => (truncated ? null : `${basename(fileName)}: ${why}.`)
  if (head.length === 0 && !truncated) empty.noData = none('the file is empty (0 bytes)')
  if (format === 'npy') return { ...empty, notes: ['A NumPy array: its shape and type are read at import.'] }
  const all = head.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  if (truncated && all.length > 1) all.pop()
  if (all.at(-1) === '') all.pop()
  const lines = all
    .slice(0, SHOWN_LINES)
    .map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) + '…' : l))
  if (format !== 'text') {
    const emptyArray = format === 'json' && /^\s*\[\s*\]\s*$/.test(head.replace(/^\uFEFF/, ''))
    return { ...empty, lines, ...(emptyArray ? { noData: none('the array is empty (no data rows)') } : {}) }
  }

  const content = all
    .map((text, i) => ({ text, line: i + 1 }))
    .filter(({ text }) => text.trim() !== '' && !text.trimStart().startsWith('#'))
  if (content.length === 0)
    return {
      ...empty,
      lines,
      notes: ['No data lines in the start of the file.'],
      noData: empty.noData ?? none('the file is empty (no data rows)')
    }

  // The table's body dominates the bottom half of the head: its delimiter and its number of fields.
  const body = content.slice(Math.floor(content.length / 2))
  const delim: Delimiter = mode(body.map((c) => detectDelimiter(c.text))) ?? null
  const split = (c: { text: string; line: number }): string[] | null => {
    try {
      return splitFields(c.text, delim, fileName, c.line)
    } catch {
      return null
    }
  }
  const rows = content.map(split)
  const ncols = mode(rows.slice(Math.floor(rows.length / 2)).map((r) => r?.length ?? -1)) ?? 0
  let start = rows.length - 1
  while (start > 0 && rows[start - 1]?.length === ncols) start--

  const first = rows[start] ?? []
  const second = rows[start + 1]
  const numberLike = (c: string): boolean => looksNumeric(c) || (delim !== ',' && DECIMAL_COMMA.test(c))
  // A lone last row of a whole file is a header when a cell holds text, as the importer reads it.
  const hasHeader = first.some(
    (c, j) =>
      c !== '' && !numberLike(c) && (second === undefined ? !truncated : numberLike(second?.[j] ?? ''))
  )
  const data = rows.slice(start + (hasHeader ? 1 : 0)).filter((r): r is string[] => r !== null)
  const columns = Array.from({ length: ncols }, (_, j) => {
    const bad = data.find((r) => !looksNumeric(r[j] ?? ''))
    return {
      name: hasHeader && first[j] ? first[j]! : `x${j}`,
      numeric: data.length > 0 && bad === undefined,
      example: (bad ?? data[0])?.[j] ?? ''
    }
  })
  const skipRows = start > 0 ? content[start]!.line - 1 : 0
  const numeric = columns.flatMap((c, j) => (c.numeric ? [j] : []))
  const text = columns.flatMap((c, j) => (c.numeric ? [] : [j]))
  const columnsSpec = text.length > 0 && numeric.length > 0 ? indexRanges(numeric) : null

  const notes: string[] = []
  if (delim !== null)
    notes.push(`Cells are separated by ${DELIMITER_TEXT[delim]}: ${plural(ncols, 'column')}.`)
  if (skipRows > 0)
    notes.push(
      `${skipRows === 1 ? 'Line 1 is' : `Lines 1-${skipRows} are`} not part of the table (${quote(content[0]!.text)}): skip ${plural(skipRows, 'row')}.`
    )
  notes.push(
    hasHeader
      ? `Line ${content[start]!.line} is a header: its names label the columns.`
      : 'No header: the columns are named x0, x1, …'
  )
  const decimalComma = delim !== ',' && data.some((r) => r.some((c) => DECIMAL_COMMA.test(c)))
  if (decimalComma)
    notes.push('Numbers are written with decimal commas (1,5): save the file with decimal points.')
  else if (text.length > 0 && numeric.length > 0) {
    // columns by name and by the 0-based index the column selection uses (a load error counts lines and
    // columns from 1, as editors do)
    const which = text.map(
      (j) => `${quote(columns[j]!.name, 20)} (index ${j}, e.g. ${quote(columns[j]!.example, 16)})`
    )
    notes.push(
      `${text.length === 1 ? 'Column' : 'Columns'} ${which.join(', ')} ${text.length === 1 ? 'holds' : 'hold'} text, not numbers: keep columns ${columnsSpec} (0-based).`
    )
  } else if (numeric.length === 0 && data.length > 0)
    notes.push('No column holds only numbers in the start of the file.')
  return {
    format,
    lines,
    delimiter: delim === null ? null : DELIMITER_NAMES[delim],
    skipRows,
    headerLine: hasHeader ? content[start]!.line : null,
    columns,
    columnsSpec,
    notes,
    noData:
      data.length === 0 && hasHeader
        ? none(`it has a header (line ${content[start]!.line}) but no data rows`)
        : // only an all-numeric table: a text cell gets the import's own located error first
          data.length > 0 && data.length < MIN_TRAINABLE_ROWS && !truncated && numeric.length === ncols
          ? tooFewRowsMessage(basename(fileName), data.length)
          : null
  }
}
