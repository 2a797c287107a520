/**
 * MNIST's IDX files (LeCun et al.): `train-images-idx3-ubyte` (n × H × W) and `train-labels-idx1-ubyte` (n),
 * optionally gzip-compressed (`.gz`, detected by its magic bytes). Big-endian header: two zero bytes, the
 * element type, the number of dimensions, then one 32-bit size per dimension.
 */
import { gunzipSync } from 'node:zlib'
import { encodeLabels } from './images'
import { fail, plural, defaultNames, type Table } from './table'

/** Element type code → bytes per element and reader. */
const TYPES: Record<number, { name: string; size: number; read(v: DataView, o: number): number }> = {
  0x08: { name: 'unsigned byte', size: 1, read: (v, o) => v.getUint8(o) },
  0x09: { name: 'signed byte', size: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'short', size: 2, read: (v, o) => v.getInt16(o) },
  0x0c: { name: 'int', size: 4, read: (v, o) => v.getInt32(o) },
  0x0d: { name: 'float', size: 4, read: (v, o) => v.getFloat32(o) },
  0x0e: { name: 'double', size: 8, read: (v, o) => v.getFloat64(o) }
}

/** True for a file name IDX files go by (`…-idx3-ubyte`, `….idx3`, optionally `.gz`). */
export function isIdxName(file: string): boolean {
  return /(idx\d-ubyte|\.idx\d)(\.gz)?$/i.test(file)
}

interface IdxArray {
  dims: number[]
  values: Float32Array
  /** 8-bit unsigned data. */
  ubyte: boolean
}

/** Parses one IDX file (gunzipping it first when it is gzip-compressed). */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let b = bytes
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b)
    } catch (e) {
      fail(file, `the gzip data is corrupt (${(e as Error).message})`)
    }
  }
  if (b.length < 4) fail(file, `not an IDX file (only ${plural(b.length, 'byte')})`)
  const type = TYPES[b[2]!]
  if (b[0] !== 0 || b[1] !== 0 || !type)
    fail(
      file,
      `not an IDX file: the magic number is 0x${[...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join('')} ` +
        '(expected 0x0000 followed by a type code 08, 09, 0B, 0C, 0D or 0E and the number of dimensions)'
    )
  const nd = b[3]!
  if (nd < 1) fail(file, 'the IDX header declares 0 dimensions')
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const head = 4 + 4 * nd
  if (b.length < head) fail(file, `the IDX header is truncated (${nd} dimensions need ${head} bytes)`)
  const dims = Array.from({ length: nd }, (_, k) => view.getUint32(4 + 4 * k))
  const count = dims.reduce((a, c) => a * c, 1)
  const need = head + count * type.size
  if (b.length !== need)
    fail(
      file,
      `the data ${b.length < need ? 'is truncated' : 'has extra bytes'}: dimensions ${dims.join(' × ')} of ${type.name} need ${need} bytes, the file has ${b.length}`
    )
  const values = new Float32Array(count)
  if (type.size === 1 && b[2] === 0x08) values.set(b.subarray(head, need))
  else for (let k = 0; k < count; k++) values[k] = type.read(view, head + k * type.size)
  return { dims, values, ubyte: b[2] === 0x08 }
}

/**
 * An IDX image file (3-D n × H × W, or 4-D with channels last) as an image table, with the labels of an
 * optional IDX1 file.
 */
export function parseIdxImages(
  bytes: Uint8Array,
  file: string,
  labels?: { bytes: Uint8Array; file: string }
): Table {
  const img = parseIdx(bytes, file)
  if (img.dims.length < 3 || img.dims.length > 4)
    fail(
      file,
      `an IDX image file holds n × H × W (or n × H × W × C) values; this one is ${img.dims.length}-D (${img.dims.join(' × ')})` +
        (img.dims.length === 1 ? ' — it looks like a label file' : '')
    )
  const [n, ...shape] = img.dims as [number, ...number[]]
  if (n === 0) fail(file, 'the IDX file holds no images')
  const d = shape.reduce((a, c) => a * c, 1)
  const table: Table = { n, d, data: img.values, columns: defaultNames(d), imageShape: shape }
  if (img.ubyte) table.range = [0, 255]
  if (labels) {
    const lab = parseIdx(labels.bytes, labels.file)
    if (lab.dims.length !== 1)
      fail(labels.file, `an IDX label file holds one value per image; this one is ${lab.dims.length}-D`)
    if (lab.dims[0] !== n)
      fail(labels.file, `it has ${plural(lab.dims[0]!, 'label')}, but ${file} has ${plural(n, 'image')}`)
    Object.assign(table, encodeLabels(Array.from(lab.values)))
  }
  return table
}
