/**
 * The app's datasets: the engine's built-ins, plus files the user imported. An import is validated with the
 * engine's importer (a bad file gets its sentence with file, line and column), then the file is copied into
 * `<dataDir>/datasets/files/` (atomically) and listed in a small JSON index, so runs re-open it later: a run's
 * `dataset.spec` is the absolute path of that copy.
 *
 * ```
 * <dataDir>/datasets/index.json           { version: 2, datasets: [Entry, …] }  (+ its .lock / .tmp-* files)
 *                    files/<name>.<ext>   an imported file, as uploaded, stored under its id's name
 *                    <name>.<ext>         a copy imported by a version-1 store (see below)
 * ```
 *
 * The copies live in their own folder, so no user file name (`index.json`, `index.json.lock`) can ever collide
 * with the store's own files. A version-1 store kept its copies beside the index; opening it rewrites the
 * index as version 2 and leaves those copies where they are, because runs trained on them name that path.
 * The one entry a version-1 store could not keep, a file called `index.json` (the index overwrote it), is
 * dropped with a warning.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { z } from 'zod'
import type { DatasetInfo, DatasetPreview, FileInspection } from '../shared/api'
import {
  BUILTINS,
  DEFAULT_BUILTIN_POINTS,
  MIN_TRAINABLE_ROWS,
  inspectHead,
  isBuiltin,
  parseDatasetBytes,
  resolveDataset,
  tooFewRowsMessage,
  type LoadOptions
} from '../engine/data'
import { ConfigError, DataFormatError } from '../engine/errors'
import { describeFsError, withFileLock, writeFileAtomic } from '../engine/store/fs-utils'
import type { Dataset } from '../engine/types'
import { ParsePool, previewOf } from './dataset-parse'
import { HostError } from './errors'

export const INDEX_FILE = 'index.json'
/** The folder of the imported copies, inside the datasets folder. */
export const FILES_DIR = 'files'
const FILE_PREFIX = 'file:'
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

const EntrySchema = z.object({
  /** Unique, safe as a file name stem; the id is `file:<name>`. */
  name: z.string().regex(SAFE_NAME),
  /** The stored copy relative to the datasets folder: `files/<name><ext>` (version 1: `<name><ext>`). */
  file: z.string().regex(/^(files\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/),
  title: z.string(),
  originalName: z.string(),
  rows: z.number().int().nonnegative(),
  dim: z.number().int().nonnegative(),
  /** Version-1 entries listed the column names; the preview reads them from the file. */
  columns: z.array(z.string()).optional(),
  columnsSpec: z.string().optional(),
  skipRows: z.number().int().nonnegative().optional(),
  /** Images (an `.npy` of (n, H, W[, C]), a folder): one image's shape and pixel range, so forms offer image budgets. */
  image: z
    .object({
      shape: z.array(z.number().int().positive()).min(2).max(3),
      range: z.tuple([z.number(), z.number()])
    })
    .optional(),
  /** Labelled images: the class names. */
  classes: z.array(z.string()).optional(),
  importedAt: z.string()
})
type Entry = z.output<typeof EntrySchema>
const INDEX_VERSION = 2
const IndexSchema = z.object({ version: z.literal([1, INDEX_VERSION]), datasets: z.array(EntrySchema) })

/** The options of an import: display name, column selection, skipped lines. */
export interface ImportOptions {
  name?: string
  columns?: string
  skipRows?: number
}

/** An import of bytes already in memory (small: they came in one API call). */
export interface ImportInput extends ImportOptions {
  bytes: Uint8Array
  fileName: string
}

/** A file name stem safe on every platform: letters, digits, `._-`; at most 64 characters. */
export function safeStem(s: string): string {
  const out = s
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
    .slice(0, 64)
    .replace(/[^A-Za-z0-9]+$/, '')
  return out || 'dataset'
}

export class DatasetLibrary {
  /** Absolute path of `<dataDir>/datasets`. */
  readonly dir: string
  private readonly parser = new ParsePool()

  /** Opens the store at `dir`, migrating a version-1 index (see the module comment). */
  constructor(dir: string) {
    this.dir = path.resolve(dir)
    this.migrate()
  }

  /** Built-ins first (registry order), then imported files (import order). */
  list(): DatasetInfo[] {
    return [...BUILTINS.map((b) => this.builtinInfo(b.id)), ...this.entries().map(entryInfo)]
  }

  info(id: string): DatasetInfo {
    if (isBuiltin(id)) return this.builtinInfo(id)
    return entryInfo(this.entry(id))
  }

  /**
   * The dataset a training run uses: a built-in generated with the run's seed (as `pfm train` does), or the
   * stored copy of an imported file with its column selection (a large file is parsed off the event loop).
   */
  async load(id: string, seed = 0): Promise<Dataset> {
    if (isBuiltin(id)) return resolveDataset(id, { seed })
    const e = this.entry(id)
    return this.parser.load(path.join(this.dir, e.file), entryOptions(e))
  }

  /** Up to `n` rows (a seeded random subset), the column names and per-column statistics over all rows. */
  async preview(id: string, n = 2000): Promise<DatasetPreview> {
    const info = this.info(id)
    if (isBuiltin(id)) return { info, ...previewOf(resolveDataset(id, { seed: 0 }), n) }
    const e = this.entry(id)
    return { info, ...(await this.parser.preview(path.join(this.dir, e.file), entryOptions(e), n)) }
  }

  /** Validates bytes with the engine's importer (on this thread: they are small), then stores and indexes them. */
  async import(input: ImportInput): Promise<DatasetInfo> {
    const ds = parseDatasetBytes(input.bytes, input.fileName, loadOptions(input))
    return this.add(ds, input.fileName, input, (dest) => writeFileAtomic(dest, input.bytes))
  }

  /**
   * Imports a file on this machine: one chosen in Electron's open dialog (copied in), or an upload the web host
   * streamed to disk (`move`: renamed in, and left where it was when the import is refused). `fileName` is the
   * name errors and the title use (default: the path's base name). Parsed off the event loop when large.
   */
  async importPath(
    file: string,
    opts: ImportOptions & { fileName?: string; move?: boolean } = {}
  ): Promise<DatasetInfo> {
    const fileName = path.basename(opts.fileName ?? file)
    const ds = await this.parser.load(file, { ...loadOptions(opts), displayName: fileName })
    return this.add(ds, fileName, opts, (dest) => {
      const tmp = `${dest}.tmp-${process.pid}`
      try {
        if (opts.move) fs.renameSync(file, dest)
        else {
          fs.copyFileSync(file, tmp)
          fs.renameSync(tmp, dest)
        }
      } catch (e) {
        fs.rmSync(tmp, { force: true })
        throw new HostError('STORE', `Could not store ${fileName} in ${this.dir}: ${describeFsError(e)}.`)
      }
    })
  }

  /** The first `bytes` of a file on this machine, inspected (see `inspectHead`). */
  inspectPath(file: string, bytes: number): FileInspection {
    const fileName = path.basename(file)
    let head: Buffer
    let size: number
    try {
      size = fs.statSync(file).size
      const fd = fs.openSync(file, 'r')
      try {
        head = Buffer.alloc(Math.min(bytes, size))
        fs.readSync(fd, head, 0, head.length, 0)
      } finally {
        fs.closeSync(fd)
      }
    } catch (e) {
      throw new DataFormatError(`${fileName}: the file cannot be read (${describeFsError(e)}).`)
    }
    return inspectHead(head.toString('utf8'), fileName, size > head.length)
  }

  /** Stops the parse worker. */
  close(): Promise<void> {
    return this.parser.close()
  }

  /** Removes an imported dataset (its index entry, then its file). Runs trained on it keep their weights. */
  remove(id: string): void {
    if (isBuiltin(id))
      throw new ConfigError(`"${id}" is a built-in dataset; only imported datasets can be removed.`)
    const name = this.entry(id).name
    const removed = this.withIndex((entries) => {
      const e = entries.find((x) => x.name === name)
      return { entries: entries.filter((x) => x.name !== name), value: e }
    })
    if (removed) fs.rmSync(path.join(this.dir, removed.file), { force: true })
  }

  /** Checks a parsed file can train, then stores its copy (`store(dest)`) and indexes it under a fresh name. */
  private add(
    ds: Dataset,
    fileName: string,
    opts: ImportOptions,
    store: (dest: string) => void
  ): DatasetInfo {
    if (ds.n < MIN_TRAINABLE_ROWS) throw new DataFormatError(tooFewRowsMessage(fileName, ds.n))
    const ext = path.extname(fileName).toLowerCase()
    this.ensureDir()
    return this.withIndex((entries) => {
      const taken = new Set(entries.map((e) => e.name))
      const stem = safeStem(opts.name ?? path.basename(fileName, path.extname(fileName)))
      let name = stem
      for (let k = 2; taken.has(name) || fs.existsSync(path.join(this.dir, FILES_DIR, name + ext)); k++)
        name = `${stem}-${k}`
      const entry: Entry = {
        name,
        file: `${FILES_DIR}/${name}${ext}`,
        title: opts.name?.trim() || fileName,
        originalName: fileName,
        rows: ds.n,
        dim: ds.d,
        ...(opts.columns !== undefined ? { columnsSpec: opts.columns } : {}),
        ...(opts.skipRows !== undefined && opts.skipRows > 0 ? { skipRows: opts.skipRows } : {}),
        ...(ds.image ? { image: { shape: [...ds.image.shape], range: ds.image.range } } : {}),
        ...(ds.image && ds.classes ? { classes: [...ds.classes] } : {}),
        importedAt: new Date().toISOString()
      }
      this.ensureDir(path.join(this.dir, FILES_DIR))
      store(path.join(this.dir, entry.file))
      return { entries: [...entries, entry], value: entryInfo(entry) }
    })
  }

  private builtinInfo(id: string): DatasetInfo {
    const b = BUILTINS.find((x) => x.id === id)!
    return {
      id,
      kind: 'builtin',
      title: b.title,
      rows: b.image ? Math.min(b.image.images, DEFAULT_BUILTIN_POINTS) : DEFAULT_BUILTIN_POINTS,
      dim: b.dim,
      formula: b.formula,
      ...(b.image ? { image: { shape: b.image.shape, range: b.image.range }, classes: b.image.classes } : {})
    }
  }

  private entry(id: string): Entry {
    const e = id.startsWith(FILE_PREFIX) ? this.entries().find((x) => FILE_PREFIX + x.name === id) : undefined
    if (!e) {
      const known = this.list().map((d) => d.id)
      throw new HostError('NOT_FOUND', `There is no dataset "${id}" (known: ${known.join(', ')}).`)
    }
    return e
  }

  /** The index's entries; a missing index is empty, an unreadable one is an error naming the file. */
  private entries(): Entry[] {
    return this.readIndex()?.datasets ?? []
  }

  /** The parsed index, or null when there is none yet. */
  private readIndex(): z.output<typeof IndexSchema> | null {
    const file = path.join(this.dir, INDEX_FILE)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new HostError('STORE', `The dataset index ${file} cannot be read: ${describeFsError(e)}.`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new HostError('STORE', `The dataset index ${file} is not valid JSON; remove it to start afresh.`)
    }
    const parsed = IndexSchema.safeParse(json)
    if (!parsed.success)
      throw new HostError(
        'STORE',
        `The dataset index ${file} is not in the expected shape; remove it to start afresh.`
      )
    return parsed.data
  }

  /** Read-modify-write of the index under its lock; the new index is written atomically. */
  private withIndex<T>(fn: (entries: Entry[]) => { entries: Entry[]; value: T }): T {
    this.ensureDir()
    const file = path.join(this.dir, INDEX_FILE)
    return withFileLock(file, () => {
      const { entries, value } = fn(this.entries())
      writeFileAtomic(file, JSON.stringify({ version: INDEX_VERSION, datasets: entries }, null, 2) + '\n')
      return value
    })
  }

  /**
   * A version-1 index is rewritten as version 2: its copies stay where they are (runs name them); an entry
   * whose copy was the index itself (a file called `index.json`) had already lost its data and is dropped.
   */
  private migrate(): void {
    if (this.readIndex()?.version !== 1) return
    this.withIndex((entries) => {
      const kept = entries.filter((e) => !isStoreFile(e.file))
      for (const e of entries)
        if (!kept.includes(e))
          console.warn(
            `[datasets] dropped "${e.title}" from ${path.join(this.dir, INDEX_FILE)}: a version-1 store wrote its index over that file.`
          )
      return { entries: kept, value: undefined }
    })
  }

  private ensureDir(dir = this.dir): void {
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (e) {
      throw new HostError('STORE', `Could not create the datasets folder ${dir}: ${describeFsError(e)}.`)
    }
  }
}

/** The index and the files its lock and atomic writes leave beside it. */
function isStoreFile(file: string): boolean {
  return file === INDEX_FILE || file.startsWith(`${INDEX_FILE}.`)
}

function entryInfo(e: Entry): DatasetInfo {
  return {
    id: FILE_PREFIX + e.name,
    kind: 'imported',
    title: e.title,
    rows: e.rows,
    dim: e.dim,
    ...(e.image ? { image: { shape: e.image.shape, range: e.image.range } } : {}),
    ...(e.classes ? { classes: e.classes } : {})
  }
}

/** The importer's options for an entry's stored copy. */
function entryOptions(e: Entry): LoadOptions {
  return {
    ...(e.columnsSpec !== undefined ? { columns: e.columnsSpec } : {}),
    ...(e.skipRows !== undefined ? { skipRows: e.skipRows } : {})
  }
}

function loadOptions(o: ImportOptions): LoadOptions {
  return {
    ...(o.columns !== undefined ? { columns: o.columns } : {}),
    ...(o.skipRows !== undefined ? { skipRows: o.skipRows } : {})
  }
}
