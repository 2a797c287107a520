/**
 * Loading a data file into a `Dataset`. The format follows the extension; each format is a small parser
 * registered in `FORMATS`. Every bad input throws a `DataFormatError` whose message is one sentence naming
 * the file, the line and column (or the .npy header field) and the reason; a partial data set is never
 * returned.
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { ConfigError, DataFormatError } from '../errors'
import type { Dataset, ImageReadOptions } from '../types'
import { pickColumns, selectColumns } from './columns'
import { parseDelimited } from './delimited'
import { isIdxName, parseIdxImages } from './idx'
import { readImageFolder } from './image-folder'
import { imageInfoOf, parseImageShape, readAsImages, resizeRows } from './images'
import { parseJsonTable } from './json'
import { parseNpy } from './npy'
import {
  DEFAULT_LIMITS,
  checkShape,
  decodeText,
  defaultNames,
  fail,
  plural,
  type Table,
  type TableLimits
} from './table'

/** Options of every importer; the image ones are described in `ImageReadOptions`. */
export interface LoadOptions extends ImageReadOptions {
  /** Column selection: `0,2`, `0-3`, `x,y` (names only where the file has a header). */
  columns?: string
  /** Physical lines to skip at the top of a text file before the header/data. */
  skipRows?: number
  /** Refuse files larger than this (default 256 MiB). */
  maxBytes?: number
  /** Refuse tables with more columns, rows or values (default {@link DEFAULT_LIMITS}). */
  limits?: TableLimits
  /**
   * The file name errors and the data set carry, and whose extension picks the format (default: the path's
   * base name), for a file stored under another name, e.g. an upload.
   */
  displayName?: string
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024

interface Format {
  /** Extensions, lower case, with the dot. */
  ext: readonly string[]
  /** Matches by the whole name instead (IDX files have none of their own: `train-images-idx3-ubyte.gz`). */
  name?: (file: string) => boolean
  title: string
  text: boolean
  parse(bytes: Uint8Array, file: string, opts: LoadOptions): Table
}

/** The file formats, one entry each. */
export const FORMATS: readonly Format[] = [
  {
    ext: ['.csv', '.tsv', '.txt'],
    title: 'Delimited text (comma, semicolon, tab or spaces)',
    text: true,
    parse: (bytes, file, opts) => parseDelimited(decodeText(bytes, file), file, opts)
  },
  {
    ext: ['.npy'],
    title: 'NumPy array (.npy)',
    text: false,
    parse: (bytes, file, opts) => withColumns(parseNpy(bytes, file), file, opts.columns)
  },
  {
    ext: ['.json'],
    title: 'JSON array of rows',
    text: false,
    parse: (bytes, file, opts) =>
      withColumns(parseJsonTable(decodeText(bytes, file), file), file, opts.columns)
  },
  {
    ext: [],
    name: isIdxName,
    title: 'MNIST IDX images (…-idx3-ubyte, optionally .gz), labels from an IDX1 file',
    text: false,
    parse: (bytes, file, opts) =>
      parseIdxImages(bytes, file, opts.labels !== undefined ? readLabels(opts.labels) : undefined)
  }
]

/** The IDX1 label file named by the `labels` option. */
function readLabels(path: string): { bytes: Uint8Array; file: string } {
  const file = basename(path)
  try {
    return { bytes: readFileSync(path), file }
  } catch (e) {
    return fail(file, `the label file cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
}

/** `train-labels-idx1-ubyte(.gz)` beside `train-images-idx3-ubyte(.gz)`, when it exists. */
function siblingLabels(path: string): string | undefined {
  const name = basename(path)
  if (!/images-idx3-ubyte/i.test(name)) return undefined
  const stem = name.replace(/images-idx3-ubyte(\.gz)?$/i, 'labels-idx1-ubyte')
  return [stem, stem + '.gz'].map((f) => join(dirname(path), f)).find((f) => existsSync(f))
}

/** Every supported extension, e.g. for a file dialog filter. */
export const SUPPORTED_EXTENSIONS: readonly string[] = FORMATS.flatMap((f) => f.ext)

function withColumns(t: Table, file: string, columns: string | undefined): Table {
  return columns === undefined ? t : pickColumns(t, selectColumns(columns, file, t.columns, false))
}

/**
 * Reads `path` (`.csv .tsv .txt .npy .json`) into a float32 `Dataset` named after the file's base name.
 * @throws DataFormatError for any unreadable or malformed file; ConfigError for invalid options.
 */
export function loadDatasetFile(path: string, opts: LoadOptions = {}): Dataset {
  const file = basename(opts.displayName ?? path)
  const maxBytes = checkOptions(opts)
  let stats: Stats
  try {
    stats = statSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail(file, `no such file (${resolve(path)})`)
    return fail(file, `the file cannot be read (${code ?? String(e)})`)
  }
  if (stats.isDirectory()) return loadImageFolder(path, opts)
  formatOf(file, opts) // an unsupported type is reported before the size
  if (stats.size > maxBytes)
    fail(file, `the file is ${size(stats.size, true)}, over the ${size(maxBytes)} size limit`)

  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    return fail(file, `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  const labels = opts.labels ?? (isIdxName(file) ? siblingLabels(path) : undefined)
  const ds = parseDatasetBytes(bytes, file, {
    ...opts,
    ...(labels !== undefined ? { labels: resolve(labels) } : {})
  })
  if (ds.source.kind === 'file') ds.source.path = resolve(path)
  return ds
}

/** A folder of PNG/JPEG images (one sub-folder per class optional). */
function loadImageFolder(path: string, opts: LoadOptions): Dataset {
  const name = basename(resolve(path))
  if (opts.columns !== undefined || (opts.skipRows ?? 0) > 0 || opts.imageShape !== undefined)
    fail(name, 'a folder of images takes only a resize size (no columns, skipped rows or image shape)')
  const table = readImageFolder(path, opts.resize !== undefined ? { resize: opts.resize } : {})
  const source: Dataset['source'] = { kind: 'file', path: resolve(path) }
  if (opts.resize !== undefined) source.resize = opts.resize
  return toDataset(table, name, source)
}

/**
 * Parses the contents of a data file that is already in memory (e.g. uploaded to the web host); the format
 * follows the extension of `fileName`, and the `Dataset` is named after its base name.
 * @throws DataFormatError for malformed contents; ConfigError for invalid options.
 */
export function parseDatasetBytes(bytes: Uint8Array, fileName: string, opts: LoadOptions = {}): Dataset {
  const file = basename(fileName)
  const maxBytes = checkOptions(opts)
  const format = formatOf(file, opts)
  if (bytes.length > maxBytes)
    fail(file, `the file is ${size(bytes.length, true)}, over the ${size(maxBytes)} size limit`)
  if (bytes.length === 0) fail(file, 'the file is empty (0 bytes)')
  const skipRows = opts.skipRows ?? 0
  let table = readAsImages(format.parse(bytes, file, { ...opts, skipRows }), file, opts)
  if (opts.resize !== undefined) {
    if (!table.imageShape) fail(file, 'resize applies to images; give the image shape of a table too')
    const [H, W] = parseImageShape(opts.resize, `${file}: resize "${opts.resize}"`, false) as [number, number]
    const shape = [H, W, ...table.imageShape.slice(2)]
    const data = resizeRows(table.data, table.n, table.imageShape, H, W)
    table = {
      ...table,
      data,
      d: data.length / table.n,
      imageShape: shape,
      columns: defaultNames(data.length / table.n)
    }
  }
  checkShape(file, table.n, table.d, opts.limits ?? DEFAULT_LIMITS)
  const source: Dataset['source'] = { kind: 'file', path: fileName }
  if (opts.columns !== undefined) source.columns = opts.columns
  if (skipRows > 0) source.skipRows = skipRows
  for (const key of ['imageShape', 'labelColumn', 'labels', 'resize'] as const)
    if (opts[key] !== undefined) source[key] = opts[key]
  return toDataset(table, file, source)
}

/** A parsed table as a `Dataset`, with its image shape, pixel range and labels where it has them. */
function toDataset(table: Table, name: string, source: Dataset['source']): Dataset {
  const ds: Dataset = { name, source, n: table.n, d: table.d, data: table.data, columns: table.columns }
  const image = imageInfoOf(table)
  if (image) ds.image = image
  if (table.labels && table.classes) {
    ds.labels = table.labels
    ds.classes = table.classes
  }
  return ds
}

/** Validates the options; returns the size limit. */
function checkOptions(opts: LoadOptions): number {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
  const skipRows = opts.skipRows ?? 0
  if (!(maxBytes > 0)) throw new ConfigError(`maxBytes must be positive, got ${maxBytes}.`)
  if (!Number.isInteger(skipRows) || skipRows < 0)
    throw new ConfigError(`skipRows must be a non-negative integer, got ${skipRows}.`)
  return maxBytes
}

/** The format for a file name's extension, checking that the options apply to it. */
function formatOf(file: string, opts: LoadOptions): Format {
  const ext = extname(file).toLowerCase()
  const format = FORMATS.find((f) => f.name?.(file)) ?? FORMATS.find((f) => f.ext.includes(ext))
  if (!format) {
    const hint = ext === '.npz' ? '; load it with np.load and np.save one array to .npy' : ''
    return fail(
      file,
      `${ext ? `the file type "${ext}"` : 'a file without an extension'} is not supported ` +
        `(use ${SUPPORTED_EXTENSIONS.join(', ')}, an IDX file or a folder of images)${hint}`
    )
  }
  if ((opts.skipRows ?? 0) > 0 && !format.text)
    fail(file, `skipRows applies to text tables (.csv, .tsv, .txt), not to ${ext} files`)
  return format
}

/**
 * Throws a `DataFormatError` unless the data set has at least `min` rows.
 * @param what what needs them, e.g. `"a batch of 256"` or `"a held-out split of 2000"`.
 */
export function requireRows(ds: { n: number; name?: string }, min: number, what: string): void {
  if (ds.n < min)
    throw new DataFormatError(
      `${ds.name ?? 'The data set'} has ${plural(ds.n, 'row')}, but ${what} needs at least ${min}.`
    )
}

/** `24 bytes`, `3.5 KiB`, `256 MiB`, `256.0 MiB (268435457 bytes)`. */
function size(bytes: number, exact = false): string {
  if (bytes < 1024) return `${bytes} bytes`
  const [v, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB']
  const short = Number.isInteger(v) ? `${v} ${unit}` : `${v.toFixed(1)} ${unit}`
  return exact && !Number.isInteger(v) ? `${short} (${bytes} bytes)` : short
}
