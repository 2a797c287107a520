/**
 * The run store: one folder per run under a root (`./runs` or `$PFM_RUNS_DIR` for the CLI).
 *
 * ```
 * <root>/<id>/run.json        RunRecord (schema 1) — rewritten atomically on every change
 *            metrics.jsonl    one MetricsRecord per line, appended (a torn last line is tolerated)
 *            weights.json     { kind, … } written atomically at checkpoints
 *            samples.csv      header + points in data units, written atomically at the end
 *            snapshots.jsonl  samples at fixed fractions of training, appended (see snapshots.ts)
 *            checkpoint.json  CheckpointFile: step, rng positions, training state (base64 float32) — written atomically with
 *                             weights.json at every checkpoint (what `resume` continues from)
 *            weights.best.json the weights of the best held-out evaluation (run.json `best` says which)
 * <root>/.tmp-<id>/           a run being created (renamed to <id> once run.json exists)
 * <root>/.tmp-del-<id>-<r>/   a run being deleted
 * ```
 *
 * Reads never trust the disk: every run.json goes through `RunRecordSchema`; a run that cannot be read is
 * reported by `list()` in `problems` and skipped, and `load()` throws a StoreError naming the file and field.
 * Ids are checked before they touch a path, so no caller can reach outside the root.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { z } from 'zod'
import { StoreError } from '../errors'
import type { RunConfig } from '../train/config'
import type { Points, Standardization } from '../types'
import {
  describeFsError,
  fsyncDir,
  pidAlive,
  randomHex,
  renameDir,
  TMP_FILE_RE,
  withFileLock,
  writeFileAtomic
} from './fs-utils'
import { assertRunId, invalidIdReason, newRunId } from './ids'
import { METRICS_FILE, readJsonLinesFile, readMetricsFile } from './metrics-log'
import { formatSamplesCsv, parseSamplesCsv, SAMPLES_FILE } from './samples-csv'
import { SnapshotRecordSchema, SNAPSHOTS_FILE, type SnapshotRecord } from './snapshots'
import {
  RUN_SCHEMA_VERSION,
  RunConfigSchema,
  RunRecordSchema,
  WeightsEnvelopeSchema,
  CheckpointFileSchema,
  CHECKPOINT_SCHEMA_VERSION,
  type BestInfo,
  type CheckpointFile,
  type FinalStatus,
  type LoadedRun,
  type MetricsRecord,
  type ReportedStatus,
  type RunErrorInfo,
  type RunRecord,
  type RunResult,
  type RunSummary,
  type StoreProblem
} from './schema'
import { describeIssue } from './validate'
import { encodeFloat32 } from './float32-base64'
import { weightsProblem } from './weights-check'
import { packWeights, unpackWeights } from './weights-codec'

export const RUN_FILE = 'run.json'
export const WEIGHTS_FILE = 'weights.json'
export const BEST_WEIGHTS_FILE = 'weights.best.json'
/** A checkpoint file's identity on disk (`RunStore.checkpointStamp`). */
export interface CheckpointStamp {
  size: number
  mtimeMs: number
  ino: number
}
export const CHECKPOINT_FILE = 'checkpoint.json'
export { METRICS_FILE, SAMPLES_FILE, SNAPSHOTS_FILE }

const MAX_NAME_LENGTH = 200
const FINAL_STATUSES: readonly FinalStatus[] = ['completed', 'failed', 'cancelled']

/** Writes into one run while it trains. Every whole-file write is atomic; run.json is rewritten on each change. */
export interface RunHandle {
  readonly id: string
  /** Absolute path of the run's folder. */
  readonly dir: string
  /** The backend that actually runs (`wasm`, `tensorflow`, …). */
  setBackend(id: string): void
  setStandardization(s: Standardization): void
  /** Appends one line to metrics.jsonl. */
  appendMetrics(rec: MetricsRecord): void
  /** Writes weights.json atomically; `w` must be a JSON object with a string `kind`. */
  saveWeights(w: unknown): void
  /** Writes samples.csv atomically (values in data units, one column name per dimension). */
  saveSamples(columns: string[], points: Points): void
  /** Appends one snapshot (data units) to snapshots.jsonl. */
  appendSnapshot(step: number, points: Points): void
  /**
   * A checkpoint: weights.json, then checkpoint.json, then run.json's `checkpoint` — each atomic, in that
   * order, so run.json never names a step whose files are not on disk.
   */
  saveCheckpoint(weights: unknown, file: CheckpointData): void
  /** The best held-out evaluation so far: weights.best.json, then run.json's `best`. */
  saveBest(weights: unknown, best: BestInfo): void
  /** Records the final status. May be called again (e.g. `failed` after a `completed` write failed): last wins. */
  finish(status: FinalStatus, result: RunResult | null, error?: RunErrorInfo): void
}

export interface RunStoreOptions {
  /** Clock for `createdAt`/`updatedAt` and ids (tests pass a fake one). */
  now?: () => Date
}

type ReadResult = { ok: true; record: RunRecord } | { ok: false; reason: string }

/** Reads and validates `<dir>/run.json`; never throws. */
function readRecordFile(dir: string): ReadResult {
  let text: string
  try {
    text = fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { ok: false, reason: `${RUN_FILE} is missing` }
    return { ok: false, reason: `${RUN_FILE} cannot be read: ${describeFsError(e)}` }
  }
  if (text.trim() === '') return { ok: false, reason: `${RUN_FILE} is empty` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { ok: false, reason: `${RUN_FILE} is not valid JSON (${(e as Error).message})` }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, reason: `${RUN_FILE} is not a JSON object` }
  const version = (json as { schema?: unknown }).schema
  if (typeof version === 'number' && version > RUN_SCHEMA_VERSION)
    return {
      ok: false,
      reason: `${RUN_FILE} has schema ${version}, written by a newer Pushforward Lab (this one reads schema ${RUN_SCHEMA_VERSION})`
    }
  const parsed = RunRecordSchema.safeParse(json)
  if (!parsed.success) return { ok: false, reason: `${RUN_FILE} ${describeIssue(parsed.error)}` }
  return { ok: true, record: parsed.data }
}

/** `crashed` for a `running` run whose process is gone (only decidable on the host that runs it). */
function reportedStatus(r: RunRecord): ReportedStatus {
  if (r.status === 'running' && r.hostname === os.hostname() && !pidAlive(r.pid)) return 'crashed'
  return r.status
}

function summarize(id: string, rec: RunRecord): RunSummary {
  const status = reportedStatus(rec)
  return {
    id,
    name: rec.name,
    status,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    objective: rec.config.objective,
    dataset: rec.config.dataset.name,
    steps: rec.config.steps,
    stepsDone: rec.result?.stepsDone ?? null,
    hyper: { batch: rec.config.batch, lr: rec.config.lr, seed: rec.config.seed, params: rec.config.params },
    wallMs: rec.result?.durationMs ?? rec.checkpoint?.elapsedMs ?? null,
    metrics: rec.result?.metrics ?? null,
    metricsStep: rec.result?.metricsStep ?? null,
    backend: rec.backend,
    error: rec.error,
    checkpointStep: rec.checkpoint?.step ?? null,
    resumable: canResume(rec, status),
    best: rec.best ?? null
  }
}

/** A stopped run (crashed, cancelled, failed) whose last checkpoint holds a training state and is not the end. */
function canResume(r: RunRecord, status: ReportedStatus): boolean {
  const c = r.checkpoint
  return status !== 'running' && status !== 'completed' && !!c && c.resumable && c.step < r.config.steps
}

/** JSON text of a record, after checking that it reads back valid — the store never writes what it cannot read. */
function serializeRecord(record: RunRecord, what: string): string {
  const text = JSON.stringify(record, null, 2) + '\n'
  const check = RunRecordSchema.safeParse(JSON.parse(text))
  if (!check.success)
    throw new StoreError(`${what}: the run record would be invalid (${describeIssue(check.error)}).`)
  return text
}

/**
 * `value` with every typed array replaced by a plain array (JSON.stringify would write `{"0": …}`);
 * returns `value` itself, uncopied, when it holds none. Cheaper than a JSON.stringify replacer on big weights.
 */
function withPlainArrays(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value
  if (depth > 200) throw new StoreError('Cannot save: the value is nested too deeply (or is circular).')
  if (ArrayBuffer.isView(value))
    return value instanceof DataView ? value : Array.from(value as unknown as ArrayLike<number>)
  if (Array.isArray(value)) {
    let out: unknown[] | null = null
    for (let i = 0; i < value.length; i++) {
      const e: unknown = value[i]
      if (e === null || typeof e !== 'object') continue
      const p = withPlainArrays(e, depth + 1)
      if (p !== e) (out ??= value.slice())[i] = p
    }
    return out ?? value
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value
  let out: Record<string, unknown> | null = null
  for (const [k, e] of Object.entries(value)) {
    if (e === null || typeof e !== 'object') continue
    const p = withPlainArrays(e, depth + 1)
    if (p !== e) (out ??= { ...(value as Record<string, unknown>) })[k] = p
  }
  return out ?? value
}

const toJson = (value: unknown): string => JSON.stringify(withPlainArrays(value))

/** A weights file's text: its long float32 arrays as base64 (weights-codec.ts). */
const weightsText = (value: unknown): string => JSON.stringify(packWeights(value))

/** What a checkpoint holds; `saveCheckpoint` writes it in the current format. */
export type CheckpointData = Omit<CheckpointFile, 'schema'>

/** checkpoint.json's text in the current format (schema 2: the state's arrays as base64 float32). */
function checkpointText(file: CheckpointData): string {
  const state = file.state && {
    arrays: Object.fromEntries(Object.entries(file.state.arrays).map(([k, a]) => [k, encodeFloat32(a)])),
    counters: file.state.counters
  }
  return JSON.stringify({ schema: CHECKPOINT_SCHEMA_VERSION, ...file, state })
}

function checkName(name: string): string {
  const n = name.trim()
  if (!n) throw new StoreError('A run name cannot be empty.')
  if (n.length > MAX_NAME_LENGTH)
    throw new StoreError(`A run name is limited to ${MAX_NAME_LENGTH} characters.`)
  return n
}

function ageMs(p: string): number {
  try {
    return Date.now() - fs.statSync(p).mtimeMs
  } catch {
    return 0
  }
}

export class RunStore {
  /** Absolute path of the root folder. */
  readonly root: string
  private readonly now: () => Date

  constructor(root: string, opts: RunStoreOptions = {}) {
    this.root = path.resolve(root)
    this.now = opts.now ?? (() => new Date())
  }

  /**
   * The store at `root`, with what killed processes left behind removed first (`cleanup`: only entries
   * whose owner is gone or that are old, so a live writer's lock or temp file is never touched).
   */
  static open(root: string, opts: RunStoreOptions = {}): RunStore {
    const store = new RunStore(root, opts)
    store.cleanup()
    return store
  }

  /** Creates `<root>/<id>/` with a `running` run.json; the folder appears only once run.json is complete. */
  create(init: { config: RunConfig; name?: string }): RunHandle {
    const parsed = RunConfigSchema.safeParse(init.config)
    if (!parsed.success) throw new StoreError(`Cannot create a run: config ${describeIssue(parsed.error)}.`)
    const config = parsed.data
    const name =
      init.name !== undefined ? checkName(init.name) : `${config.objective} on ${config.dataset.name}`
    try {
      fs.mkdirSync(this.root, { recursive: true })
    } catch (e) {
      throw new StoreError(`Could not create the runs folder ${this.root}: ${describeFsError(e)}.`)
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      const date = this.now()
      const id = newRunId(date, config.objective, config.dataset.name)
      const dir = path.join(this.root, id)
      const tmp = path.join(this.root, `.tmp-${id}`)
      if (fs.existsSync(dir)) continue
      try {
        fs.mkdirSync(tmp)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue
        throw new StoreError(`Could not create ${tmp}: ${describeFsError(e)}.`)
      }
      const at = date.toISOString()
      const record: RunRecord = {
        schema: RUN_SCHEMA_VERSION,
        id,
        name,
        createdAt: at,
        updatedAt: at,
        status: 'running',
        pid: process.pid,
        hostname: os.hostname(),
        config,
        backend: null,
        standardization: null,
        result: null,
        error: null
      }
      try {
        writeFileAtomic(path.join(tmp, RUN_FILE), serializeRecord(record, `Run "${id}"`))
        if (fs.existsSync(dir)) throw Object.assign(new Error('taken'), { code: 'EEXIST' })
        renameDir(tmp, dir)
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true })
        const code = (e as NodeJS.ErrnoException).code
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue
        if (e instanceof StoreError) throw e
        throw new StoreError(`Could not create run folder ${dir}: ${describeFsError(e)}.`)
      }
      fsyncDir(this.root)
      return new RunWriter(id, dir, record, this.now)
    }
    throw new StoreError(`Could not find a free run id in ${this.root} (tried 8).`)
  }

  /** Every readable run, newest first; unreadable run folders go to `problems`. Never throws for a bad entry. */
  list(): { runs: RunSummary[]; problems: StoreProblem[] } {
    const runs: RunSummary[] = []
    const created = new Map<string, number>()
    const problems: StoreProblem[] = []
    let names: string[]
    try {
      names = fs.readdirSync(this.root)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], problems: [] }
      throw new StoreError(`Could not read the runs folder ${this.root}: ${describeFsError(e)}.`)
    }
    for (const name of names) {
      if (name.startsWith('.')) continue // .tmp-* (creating, deleting) and hidden files
      const dir = path.join(this.root, name)
      let isDir = false
      try {
        isDir = fs.statSync(dir).isDirectory()
      } catch {
        continue // vanished meanwhile, or a dangling link
      }
      if (!isDir) continue // a stray file
      const why = invalidIdReason(name)
      if (why) {
        problems.push({ id: name, reason: `the folder name is not a valid run id (${why})` })
        continue
      }
      const r = readRecordFile(dir)
      if (!r.ok) {
        problems.push({ id: name, reason: r.reason })
        continue
      }
      const rec = r.record
      const t = Date.parse(rec.createdAt)
      runs.push(summarize(name, rec))
      created.set(name, Number.isFinite(t) ? t : 0)
    }
    runs.sort((a, b) => created.get(b.id)! - created.get(a.id)! || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    problems.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return { runs, problems }
  }

  /** The run's record (status as reported: a dead `running` run is `crashed`) and folder. */
  load(id: string): LoadedRun {
    const dir = this.existingDir(id)
    const r = readRecordFile(dir)
    if (!r.ok) throw new StoreError(`Run "${id}": ${r.reason}.`)
    // The folder name is the id (a folder copied or renamed by hand keeps working).
    return { ...r.record, id, status: reportedStatus(r.record), dir }
  }

  /** One run's `list()` row; throws a StoreError naming the file and field when it cannot be read. */
  summary(id: string): RunSummary {
    const dir = this.existingDir(id)
    const r = readRecordFile(dir)
    if (!r.ok) throw new StoreError(`Run "${id}": ${r.reason}.`)
    return summarize(id, r.record)
  }

  /** metrics.jsonl; unreadable lines (a torn last line after a crash) are skipped with a warning. */
  readMetricsLog(id: string): { records: MetricsRecord[]; warnings: string[] } {
    const dir = this.existingDir(id)
    try {
      return readMetricsFile(path.join(dir, METRICS_FILE))
    } catch (e) {
      throw new StoreError(`Run "${id}": ${METRICS_FILE} cannot be read: ${describeFsError(e)}.`)
    }
  }

  /** snapshots.jsonl, in step order; unreadable lines are skipped with a warning. */
  readSnapshots(id: string): { records: SnapshotRecord[]; warnings: string[] } {
    const dir = this.existingDir(id)
    try {
      const r = readJsonLinesFile(path.join(dir, SNAPSHOTS_FILE), SnapshotRecordSchema, SNAPSHOTS_FILE)
      return { records: r.records.sort((a, b) => a.step - b.step), warnings: r.warnings }
    } catch (e) {
      throw new StoreError(`Run "${id}": ${SNAPSHOTS_FILE} cannot be read: ${describeFsError(e)}.`)
    }
  }

  /** weights.json, checked to be `{ kind: string, … }` — and against `schema` when one is given. */
  readWeights<T = unknown>(id: string): T
  readWeights<S extends z.ZodType>(id: string, schema: S): z.output<S>
  readWeights(id: string, schema?: z.ZodType): unknown {
    return this.readWeightsFile(id, WEIGHTS_FILE, schema)
  }

  /** `weights.json` (`final`: the last checkpoint or the end of training) or `weights.best.json` (`best`). */
  readWeightsOf(id: string, which: WeightsChoice): { kind: string } & Record<string, unknown> {
    return this.readWeightsFile(id, which === 'best' ? BEST_WEIGHTS_FILE : WEIGHTS_FILE) as {
      kind: string
    } & Record<string, unknown>
  }

  private readWeightsFile(id: string, file: string, schema?: z.ZodType): unknown {
    const dir = this.existingDir(id)
    let text: string
    try {
      text = fs.readFileSync(path.join(dir, file), 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StoreError(
          file === BEST_WEIGHTS_FILE
            ? `Run "${id}" has no ${file} (it is written at held-out evaluations during training).`
            : `Run "${id}" has no ${file} yet (weights are written at checkpoints).`
        )
      throw new StoreError(`Run "${id}": ${file} cannot be read: ${describeFsError(e)}.`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      throw new StoreError(`Run "${id}": ${file} is not valid JSON (${(e as Error).message}).`)
    }
    // packed arrays back to numbers first (in place), so the envelope and the checks see what was saved
    const packing = unpackWeights(json)
    const env = WeightsEnvelopeSchema.safeParse(json)
    if (!env.success) throw new StoreError(`Run "${id}": ${file} ${describeIssue(env.error)}.`)
    const bad = packing ?? weightsProblem(json)
    if (bad) throw new StoreError(`Run "${id}": ${file} field "${bad.field}" ${bad.reason}.`)
    if (!schema) return env.data
    const full = schema.safeParse(json)
    if (!full.success) throw new StoreError(`Run "${id}": ${file} ${describeIssue(full.error)}.`)
    return full.data
  }

  /**
   * checkpoint.json's identity on disk (size, modification time, inode): a checkpoint is only ever replaced
   * whole (written atomically), so an equal stamp means the same file. null when there is none.
   */
  checkpointStamp(id: string): CheckpointStamp | null {
    try {
      const st = fs.statSync(path.join(this.existingDir(id), CHECKPOINT_FILE))
      return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new StoreError(`Run "${id}": ${CHECKPOINT_FILE} cannot be read: ${describeFsError(e)}.`)
    }
  }

  /** checkpoint.json, schema-checked; throws a StoreError naming the run, file and field. */
  readCheckpoint(id: string): CheckpointFile {
    const dir = this.existingDir(id)
    let json: unknown
    try {
      json = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8'))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StoreError(`Run "${id}" has no ${CHECKPOINT_FILE} (it stopped before its first checkpoint).`)
      const why = e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read: ${describeFsError(e)}`
      throw new StoreError(`Run "${id}": ${CHECKPOINT_FILE} ${why}.`)
    }
    const parsed = CheckpointFileSchema.safeParse(json)
    if (!parsed.success) throw new StoreError(`Run "${id}": ${CHECKPOINT_FILE} ${describeIssue(parsed.error)}.`)
    return parsed.data
  }

  /** Throws a StoreError unless `run` has stopped without completing (crashed, cancelled, failed). */
  checkResumable(run: Pick<LoadedRun, 'id' | 'status' | 'pid' | 'hostname'>): void {
    if (run.status === 'running')
      throw new StoreError(`Run "${run.id}" is still running (process ${run.pid} on ${run.hostname}).`)
    if (run.status === 'completed') throw new StoreError(`Run "${run.id}" has completed; there is nothing to resume.`)
  }

  /**
   * Reopens a stopped run (crashed, cancelled or failed) to continue it from its checkpoint: the metrics log
   * and snapshots are cut back to the checkpoint's step, and run.json says `running` in this process again.
   * Refuses a run that is running, completed, or has no resumable checkpoint, with the reason.
   *
   * `read` is the checkpoint whose training state the caller has already loaded (its step, and its stamp taken
   * before reading; `resumeRun` refuses one without a state): it is checked to still be the file on disk
   * instead of being parsed again (hundreds of MB of JSON for an MNIST-size network); one replaced since is
   * refused.
   */
  resume(id: string, read: { step: number; stamp: CheckpointStamp }): { handle: RunHandle; run: LoadedRun } {
    const dir = this.existingDir(id)
    const file = path.join(dir, RUN_FILE)
    return withFileLock(file, () => {
      const r = readRecordFile(dir)
      if (!r.ok) throw new StoreError(`Run "${id}": ${r.reason}.`)
      this.checkResumable({ ...r.record, id, status: reportedStatus(r.record) })
      const now = this.checkpointStamp(id)
      if (!now || now.size !== read.stamp.size || now.mtimeMs !== read.stamp.mtimeMs || now.ino !== read.stamp.ino)
        throw new StoreError(
          `Run "${id}": ${CHECKPOINT_FILE} changed while the run was being resumed (another process wrote it); resume again.`
        )
      if (read.step >= r.record.config.steps)
        throw new StoreError(`Run "${id}" checkpointed its last step; there is nothing to resume.`)
      const keep = (rec: { step: number }): boolean => rec.step <= read.step
      rewriteJsonLines(path.join(dir, METRICS_FILE), keep)
      rewriteJsonLines(path.join(dir, SNAPSHOTS_FILE), keep)
      const record: RunRecord = {
        ...r.record,
        status: 'running',
        pid: process.pid,
        hostname: os.hostname(),
        result: null,
        error: null,
        updatedAt: this.now().toISOString()
      }
      writeFileAtomic(file, serializeRecord(record, `Run "${id}"`))
      const run: LoadedRun = { ...record, id, dir }
      return { handle: new RunWriter(id, dir, record, this.now), run }
    })
  }

  /** samples.csv: column names and points in data units. */
  readSamples(id: string): { columns: string[]; points: Points } {
    const dir = this.existingDir(id)
    let text: string
    try {
      text = fs.readFileSync(path.join(dir, SAMPLES_FILE), 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StoreError(`Run "${id}" has no ${SAMPLES_FILE} (samples are written when training ends).`)
      throw new StoreError(`Run "${id}": ${SAMPLES_FILE} cannot be read: ${describeFsError(e)}.`)
    }
    try {
      return parseSamplesCsv(text)
    } catch (e) {
      throw e instanceof StoreError ? new StoreError(`Run "${id}": ${e.message}`) : e
    }
  }

  /**
   * Removes the run's folder: renamed to `.tmp-del-…` first (so it leaves `list()` at once), then removed.
   * Refuses a run that is still running unless `force` (cancel it first).
   */
  delete(id: string, opts: { force?: boolean } = {}): void {
    const dir = this.existingDir(id)
    const r = readRecordFile(dir)
    if (!opts.force && r.ok && reportedStatus(r.record) === 'running')
      throw new StoreError(
        `Run "${id}" is still running (process ${r.record.pid} on ${r.record.hostname}); cancel it before deleting it.`
      )
    const trash = path.join(this.root, `.tmp-del-${id}-${randomHex(3)}`)
    let target = trash
    try {
      renameDir(dir, trash)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StoreError(`No run "${id}" in ${this.root}.`)
      target = dir // cannot rename (e.g. a file held open on Windows): remove in place
    }
    try {
      fs.rmSync(target, { recursive: true, force: true })
    } catch (e) {
      if (target === dir) throw new StoreError(`Could not delete run "${id}": ${describeFsError(e)}.`)
      // Already out of list(); cleanup() removes the rest later.
    }
  }

  /** Changes the display name (run.json `name`); the id and folder stay. */
  rename(id: string, name: string): void {
    const clean = checkName(name)
    const dir = this.existingDir(id)
    const file = path.join(dir, RUN_FILE)
    withFileLock(file, () => {
      const r = readRecordFile(dir)
      if (!r.ok) throw new StoreError(`Run "${id}": ${r.reason}.`)
      const record: RunRecord = { ...r.record, name: clean, updatedAt: this.now().toISOString() }
      writeFileAtomic(file, serializeRecord(record, `Run "${id}"`))
    })
  }

  /**
   * Removes leftovers of interrupted work: `.tmp-del-*` folders, `.tmp-<id>` folders of creations that
   * did not finish, and `<file>.tmp-<pid>-<rand>` files inside runs. An entry is stale when its writer's
   * process is dead (when known) or it is older than `minAgeMs` (default 60 s). Returns how many were removed.
   */
  cleanup(opts: { minAgeMs?: number } = {}): number {
    const minAge = opts.minAgeMs ?? 60_000
    let removed = 0
    const remove = (p: string): void => {
      try {
        fs.rmSync(p, { recursive: true, force: true })
        removed++
      } catch {
        /* in use; next time */
      }
    }
    let names: string[]
    try {
      names = fs.readdirSync(this.root)
    } catch {
      return 0
    }
    const host = os.hostname()
    for (const name of names) {
      const p = path.join(this.root, name)
      if (name.startsWith('.tmp-del-')) {
        remove(p)
      } else if (name.startsWith('.tmp-')) {
        const r = readRecordFile(p)
        const ownerDead = r.ok && r.record.hostname === host && !pidAlive(r.record.pid)
        if (ownerDead || ageMs(p) >= minAge) remove(p)
      } else if (!invalidIdReason(name)) {
        let entries: string[]
        try {
          entries = fs.readdirSync(p)
        } catch {
          continue // a stray file, or unreadable
        }
        const r = readRecordFile(p)
        const sameHost = !r.ok || r.record.hostname === host
        for (const e of entries) {
          const m = TMP_FILE_RE.exec(e)
          const lock = e.endsWith('.lock')
          if (!m && !lock) continue
          const f = path.join(p, e)
          let ownerDead = false
          if (m && sameHost) ownerDead = !pidAlive(Number(m[1]))
          if (lock && sameHost) {
            try {
              const pid = Number(fs.readFileSync(f, 'utf8'))
              ownerDead = pid > 0 && !pidAlive(pid)
            } catch {
              /* vanished */
            }
          }
          if (ownerDead || ageMs(f) >= minAge) remove(f)
        }
      }
    }
    return removed
  }

  /** `<root>/<id>` after checking the id and that the folder exists. */
  private existingDir(id: string): string {
    assertRunId(id)
    const dir = path.join(this.root, id)
    let isDir = false
    try {
      isDir = fs.statSync(dir).isDirectory()
    } catch {
      /* missing */
    }
    if (!isDir) throw new StoreError(`No run "${id}" in ${this.root}.`)
    return dir
  }
}

/** Which stored weights to open: the last written (default) or the best held-out evaluation's. */
export type WeightsChoice = 'final' | 'best'

/** Keeps the lines of a JSON-lines file whose record passes `keep` (torn or unreadable lines are dropped). */
function rewriteJsonLines(file: string, keep: (rec: { step: number }) => boolean): void {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new StoreError(`Could not read ${file}: ${describeFsError(e)}.`)
  }
  const lines = text.split('\n').filter((line) => {
    try {
      const rec = JSON.parse(line) as { step?: unknown }
      return typeof rec.step === 'number' && keep(rec as { step: number })
    } catch {
      return false
    }
  })
  writeFileAtomic(file, lines.map((l) => l + '\n').join(''))
}

class RunWriter implements RunHandle {
  readonly id: string
  readonly dir: string
  private record: RunRecord
  private readonly now: () => Date

  constructor(id: string, dir: string, record: RunRecord, now: () => Date) {
    this.id = id
    this.dir = dir
    this.record = record
    this.now = now
  }

  setBackend(id: string): void {
    this.update({ backend: id })
  }

  setStandardization(s: Standardization): void {
    if (s.mean.length !== s.std.length)
      throw new StoreError(
        `Run "${this.id}": standardisation has ${s.mean.length} means but ${s.std.length} deviations.`
      )
    this.update({
      standardization: {
        mean: Array.from(s.mean),
        std: Array.from(s.std),
        ...(s.range ? { range: [s.range[0], s.range[1]] as [number, number] } : {})
      }
    })
  }

  appendMetrics(rec: MetricsRecord): void {
    if (!Number.isInteger(rec.step) || rec.step < 0)
      throw new StoreError(`Run "${this.id}": metrics step ${rec.step} is not a whole number ≥ 0.`)
    this.guard(METRICS_FILE, () => fs.appendFileSync(path.join(this.dir, METRICS_FILE), toJson(rec) + '\n'))
  }

  appendSnapshot(step: number, points: Points): void {
    if (!Number.isInteger(step) || step < 0)
      throw new StoreError(`Run "${this.id}": snapshot step ${step} is not a whole number ≥ 0.`)
    const rec: SnapshotRecord = {
      step,
      d: points.d,
      points: Array.from(points.data.subarray(0, points.n * points.d), (v) => Math.fround(v))
    }
    this.guard(SNAPSHOTS_FILE, () =>
      fs.appendFileSync(path.join(this.dir, SNAPSHOTS_FILE), JSON.stringify(rec) + '\n')
    )
  }

  saveWeights(w: unknown): void {
    const env = WeightsEnvelopeSchema.safeParse(w)
    if (!env.success)
      throw new StoreError(
        `Run "${this.id}": cannot save weights: ${describeIssue(env.error)} (expected { kind: string, … }).`
      )
    const text = weightsText(w)
    this.guard(WEIGHTS_FILE, () => writeFileAtomic(path.join(this.dir, WEIGHTS_FILE), text))
  }

  saveCheckpoint(weights: unknown, file: CheckpointData): void {
    const text = checkpointText(file)
    this.saveWeights(weights)
    this.guard(CHECKPOINT_FILE, () => writeFileAtomic(path.join(this.dir, CHECKPOINT_FILE), text))
    this.update({
      checkpoint: {
        step: file.step,
        elapsedMs: file.elapsedMs,
        at: this.now().toISOString(),
        resumable: file.state !== null
      }
    })
  }

  saveBest(weights: unknown, best: BestInfo): void {
    const env = WeightsEnvelopeSchema.safeParse(weights)
    if (!env.success)
      throw new StoreError(`Run "${this.id}": cannot save weights: ${describeIssue(env.error)}.`)
    const text = weightsText(weights)
    this.guard(BEST_WEIGHTS_FILE, () => writeFileAtomic(path.join(this.dir, BEST_WEIGHTS_FILE), text))
    this.update({ best })
  }

  saveSamples(columns: string[], points: Points): void {
    const text = formatSamplesCsv(columns, points)
    this.guard(SAMPLES_FILE, () => writeFileAtomic(path.join(this.dir, SAMPLES_FILE), text))
  }

  finish(status: FinalStatus, result: RunResult | null, error?: RunErrorInfo): void {
    if (!FINAL_STATUSES.includes(status))
      throw new StoreError(
        `Run "${this.id}": "${String(status)}" is not a final status (${FINAL_STATUSES.join(', ')}).`
      )
    // A completed run needs no training state: its checkpoint (optimizer moments and all) is dropped.
    if (status === 'completed') fs.rmSync(path.join(this.dir, CHECKPOINT_FILE), { force: true })
    this.update({
      status,
      result,
      error: error ? { code: error.code, message: error.message } : null,
      ...(status === 'completed' ? { checkpoint: null } : {})
    })
  }

  /** Read-modify-write of run.json under its lock; the name is taken from disk (it is `RunStore.rename`'s). */
  private update(patch: Partial<RunRecord>): void {
    const file = path.join(this.dir, RUN_FILE)
    this.guard(RUN_FILE, () =>
      withFileLock(file, () => {
        const disk = readRecordFile(this.dir)
        const next: RunRecord = {
          ...this.record,
          ...patch,
          name: disk.ok ? disk.record.name : this.record.name,
          updatedAt: this.now().toISOString()
        }
        writeFileAtomic(file, serializeRecord(next, `Run "${this.id}"`))
        this.record = next
      })
    )
  }

  /** Runs a write; a vanished folder (deleted meanwhile) and raw fs errors become readable StoreErrors. */
  private guard(what: string, fn: () => void): void {
    try {
      fn()
    } catch (e) {
      if (!fs.existsSync(this.dir))
        throw new StoreError(`Run "${this.id}" was deleted while it was being written (${this.dir}).`)
      if (e instanceof StoreError) throw e
      throw new StoreError(`Run "${this.id}": could not write ${what}: ${describeFsError(e)}.`)
    }
  }
}
