/**
 * NumPy `.npy` files (format versions 1.0, 2.0, 3.0), parsed by hand.
 *
 * Accepted: little-endian floats (`<f2`, `<f4`, `<f8`) and integers (`|i1`, `<i2`, `<i4`, `<i8`, `|u1`, `<u2`,
 * `<u4`, `<u8`), converted to float32; C order; shape `(n, d)` or `(n,)` (read as n × 1).
 * Rejected with a message naming the header field: big-endian data, Fortran order, bool, complex, strings,
 * objects, dates, structured dtypes, 0-D and >4-D arrays. A 3-D `(n, H, W)` or 4-D `(n, H, W, C)` array is
 * read as n images (one row each, channels last). The data must be exactly as long as the header says.
 * (The engine runs on little-endian hosts only — x86-64 and arm64 — so the bytes are viewed in place.)
 */
import { badValue, fail, type Table, defaultNames } from './table'

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

type Kind = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8'
const SUPPORTED: ReadonlySet<string> = new Set<Kind>([
  'f2',
  'f4',
  'f8',
  'i1',
  'i2',
  'i4',
  'i8',
  'u1',
  'u2',
  'u4',
  'u8'
])

const HINT = "convert it with a.astype('<f4') before np.save"

/** Parses the bytes of an `.npy` file into a numeric table with columns `x0…`. */
export function parseNpy(bytes: Uint8Array, file: string): Table {
  const field = (name: string): string => `${file} header field '${name}'`
  if (!MAGIC.every((m, i) => i >= bytes.length || bytes[i] === m) || bytes.length === 0)
    fail(file, 'not a NumPy .npy file (it does not start with the "\\x93NUMPY" magic string)')
  if (bytes.length < 10) fail(file, `the .npy header is truncated (the file has only ${bytes.length} bytes)`)
  const major = bytes[6]!
  const minor = bytes[7]!
  if (major < 1 || major > 3)
    fail(field('version'), `format version ${major}.${minor} is not supported (1.0, 2.0 or 3.0)`)
  const start = major === 1 ? 10 : 12
  if (bytes.length < start)
    fail(file, `the .npy header is truncated (the file has only ${bytes.length} bytes)`)
  const hlen =
    major === 1
      ? bytes[8]! | (bytes[9]! << 8)
      : (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16)) + bytes[11]! * 2 ** 24
  if (start + hlen > bytes.length)
    fail(
      file,
      `the .npy header is truncated (it declares ${hlen} header bytes, the file has ${bytes.length - start})`
    )
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen))
  if (!header.trimStart().startsWith('{')) fail(file, 'the .npy header is not a Python dict literal')

  // descr
  const descrMatch = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header)
  if (!descrMatch) {
    if (/['"]descr['"]\s*:\s*\[/.test(header))
      fail(field('descr'), `structured (record) dtypes are not supported; save a plain 2-D float array`)
    fail(field('descr'), 'it is missing')
  }
  const descr = descrMatch[2]!
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr)
  if (!m) fail(field('descr'), `dtype '${descr}' is not supported (${HINT})`)
  const [, order, kindChar, sizeText] = m
  const size = Number(sizeText)
  const kind = `${kindChar}${size}`
  const rejected: Record<string, string> = {
    b: 'bool arrays are not supported',
    c: 'complex numbers are not supported',
    U: 'strings are not supported',
    S: 'byte strings are not supported',
    a: 'byte strings are not supported',
    O: 'Python objects are not supported',
    M: 'datetimes are not supported',
    m: 'timedeltas are not supported',
    V: 'raw void data is not supported'
  }
  if (rejected[kindChar!]) fail(field('descr'), `dtype '${descr}': ${rejected[kindChar!]} (${HINT})`)
  if (!SUPPORTED.has(kind)) fail(field('descr'), `dtype '${descr}' is not supported (${HINT})`)
  if (order === '>' && size > 1)
    fail(field('descr'), `dtype '${descr}' is big-endian; only little-endian data is supported (${HINT})`)

  // fortran_order
  const fo = /['"]fortran_order['"]\s*:\s*(\w+)/.exec(header)
  if (!fo) fail(field('fortran_order'), 'it is missing')
  if (fo[1] === 'True')
    fail(
      field('fortran_order'),
      'Fortran-ordered arrays are not supported (save np.ascontiguousarray(a) instead)'
    )
  if (fo[1] !== 'False') fail(field('fortran_order'), `expected True or False, found ${fo[1]}`)

  // shape
  const sh = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)
  if (!sh) fail(field('shape'), 'it is missing or not a tuple')
  const parts = sh[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const dims = parts.map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : NaN))
  if (dims.some((x) => !Number.isSafeInteger(x))) fail(field('shape'), `(${sh[1]}) is not a tuple of sizes`)
  const shapeText = `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`
  if (dims.length === 0)
    fail(field('shape'), '() is a single number (0-D); save an array of shape (n, d) or (n,)')
  if (dims.length > 4)
    fail(
      field('shape'),
      `${shapeText} is ${dims.length}-D; save a table (rows, columns) or images (n, H, W) / (n, H, W, C)`
    )
  if (dims.length === 4 && dims[3]! > 4)
    fail(
      field('shape'),
      `${shapeText} has ${dims[3]} channels in the last axis; images are read channels last (n, H, W, C) with C ≤ 4`
    )
  const n = dims[0]!
  const d = dims.length === 1 ? 1 : dims.slice(1).reduce((a, b) => a * b, 1)
  if (n === 0 || d === 0) fail(field('shape'), `${shapeText} holds no data (the array is empty)`)

  // data
  const offset = start + hlen
  const need = n * d * size
  const have = bytes.length - offset
  if (have < need)
    fail(
      file,
      `the data is truncated: header field 'shape' ${shapeText} of '${descr}' needs ${need} bytes, only ${have} follow the header`
    )
  if (have > need)
    fail(
      file,
      `${have - need} unexpected bytes follow the data declared by header field 'shape' ${shapeText}`
    )

  // A copy: aligned for the typed-array view (a Node Buffer's `slice` would share, and be unaligned).
  const raw = new Uint8Array(bytes.subarray(offset, offset + need)).buffer
  const src = view(kind as Kind, raw)
  const out = new Float32Array(n * d)
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let k = 0; k < out.length; k++) out[k] = Number(src[k]!)
  } else if (kind === 'f2') {
    for (let k = 0; k < out.length; k++) out[k] = halfToFloat(src[k]!)
  } else out.set(src)
  // NaN, ±Inf and float64 values beyond the float32 range all show up as non-finite float32s.
  for (let k = 0; k < out.length; k++) {
    if (!Number.isFinite(out[k]!)) {
      const v = kind === 'f2' ? halfToFloat(Number(src[k]!)) : Number(src[k]!)
      fail(
        `${file} row ${Math.floor(k / d) + 1}, column ${(k % d) + 1}`,
        badValue(v) ?? 'not a finite number'
      )
    }
  }
  const table: Table = { n, d, data: out, columns: defaultNames(d) }
  // (n, H, W) and (n, H, W, C) are images; their pixel range is settled by the importer.
  if (dims.length > 2) table.imageShape = dims.slice(1)
  if (kind === 'u1') table.range = [0, 255]
  return table
}

type RawArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array

/** A typed-array view of little-endian raw data of the given kind (`f2` as raw Uint16 bits). */
function view(kind: Kind, buf: ArrayBuffer): RawArray {
  switch (kind) {
    case 'f2':
      return new Uint16Array(buf)
    case 'f4':
      return new Float32Array(buf)
    case 'f8':
      return new Float64Array(buf)
    case 'i1':
      return new Int8Array(buf)
    case 'i2':
      return new Int16Array(buf)
    case 'i4':
      return new Int32Array(buf)
    case 'i8':
      return new BigInt64Array(buf)
    case 'u1':
      return new Uint8Array(buf)
    case 'u2':
      return new Uint16Array(buf)
    case 'u4':
      return new Uint32Array(buf)
    case 'u8':
      return new BigUint64Array(buf)
  }
}

/** IEEE 754 half precision to number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}
