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
import type { DatasetInfo, DatasetPreview, FeatureStats } from '../shared/api'
import {
  BUILTINS,
  DEFAULT_BUILTIN_POINTS,
  DEFAULT_MAX_BYTES,
  MIN_TRAINABLE_ROWS,
  generateBuiltin,
  isBuiltin,
  parseDatasetBytes,
  resolveDataset,
  subsample
} from '../engine/data'
import { ConfigError, DataFormatError } from '../engine/errors'
import { Rng } from '../engine/rng'
import { describeFsError, withFileLock, writeFileAtomic } from '../engine/store/fs-utils'
import type { Dataset, Points } from '../engine/types'
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
  columns: z.array(z.string()),
  columnsSpec: z.string().optional(),
  skipRows: z.number().int().nonnegative().optional(),
  importedAt: z.string()
})
type Entry = z.output<typeof EntrySchema>
const INDEX_VERSION = 2
const IndexSchema = z.object({ version: z.literal([1, INDEX_VERSION]), datasets: z.array(EntrySchema) })

/** What an import needs: the file's bytes and name (from an upload, or read from a path by the host). */
export interface ImportInput {
  bytes: Uint8Array
  fileName: string
  name?: string
  columns?: string
  skipRows?: number
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
  private builtinColumns = new Map<string, string[]>()

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
   * stored copy of an imported file with its column selection.
   */
  load(id: string, seed = 0): Dataset {
    if (isBuiltin(id)) return resolveDataset(id, { seed })
    const e = this.entry(id)
    return resolveDataset(path.join(this.dir, e.file), {
      ...(e.columnsSpec !== undefined ? { columns: e.columnsSpec } : {}),
      ...(e.skipRows !== undefined ? { skipRows: e.skipRows } : {})
    })
  }

  /** Up to `n` rows (a seeded random subset) and per-feature statistics over all rows. */
  preview(id: string, n = 2000): DatasetPreview {
    const info = this.info(id)
    const ds = this.load(id)
    const sub = subsample(ds, n, new Rng(0x9e71e3))
    return { info, points: Array.from(sub.data), n: sub.n, stats: featureStats(ds) }
  }

  /** Validates the file with the engine's importer, then copies it in and indexes it. */
  import(input: ImportInput): DatasetInfo {
    const ext = path.extname(input.fileName).toLowerCase()
    const ds = parseDatasetBytes(input.bytes, input.fileName, {
      ...(input.columns !== undefined ? { columns: input.columns } : {}),
      ...(input.skipRows !== undefined ? { skipRows: input.skipRows } : {})
    })
    if (ds.n < MIN_TRAINABLE_ROWS)
      throw new DataFormatError(
        `${input.fileName} has ${ds.n === 1 ? '1 row' : `${ds.n} rows`}; a data set needs at least ` +
          `${MIN_TRAINABLE_ROWS} to train (some are held out to score the model, and a batch takes at least 2).`
      )
    this.ensureDir()
    return this.withIndex((entries) => {
      const taken = new Set(entries.map((e) => e.name))
      const stem = safeStem(input.name ?? path.basename(input.fileName, path.extname(input.fileName)))
      let name = stem
      for (let k = 2; taken.has(name) || fs.existsSync(path.join(this.dir, FILES_DIR, name + ext)); k++)
        name = `${stem}-${k}`
      const entry: Entry = {
        name,
        file: `${FILES_DIR}/${name}${ext}`,
        title: input.name?.trim() || input.fileName,
        originalName: input.fileName,
        rows: ds.n,
        dim: ds.d,
        columns: ds.columns,
        ...(input.columns !== undefined ? { columnsSpec: input.columns } : {}),
        ...(input.skipRows !== undefined && input.skipRows > 0 ? { skipRows: input.skipRows } : {}),
        importedAt: new Date().toISOString()
      }
      this.ensureDir(path.join(this.dir, FILES_DIR))
      writeFileAtomic(path.join(this.dir, entry.file), input.bytes)
      return { entries: [...entries, entry], value: entryInfo(entry) }
    })
  }

  /** Reads a file chosen on this machine (Electron's open dialog) and imports it. */
  importPath(file: string, opts: Omit<ImportInput, 'bytes' | 'fileName'>): DatasetInfo {
    const fileName = path.basename(file)
    let bytes: Uint8Array
    try {
      const st = fs.statSync(file)
      if (st.isDirectory()) throw new DataFormatError(`${fileName}: it is a directory, not a file (${file}).`)
      if (st.size > DEFAULT_MAX_BYTES)
        throw new DataFormatError(
          `${fileName}: the file is ${(st.size / 2 ** 20).toFixed(0)} MiB, over the ${DEFAULT_MAX_BYTES / 2 ** 20} MiB size limit.`
        )
      bytes = fs.readFileSync(file)
    } catch (e) {
      if (e instanceof DataFormatError) throw e
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new DataFormatError(`${fileName}: no such file (${file}).`)
      throw new DataFormatError(`${fileName}: the file cannot be read (${describeFsError(e)}).`)
    }
    return this.import({ bytes, fileName, ...opts })
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

  private builtinInfo(id: string): DatasetInfo {
    const b = BUILTINS.find((x) => x.id === id)!
    let columns = this.builtinColumns.get(id)
    if (!columns) {
      columns = b.image ? Array.from({ length: b.dim }, (_, j) => `x${j}`) : generateBuiltin(id, 1, 0).columns
      this.builtinColumns.set(id, columns)
    }
    return {
      id,
      kind: 'builtin',
      title: b.title,
      rows: b.image ? Math.min(b.image.images, DEFAULT_BUILTIN_POINTS) : DEFAULT_BUILTIN_POINTS,
      dim: b.dim,
      columns,
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
    columns: e.columns
  }
}

/** Mean, standard deviation, min and max of every column (float64 accumulation). */
export function featureStats(ds: Points & { columns: string[] }): FeatureStats[] {
  return ds.columns.map((name, j) => {
    let sum = 0
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < ds.n; i++) {
      const v = ds.data[i * ds.d + j]!
      sum += v
      if (v < min) min = v
      if (v > max) max = v
    }
    const mean = ds.n > 0 ? sum / ds.n : NaN
    let ss = 0
    for (let i = 0; i < ds.n; i++) ss += (ds.data[i * ds.d + j]! - mean) ** 2
    return { name, mean, std: ds.n > 1 ? Math.sqrt(ss / (ds.n - 1)) : 0, min, max }
  })
}
