/**
 * Pieces shared by the importers: the parsed table, the error helpers (every message is one sentence naming
 * the file, the place and the reason), number checks and the text decoder.
 */
import { DataFormatError } from '../errors'

/** A parsed numeric table before it becomes a `Dataset`: n rows × d columns, row-major. */
export interface Table {
  n: number
  d: number
  data: Float32Array
  /** One name per column. */
  columns: string[]
  /** Set when each row is an image of this shape (`[H, W]` or `[H, W, C]`), e.g. a 3-D .npy array. */
  imageShape?: number[]
  /** Pixel range, when the format fixes it (8-bit images: [0, 255]). */
  range?: [number, number]
  /** Class index per row and the class names, when the file carries labels. */
  labels?: Int32Array
  classes?: string[]
}

/**
 * The largest table an import accepts: 65,536 columns hold a 128 × 128 RGB image per row; 2^26 values (256 MiB
 * as float32) hold MNIST's 70,000 × 784 with room to spare.
 */
export interface TableLimits {
  maxColumns: number
  maxRows: number
  maxValues: number
}

export const DEFAULT_LIMITS: Readonly<TableLimits> = {
  maxColumns: 65_536,
  maxRows: 2_000_000,
  maxValues: 2 ** 26
}

const count = (k: number): string => k.toLocaleString('en-US')

/** Refuses a file with more columns than the limit (checked on its first row, before the rest is read). */
export function checkColumns(file: string, columns: number, limits: TableLimits): void {
  if (columns > limits.maxColumns)
    fail(file, `it has ${count(columns)} columns; at most ${count(limits.maxColumns)} can be imported`)
}

/**
 * Refuses more rows, or more values, than the limits. With `more`, the parser stopped reading at `n` rows
 * (one over what fits), so the file has at least that many.
 */
export function checkShape(file: string, n: number, d: number, limits: TableLimits, more = false): void {
  checkColumns(file, d, limits)
  const rows = more ? `more than ${count(n - 1)}` : count(n)
  if (n > limits.maxRows)
    fail(file, `it has ${rows} rows; at most ${count(limits.maxRows)} can be imported (subsample it first)`)
  if (n * d > limits.maxValues)
    fail(
      file,
      `it has ${rows} rows × ${count(d)} columns${more ? '' : ` = ${count(n * d)} values`}; at most ` +
        `${count(limits.maxValues)} values (${+((limits.maxValues * 4) / 2 ** 20).toFixed(1)} MiB as float32) ` +
        'can be imported: select fewer columns or rows'
    )
}

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38

/** `points.csv line 12, column 2` (1-based). */
export function at(file: string, line: number, column?: number): string {
  return column === undefined ? `${file} line ${line}` : `${file} line ${line}, column ${column}`
}

/** Throws a `DataFormatError` with `where: reason.` */
export function fail(where: string, reason: string): never {
  throw new DataFormatError(`${where}: ${reason.replace(/\.$/, '')}.`)
}

/** `1 column`, `3 columns`. */
export function plural(k: number, word: string): string {
  return `${k} ${word}${k === 1 ? '' : 's'}`
}

/** Default column names `x0, x1, …`. */
export function defaultNames(d: number): string[] {
  return Array.from({ length: d }, (_, j) => `x${j}`)
}

/**
 * Why a (parsed) number cannot go into a Float32Array, or null when it can.
 * NaN and ±Infinity are rejected, and so are finite values beyond the float32 range.
 */
export function badValue(v: number, text?: string): string | null {
  if (Number.isNaN(v)) return 'NaN is not allowed (remove or fill in missing values)'
  if (Math.abs(v) <= FLOAT32_MAX) return null
  if (text !== undefined && /\d/.test(text)) return `${text} is outside the float32 range (±3.4e38)`
  if (!Number.isFinite(v)) return `${v > 0 ? 'Infinity' : '-Infinity'} is not allowed (only finite numbers)`
  return `${v} is outside the float32 range (±3.4e38)`
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * The value of `text[s, e)` when it is a plain decimal (`-12.5`, `3e-4`) with at most 15 significant digits
 * and a decimal exponent within ±22, else NaN (the caller then takes the general path). In that range the
 * digits form an exact double and 10^k is exact, so one multiplication or division is correctly rounded —
 * the same value `Number()` gives — and the magnitude stays below 1e37, inside the float32 range.
 */
export function fastNumber(text: string, s: number, e: number): number {
  let i = s
  let c = text.charCodeAt(i)
  const neg = c === 45
  if (c === 45 || c === 43) i++
  let mant = 0
  let digits = 0
  let exp = 0
  let any = false
  let dot = false
  for (; i < e; i++) {
    c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      any = true
      if (digits > 0 || c !== 48) digits++
      mant = mant * 10 + (c - 48)
      if (dot) exp--
    } else if (c === 46 && !dot) dot = true
    else break
  }
  if (!any || digits > 15) return NaN
  if (i < e && (c === 101 || c === 69)) {
    i++
    c = text.charCodeAt(i)
    const eneg = c === 45
    if (c === 45 || c === 43) i++
    let ev = 0
    const from = i
    for (; i < e && ev < 1000; i++) {
      c = text.charCodeAt(i)
      if (c < 48 || c > 57) break
      ev = ev * 10 + (c - 48)
    }
    if (i === from) return NaN
    exp += eneg ? -ev : ev
  }
  if (i !== e) return NaN
  let v: number
  if (exp === 0) v = mant
  else if (exp > 0 && exp <= 22) v = mant * POW10[exp]!
  else if (exp < 0 && exp >= -22) v = mant / POW10[-exp]!
  else return NaN
  return neg ? -v : v
}

/** 1-based line and column (in bytes) of byte `offset`. */
export function byteLineCol(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      start = i + 1
    }
  }
  return { line, column: offset - start + 1 }
}

/** 1-based line and column (in characters) of string index `pos`. */
export function textLineCol(text: string, pos: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: pos - start + 1 }
}

/** Offset of the first byte that breaks UTF-8, or −1 when the bytes are valid UTF-8. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length
  let i = 0
  while (i < n) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1
      min = 0x80
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      min = 0x800
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      min = 0x10000
    } else return i
    let cp = c & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k]
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (cc & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return -1
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes a text file: strips a UTF-8 byte-order mark and rejects binary content (NUL bytes), UTF-16 and
 * invalid UTF-8, naming the line and column of the first bad byte.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  )
    fail(file, 'the file is UTF-16 encoded; save it as UTF-8 text')
  const nul = bytes.indexOf(0)
  if (nul !== -1) {
    const { line, column } = byteLineCol(bytes, nul)
    fail(at(file, line, column), 'NUL byte found, so this looks like a binary file, not text')
  }
  try {
    return utf8.decode(bytes)
  } catch {
    const bad = firstInvalidUtf8(bytes)
    const { line, column } = byteLineCol(bytes, Math.max(bad, 0))
    const hex = `0x${(bytes[Math.max(bad, 0)] ?? 0).toString(16).padStart(2, '0')}`
    return fail(
      at(file, line, column),
      `invalid UTF-8 byte ${hex}, so this is binary data or text in another encoding (save it as UTF-8)`
    )
  }
}
