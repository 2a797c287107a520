/**
 * The importer fixture table: each row is a file (committed under tests/fixtures/data, or written to a temp dir
 * for binary cases) → the expected shape, column names and values, or the expected error sentence.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, DataFormatError } from '../../../src/engine/errors'
import {
  DEFAULT_LIMITS,
  loadDatasetFile,
  parseDatasetBytes,
  requireRows,
  resolveDataset,
  type LoadOptions
} from '../../../src/engine/data'
import { GENERATED, f4, f8, npy } from '../../helpers/data-fixtures'
import { checkShape } from '../../../src/engine/data/table'

const FIXTURES = fileURLToPath(new URL('../../fixtures/data', import.meta.url))
let tmp = ''

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-data-'))
})
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

function fixture(name: string): string {
  const gen = GENERATED[name]
  if (!gen) return path.join(FIXTURES, name)
  const p = path.join(tmp, name)
  if (!fs.existsSync(p)) fs.writeFileSync(p, gen())
  return p
}

interface Good {
  file: string
  opts?: LoadOptions
  shape: [number, number]
  columns: string[]
  /** The first rows, flattened. */
  values: number[]
}

const GOOD: Good[] = [
  { file: 'good/header.csv', shape: [3, 2], columns: ['x', 'y'], values: [1, 2, 3.5, -4, 0.5, 600] },
  { file: 'good/no-header.csv', shape: [3, 2], columns: ['x0', 'x1'], values: [1, 2, 3, 4, 5, 6] },
  { file: 'good/bom-crlf.csv', shape: [2, 2], columns: ['a', 'b'], values: [1, 2, 3, 4] },
  { file: 'good/semicolon.csv', shape: [2, 2], columns: ['x', 'y'], values: [1.25, 2, 3, 4] },
  { file: 'good/tab.tsv', shape: [2, 3], columns: ['x', 'y', 'z'], values: [1, 2, 3, 4, 5, 6] },
  { file: 'good/quoted.csv', shape: [2, 2], columns: ['x', 'y, z'], values: [1.5, 2, 3, -0.04] },
  { file: 'good/spaces.txt', shape: [2, 2], columns: ['x0', 'x1'], values: [0.001, 250, -30, 4] },
  {
    file: 'good/preamble.csv',
    opts: { skipRows: 2 },
    shape: [2, 2],
    columns: ['x', 'y'],
    values: [1, 2, 3, 4]
  },
  { file: 'good/blank-lines.csv', shape: [3, 2], columns: ['x', 'y'], values: [1, 2, 3, 4, 5, 6] },
  { file: 'good/pandas-index.csv', shape: [2, 3], columns: ['x0', 'x', 'y'], values: [0, 1, 2, 1, 3, 4] },
  { file: 'good/cr-only.csv', shape: [2, 2], columns: ['x', 'y'], values: [1, 2, 3, 4] },
  { file: 'good/one-column.txt', shape: [3, 1], columns: ['x0'], values: [0.5, 1.5, 2.5] },
  // column selection: names, indices, ranges, reordering, default names without a header
  {
    file: 'good/labels.csv',
    opts: { columns: 'x,y' },
    shape: [2, 2],
    columns: ['x', 'y'],
    values: [1, 2, 3, 4]
  },
  {
    file: 'good/labels.csv',
    opts: { columns: 'y, x' },
    shape: [2, 2],
    columns: ['y', 'x'],
    values: [2, 1, 4, 3]
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '1-2' },
    shape: [2, 2],
    columns: ['b', 'c'],
    values: [2, 3, 6, 7]
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '3,0' },
    shape: [2, 2],
    columns: ['d', 'a'],
    values: [4, 1, 8, 5]
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '0-1,d' },
    shape: [2, 3],
    columns: ['a', 'b', 'd'],
    values: [1, 2, 4, 5, 6, 8]
  },
  { file: 'good/no-header.csv', opts: { columns: 'x1' }, shape: [3, 1], columns: ['x1'], values: [2, 4, 6] },
  // JSON
  { file: 'good/rows.json', shape: [3, 2], columns: ['x0', 'x1'], values: [1, 2, 3, 45, -0.5, 6] },
  { file: 'good/flat.json', shape: [3, 1], columns: ['x0'], values: [1, 2.5, -3] },
  { file: 'good/rows.json', opts: { columns: '1' }, shape: [3, 1], columns: ['x1'], values: [2, 45, 6] },
  // npy
  { file: 'f4.npy', shape: [3, 2], columns: ['x0', 'x1'], values: [1, 2, 3, 4, 5, 6] },
  { file: 'f8.npy', shape: [2, 2], columns: ['x0', 'x1'], values: [0.1, -2, 3e10, 4] },
  { file: 'one-d.npy', shape: [4, 1], columns: ['x0'], values: [1, 2, 3, 4] },
  { file: 'i4.npy', shape: [2, 2], columns: ['x0', 'x1'], values: [-1, 2, 3, 2147483647] },
  { file: 'i8.npy', shape: [2, 1], columns: ['x0'], values: [-5, 7] },
  { file: 'u1.npy', shape: [1, 3], columns: ['x0', 'x1', 'x2'], values: [0, 128, 255] },
  { file: 'f2.npy', shape: [1, 3], columns: ['x0', 'x1', 'x2'], values: [1, -2, 0.333251953125] },
  { file: 'v2.npy', shape: [1, 2], columns: ['x0', 'x1'], values: [7, 8] },
  {
    file: 'f4.npy',
    opts: { columns: '1,0' },
    shape: [3, 2],
    columns: ['x1', 'x0'],
    values: [2, 1, 4, 3, 6, 5]
  }
]

interface Bad {
  file: string
  opts?: LoadOptions
  /** Must name the file, the place (line/column or header field) and the reason. */
  error: RegExp
}

const BAD: Bad[] = [
  { file: 'good/missing.csv', error: /^missing\.csv: no such file \(.*missing\.csv\)\.$/ },
  { file: 'bad/empty.csv', error: /^empty\.csv: the file is empty \(0 bytes\)\.$/ },
  { file: 'bad/blank.csv', error: /^blank\.csv: the file is empty \(no data rows\)\.$/ },
  {
    file: 'good/header.csv',
    opts: { skipRows: 9 },
    error: /^header\.csv: it has 4 lines, so nothing is left after skipping 9 lines\.$/
  },
  { file: 'bad/header-only.csv', error: /^header-only\.csv: it has a header \(line 1\) but no data rows\.$/ },
  { file: 'bad/ragged.csv', error: /^ragged\.csv line 7 has 3 columns, expected 2 \(as on line 1\)\.$/ },
  { file: 'bad/points.csv', error: /^points\.csv line 12, column 2: "abc" is not a number\.$/ },
  { file: 'bad/nan.csv', error: /^nan\.csv line 3, column 2: NaN is not allowed/ },
  { file: 'bad/inf.csv', error: /^inf\.csv line 3, column 1: -Infinity is not allowed/ },
  { file: 'bad/empty-cell.csv', error: /^empty-cell\.csv line 3, column 2: the cell is empty/ },
  { file: 'bad/overflow.csv', error: /^overflow\.csv line 3, column 1: 1e40 is outside the float32 range/ },
  {
    file: 'bad/decimal-comma.csv',
    error: /^decimal-comma\.csv line 2, column 1: "1,5" is not a number \(decimal comma\? write 1\.5\)/
  },
  {
    // every cell below the header a decimal comma: the header is still found, and the hint kept
    file: 'bad/decimal-comma-header.csv',
    error: /^decimal-comma-header\.csv line 2, column 1: "1,5" is not a number \(decimal comma\? write 1\.5\)/
  },
  {
    file: 'bad/unclosed-quote.csv',
    error: /^unclosed-quote\.csv line 2, column 2: the quoted cell is not closed/
  },
  {
    file: 'bad/after-quote.csv',
    error: /^after-quote\.csv line 2, column 2: unexpected text after the closing quote/
  },
  { file: 'good/labels.csv', error: /^labels\.csv line 2, column 3: "a" is not a number\.$/ },
  // binary garbage in text files
  {
    file: 'garbage.csv',
    error: /^garbage\.csv line 3, column 2: NUL byte found, so this looks like a binary file/
  },
  { file: 'latin1.csv', error: /^latin1\.csv line 3, column 5: invalid UTF-8 byte 0xe9/ },
  { file: 'utf16.csv', error: /^utf16\.csv: the file is UTF-16 encoded; save it as UTF-8 text\.$/ },
  // column selection
  {
    file: 'good/labels.csv',
    opts: { columns: 'x,z' },
    error: /^labels\.csv: column selection "x,z": no column named "z" \(columns: x, y, label\)\.$/
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '0,5' },
    error:
      /^wide\.csv: column selection "0,5": index 5 is out of range \(the file has 4 columns, indices 0-3\)\.$/
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '3-1' },
    error: /^wide\.csv: column selection "3-1": the range "3-1" runs backwards/
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '0,,1' },
    error: /^wide\.csv: column selection "0,,1": it has an empty entry/
  },
  {
    file: 'good/wide.csv',
    opts: { columns: '0-1,b' },
    error: /^wide\.csv: column selection "0-1,b": column 1 \("b"\) is selected twice/
  },
  {
    file: 'good/no-header.csv',
    opts: { columns: 'x' },
    error: /^no-header\.csv: column selection "x": no column named "x" \(the file has no header/
  },
  {
    file: 'f4.npy',
    opts: { columns: '2' },
    error: /^f4\.npy: column selection "2": index 2 is out of range/
  },
  {
    file: 'good/rows.json',
    opts: { columns: 'y' },
    error: /^rows\.json: column selection "y": no column named "y" \(the file has no header/
  },
  // JSON
  { file: 'bad/nested.json', error: /^nested\.json line 2, column 6: row 2, value 2 is a nested array/ },
  {
    file: 'bad/ragged.json',
    error: /^ragged\.json line 2, column 2: row 2 has 1 value, expected 2 \(as in row 1\)\.$/
  },
  {
    file: 'bad/invalid.json',
    error:
      /^invalid\.json line 2, column 8: invalid JSON: expected ',' or ']' after row 2, found the end of the file\.$/
  },
  {
    file: 'bad/trailing-comma.json',
    error: /^trailing-comma\.json line 3, column 1: invalid JSON: trailing comma before '\]'\.$/
  },
  {
    file: 'bad/objects.json',
    error: /^objects\.json line 1, column 2: value 1 is an object, not a number\.$/
  },
  {
    file: 'bad/strings.json',
    error: /^strings\.json line 1, column 3: row 1, value 1 is a string \("1"\), not a number\.$/
  },
  { file: 'bad/nan.json', error: /^nan\.json line 2, column 3: row 2, value 1: NaN is not allowed/ },
  { file: 'bad/null.json', error: /^null\.json line 1, column 5: value 2 is null, not a number\.$/ },
  {
    file: 'bad/top-object.json',
    error: /^top-object\.json line 1, column 1: expected an array of rows, found an object\.$/
  },
  { file: 'bad/empty-array.json', error: /^empty-array\.json line 1, column 3: the array is empty/ },
  {
    file: 'bad/bad-number.json',
    error: /^bad-number\.json line 1, column 5: value 2: invalid JSON number "2\.5\.1"\.$/
  },
  {
    file: 'bad/mixed.json',
    error: /^mixed\.json line 1, column 10: row 2 is '3'; expected an array of numbers like row 1\.$/
  },
  // npy
  {
    file: 'bad/not-numpy.npy',
    error:
      /^not-numpy\.npy: not a NumPy \.npy file \(it does not start with the "\\x93NUMPY" magic string\)\.$/
  },
  { file: 'short.npy', error: /^short\.npy: the \.npy header is truncated/ },
  {
    file: 'truncated.npy',
    error:
      /^truncated\.npy: the data is truncated: header field 'shape' \(1000, 2\) of '<f4' needs 8000 bytes, only 12 follow the header\.$/
  },
  {
    file: 'extra.npy',
    error: /^extra\.npy: 4 unexpected bytes follow the data declared by header field 'shape' \(1, 2\)\.$/
  },
  { file: 'big-endian.npy', error: /^big-endian\.npy header field 'descr': dtype '>f8' is big-endian/ },
  {
    file: 'fortran.npy',
    error: /^fortran\.npy header field 'fortran_order': Fortran-ordered arrays are not supported/
  },
  {
    file: 'unicode.npy',
    error: /^unicode\.npy header field 'descr': dtype '<U5': strings are not supported/
  },
  {
    file: 'object.npy',
    error: /^object\.npy header field 'descr': dtype '\|O': Python objects are not supported/
  },
  {
    file: 'complex.npy',
    error: /^complex\.npy header field 'descr': dtype '<c8': complex numbers are not supported/
  },
  { file: 'bool.npy', error: /^bool\.npy header field 'descr': dtype '\|b1': bool arrays are not supported/ },
  {
    file: 'structured.npy',
    error: /^structured\.npy header field 'descr': structured \(record\) dtypes are not supported/
  },
  {
    file: 'five-d.npy',
    error:
      /^five-d\.npy header field 'shape': \(2, 1, 1, 1, 1\) is 5-D; save a table \(rows, columns\) or images/
  },
  { file: 'scalar.npy', error: /^scalar\.npy header field 'shape': \(\) is a single number \(0-D\)/ },
  { file: 'zero-rows.npy', error: /^zero-rows\.npy header field 'shape': \(0, 2\) holds no data/ },
  { file: 'no-shape.npy', error: /^no-shape\.npy header field 'shape': it is missing or not a tuple\.$/ },
  { file: 'nan.npy', error: /^nan\.npy row 2, column 2: NaN is not allowed/ },
  // file-level
  {
    file: 'bad/points.xlsx',
    error:
      /^points\.xlsx: the file type "\.xlsx" is not supported \(use \.csv, \.tsv, \.txt, \.npy, \.json, an IDX file or a folder of images\)\.$/
  },
  { file: 'data.npz', error: /^data\.npz: the file type "\.npz" is not supported .*np\.save one array/ },
  {
    file: 'good/header.csv',
    opts: { maxBytes: 10 },
    error: /^header\.csv: the file is 24 bytes, over the 10 bytes size limit\.$/
  },
  { file: 'f4.npy', opts: { skipRows: 1 }, error: /^f4\.npy: skipRows applies to text tables/ },
  { file: 'good', error: /^good: the folder holds no \.png, \.jpg or \.jpeg images/ }
]

describe('loadDatasetFile: good files', () => {
  it.each(GOOD)('$file $opts', ({ file, opts, shape, columns, values }) => {
    const ds = loadDatasetFile(fixture(file), opts ?? {})
    expect([ds.n, ds.d]).toEqual(shape)
    expect(ds.columns).toEqual(columns)
    expect(ds.data).toBeInstanceOf(Float32Array)
    expect(ds.data.length).toBe(ds.n * ds.d)
    expect(Array.from(ds.data.subarray(0, values.length))).toEqual(values.map((v) => Math.fround(v)))
    expect(ds.name).toBe(path.basename(file))
    expect(ds.source).toMatchObject({ kind: 'file', path: path.resolve(fixture(file)), ...opts })
  })
})

describe('loadDatasetFile: bad files', () => {
  it.each(BAD)('$file $opts → $error', ({ file, opts, error }) => {
    let caught: unknown
    try {
      loadDatasetFile(fixture(file), opts ?? {})
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(DataFormatError)
    expect((caught as DataFormatError).code).toBe('DATA_FORMAT')
    expect((caught as Error).message).toMatch(error)
    // One sentence, no line breaks.
    expect((caught as Error).message).not.toMatch(/\n/)
  })

  it('every generated binary fixture is used by the table', () => {
    const used = new Set([...GOOD, ...BAD].map((c) => c.file))
    expect(Object.keys(GENERATED).filter((k) => !used.has(k))).toEqual([])
  })

  it('rejects bad options with a ConfigError', () => {
    expect(() => loadDatasetFile(fixture('good/header.csv'), { skipRows: -1 })).toThrow(ConfigError)
    expect(() => loadDatasetFile(fixture('good/header.csv'), { maxBytes: 0 })).toThrow(ConfigError)
  })

  it('reports a file over the default 256 MiB limit without reading it', () => {
    const p = path.join(tmp, 'huge.csv')
    const fd = fs.openSync(p, 'w')
    fs.ftruncateSync(fd, 256 * 1024 * 1024 + 1) // sparse: no disk used
    fs.closeSync(fd)
    expect(() => loadDatasetFile(p, {})).toThrow(
      /^huge\.csv: the file is 256\.0 MiB \(268435457 bytes\), over the 256 MiB size limit\.$/
    )
    fs.rmSync(p)
  })
})

describe('requireRows', () => {
  it('passes with enough rows and names data set, count and need otherwise', () => {
    const ds = loadDatasetFile(fixture('good/header.csv'))
    expect(() => requireRows(ds, 3, 'a batch of 3')).not.toThrow()
    expect(() => requireRows(ds, 256, 'a batch of 256')).toThrow(
      /^header\.csv has 3 rows, but a batch of 256 needs at least 256\.$/
    )
    expect(() => requireRows(ds, 4, 'x')).toThrow(DataFormatError)
  })
})

describe('resolveDataset', () => {
  it('generates a built-in with the default size and seed', () => {
    const ds = resolveDataset('moons')
    expect([ds.n, ds.d, ds.name]).toEqual([20000, 2, 'moons'])
    expect(ds.source).toEqual({ kind: 'builtin', id: 'moons', seed: 0 })
    const small = resolveDataset('normal', { n: 10, seed: 4 })
    expect([small.n, small.d]).toEqual([10, 1])
    expect(small.source).toEqual({ kind: 'builtin', id: 'normal', seed: 4 })
  })

  it('loads a file with columns and skipRows', () => {
    const ds = resolveDataset(fixture('good/preamble.csv'), { skipRows: 2, columns: 'y', n: 5, seed: 3 })
    expect([ds.n, ds.d]).toEqual([2, 1])
    expect(Array.from(ds.data)).toEqual([2, 4])
    expect(ds.source).toEqual({ kind: 'file', path: fixture('good/preamble.csv'), columns: 'y', skipRows: 2 })
  })

  it('lists the built-ins for an unknown name that is not a file', () => {
    expect(() => resolveDataset('foo')).toThrow(ConfigError)
    expect(() => resolveDataset('foo')).toThrow(
      /^Unknown dataset "foo": not a built-in \(8gaussians, .*moons, circles, .*fashion-mnist14\) and no such file\.$/
    )
  })

  it('reports a missing file by name when the spec looks like a path', () => {
    expect(() => resolveDataset('nope.csv')).toThrow(/^nope\.csv: no such file/)
    expect(() => resolveDataset('dir/nope')).toThrow(DataFormatError)
  })

  it('rejects file options for a built-in', () => {
    expect(() => resolveDataset('moons', { columns: '0' })).toThrow(
      /^columns: options of data files, not of the built-in "moons"\.$/
    )
  })
})

describe('number parsing', () => {
  it('reads every decimal spelling exactly as Number() does (CSV fast path and JSON)', () => {
    // A deterministic mix of formats: short and 17-digit decimals, exponents, signs, leading/trailing dots.
    let x = 12345
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return x / 2 ** 32
    }
    const cells: string[] = []
    for (let k = 0; k < 3000; k++) {
      const v = (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20)
      const f = k % 8
      cells.push(
        f === 0
          ? v.toPrecision(6)
          : f === 1
            ? v.toPrecision(17)
            : f === 2
              ? v.toExponential(10)
              : f === 3
                ? v.toExponential(3).replace('e', 'E')
                : f === 4
                  ? String(Math.round(v * 1000))
                  : f === 5
                    ? v.toFixed(8)
                    : f === 6
                      ? String(v)
                      : `+${Math.abs(v).toPrecision(15)}`
      )
    }
    cells.push(
      '.5',
      '5.',
      '-0',
      '0.000000000000000000000123',
      '123456789012345678901234',
      '1e-45',
      '-2.5e+30'
    )
    const rows: string[] = []
    for (let k = 0; k + 1 < cells.length; k += 2) rows.push(`${cells[k]},${cells[k + 1]}`)
    const p = path.join(tmp, 'numbers.csv')
    fs.writeFileSync(p, rows.join('\n'))
    const ds = loadDatasetFile(p)
    const expected = cells.slice(0, 2 * rows.length).map((c) => Math.fround(Number(c)))
    expect(ds.n).toBe(rows.length)
    expect(Array.from(ds.data)).toEqual(expected)

    const jsonCells = cells.filter((c) => /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(c))
    expect(jsonCells.length).toBeGreaterThan(1500)
    const pj = path.join(tmp, 'numbers.json')
    fs.writeFileSync(pj, `[${jsonCells.join(',\n')}]`)
    expect(Array.from(loadDatasetFile(pj).data)).toEqual(jsonCells.map((c) => Math.fround(Number(c))))
  })

  it('reports values beyond the float32 range as such', () => {
    const p = path.join(tmp, 'huge-value.json')
    fs.writeFileSync(p, '[[1, 2],\n [1e999, 3]]')
    expect(() => loadDatasetFile(p)).toThrow(
      /^huge-value\.json line 2, column 3: row 2, value 1: 1e999 is outside the float32 range/
    )
    const big = npyFile('big-f8.npy', npy('<f8', [2, 1], f8([1, 1e300])))
    expect(() => loadDatasetFile(big)).toThrow(
      /^big-f8\.npy row 2, column 1: 1e\+300 is outside the float32 range/
    )
  })
})

function npyFile(name: string, bytes: Buffer): string {
  const p = path.join(tmp, name)
  fs.writeFileSync(p, bytes)
  return p
}

describe('parseDatasetBytes', () => {
  it('parses in-memory contents by the extension of the given name, with the same errors', () => {
    const ds = parseDatasetBytes(new TextEncoder().encode('a;b\n1;2\n'), 'upload.csv', { columns: 'b' })
    expect([ds.n, ds.d, ds.name, ds.columns]).toEqual([1, 1, 'upload.csv', ['b']])
    expect(Array.from(ds.data)).toEqual([2])
    expect(ds.source).toEqual({ kind: 'file', path: 'upload.csv', columns: 'b' })
    expect(() => parseDatasetBytes(new Uint8Array(0), 'up.json')).toThrow(/^up\.json: the file is empty/)
    expect(() => parseDatasetBytes(new Uint8Array(4), 'up.bin')).toThrow(/^up\.bin: the file type "\.bin"/)
    expect(() => parseDatasetBytes(npy('<f4', [1, 1], f4([1])), 'a.npy', { maxBytes: 64 })).toThrow(
      /^a\.npy: the file is 132 bytes, over the 64 bytes size limit\.$/
    )
  })
})

describe('import limits: columns, rows and values', () => {
  const csv = (n: number, d: number): Uint8Array =>
    Buffer.from(
      Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => i + j).join(',')).join('\n')
    )
  const small = { maxColumns: 3, maxRows: 4, maxValues: 9 }

  it('the defaults take MNIST (70,000 × 784) and refuse 65,537 columns, 2,000,001 rows, 2^26 + 1 values', () => {
    expect(() => checkShape('mnist.csv', 70_000, 784, DEFAULT_LIMITS)).not.toThrow()
    expect(() => checkShape('a.csv', 3, 65_537, DEFAULT_LIMITS)).toThrow(
      /^a\.csv: it has 65,537 columns; at most 65,536 can be imported\.$/
    )
    expect(() => checkShape('a.csv', 2_000_001, 1, DEFAULT_LIMITS)).toThrow(
      /at most 2,000,000 can be imported/
    )
    expect(() => checkShape('a.csv', 1_000_000, 68, DEFAULT_LIMITS)).toThrow(
      /^a\.csv: it has 1,000,000 rows × 68 columns = 68,000,000 values; at most 67,108,864 values \(256 MiB as float32\)/
    )
    expect(() => parseDatasetBytes(csv(1, 65_537), 'wide.csv')).toThrow(/^wide\.csv: it has 65,537 columns/)
  })

  it.each([
    ['too many columns, found on the first row', csv(3, 4), {}, /^t\.csv: it has 4 columns; at most 3/],
    [
      'too many rows, found while reading',
      csv(6, 1),
      {},
      /^t\.csv: it has more than 4 rows; at most 4 can be/
    ],
    [
      'too many values',
      csv(4, 3),
      {},
      /^t\.csv: it has more than 3 rows × 3 columns; at most 9 values \(0 MiB as float32\) can be imported: select fewer columns or rows\.$/
    ],
    ['columns selected below the cap pass', csv(3, 2), { columns: '0' }, null]
  ] as const)('%s', (_, bytes, opts, error) => {
    const run = (): unknown => parseDatasetBytes(bytes, 't.csv', { ...opts, limits: small })
    if (error) expect(run).toThrow(error)
    else expect(run()).toMatchObject({ n: 3, d: 1 })
  })

  it('JSON and .npy tables get the same limits', () => {
    expect(() => parseDatasetBytes(Buffer.from('[[1,2,3,4]]'), 't.json', { limits: small })).toThrow(
      /^t\.json: it has 4 columns; at most 3/
    )
    expect(() =>
      parseDatasetBytes(npy('<f4', [5, 1], f4([1, 2, 3, 4, 5])), 't.npy', { limits: small })
    ).toThrow(/^t\.npy: it has 5 rows; at most 4/)
  })
})
