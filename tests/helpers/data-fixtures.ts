/**
 * Data files that are built in code rather than committed (binary .npy cases, encodings), used by the
 * importer's fixture table (tests/engine/data/import.test.ts) and by the fault-injection script
 * (scripts/faults/bad-files.ts), beside the committed files under tests/fixtures/data.
 */

/** An .npy file: header dict padded so the data starts at a multiple of 64, as numpy writes it. */
export function npy(
  descr: string,
  shape: readonly number[],
  body: ArrayBufferView,
  opts: { fortran?: boolean; version?: 1 | 2; header?: string } = {}
): Buffer {
  const version = opts.version ?? 1
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`
  let dict =
    opts.header ??
    `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`
  const pre = version === 1 ? 10 : 12
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64
  dict = dict.padEnd(total - pre - 1, ' ') + '\n'
  const head = Buffer.alloc(pre)
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head)
  if (version === 1) head.writeUInt16LE(dict.length, 8)
  else head.writeUInt32LE(dict.length, 8)
  return Buffer.concat([
    head,
    Buffer.from(dict, 'latin1'),
    Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  ])
}

export const f4 = (xs: number[]): Float32Array => new Float32Array(xs)
export const f8 = (xs: number[]): Float64Array => new Float64Array(xs)

/** Temp files for the binary cases, written on first use. */
export const GENERATED: Record<string, () => Buffer> = {
  'f4.npy': () => npy('<f4', [3, 2], f4([1, 2, 3, 4, 5, 6])),
  'f8.npy': () => npy('<f8', [2, 2], f8([0.1, -2, 3e10, 4])),
  'one-d.npy': () => npy('<f4', [4], f4([1, 2, 3, 4])),
  'i4.npy': () => npy('<i4', [2, 2], new Int32Array([-1, 2, 3, 2147483647])),
  'i8.npy': () => npy('<i8', [2, 1], new BigInt64Array([-5n, 7n])),
  'u1.npy': () => npy('|u1', [1, 3], new Uint8Array([0, 128, 255])),
  'f2.npy': () => npy('<f2', [1, 3], new Uint16Array([0x3c00, 0xc000, 0x3555])), // 1, −2, ≈0.33325
  'v2.npy': () => npy('<f8', [1, 2], f8([7, 8]), { version: 2 }),
  'big-endian.npy': () => npy('>f8', [1, 1], f8([1])),
  'fortran.npy': () => npy('<f4', [2, 2], f4([1, 2, 3, 4]), { fortran: true }),
  'unicode.npy': () => npy('<U5', [1], new Uint8Array(20)),
  'object.npy': () => npy('|O', [1], new Uint8Array(8)),
  'complex.npy': () => npy('<c8', [1], new Uint8Array(8)),
  'bool.npy': () => npy('|b1', [2], new Uint8Array(2)),
  'structured.npy': () =>
    npy('', [1], new Uint8Array(8), {
      header: "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }"
    }),
  'five-d.npy': () => npy('<f4', [2, 1, 1, 1, 1], f4([1, 2])),
  'scalar.npy': () => npy('<f4', [], f4([1])),
  'zero-rows.npy': () => npy('<f4', [0, 2], f4([])),
  'truncated.npy': () => npy('<f4', [1000, 2], f4([1, 2, 3])),
  'extra.npy': () => npy('<f4', [1, 2], f4([1, 2, 3])),
  'nan.npy': () => npy('<f4', [2, 2], f4([1, 2, 3, NaN])),
  'no-shape.npy': () => npy('', [], f4([1]), { header: "{'descr': '<f4', 'fortran_order': False, }" }),
  'short.npy': () => Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1]),
  'garbage.csv': () => Buffer.from('x,y\n1,2\n3\u0000\u0001,4\n', 'latin1'),
  'latin1.csv': () => Buffer.concat([Buffer.from('x,y\n1,2\n3,4 '), Buffer.from([0xe9]), Buffer.from('\n')]),
  'utf16.csv': () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x,y\n1,2\n', 'utf16le')]),
  'data.npz': () => Buffer.from('PK\u0003\u0004', 'latin1')
}
