/**
 * Parsing imported data files off the host's event loop. A file over {@link INLINE_BYTES} is parsed in a worker
 * thread (one, started on first use, idle-unref'd), so a large import or preview never stalls the other calls
 * of the web host or the desktop window; a small one is parsed inline, where a thread would cost more than it
 * saves. Either way the caller gets the same `Dataset`, or the importer's own error (code and sentence).
 */
import { Worker } from 'node:worker_threads'
import * as fs from 'node:fs'
import type { DatasetPreview, FeatureStats } from '../shared/api'
import type { ErrorCode } from '../shared/errors'
import { classCounts, loadDatasetFile, subsample, type LoadOptions } from '../engine/data'
import { EngineError } from '../engine/errors'
import { Rng } from '../engine/rng'
import type { Dataset, Points } from '../engine/types'

/** Files up to this size are parsed on the calling thread. */
export const INLINE_BYTES = 1 << 20

/** What a preview needs from a parsed file (the rest of `DatasetPreview` is the host's). */
export type PreviewPart = Pick<DatasetPreview, 'columns' | 'points' | 'n' | 'stats' | 'image' | 'classCounts'>

/** Images a preview of an image set shows. */
export const IMAGE_PREVIEW = 64

/** A request to the parse worker. */
export type ParseRequest =
  | { id: number; kind: 'load'; file: string; opts: LoadOptions }
  | { id: number; kind: 'preview'; file: string; opts: LoadOptions; n: number }

/** The worker's answer. */
export type ParseReply =
  | { id: number; ok: true; value: Dataset | PreviewPart }
  | { id: number; ok: false; error: { code: ErrorCode | null; message: string } }

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

/** Up to `n` rows (a seeded random subset, the same on every call) and per-column statistics over all rows. */
export function previewOf(ds: Dataset, n: number): PreviewPart {
  if (ds.image) return imagePreview(ds, n)
  const sub = subsample(ds, n, new Rng(0x9e71e3))
  return { columns: ds.columns, points: Array.from(sub.data), n: sub.n, stats: featureStats(ds) }
}

/** An image set's preview: up to 64 images, pooled pixel statistics and the rows per class. */
function imagePreview(ds: Dataset, n: number): PreviewPart {
  const sub = subsample(ds, Math.min(n, IMAGE_PREVIEW), new Rng(0x9e71e3))
  const pixels = { n: ds.n * ds.d, d: 1, data: ds.data, columns: ['pixels'] }
  return {
    columns: ds.columns,
    points: Array.from(sub.data),
    n: sub.n,
    stats: featureStats(pixels),
    image: { shape: ds.image!.shape, range: ds.image!.range },
    ...(ds.labels && ds.classes
      ? {
          classCounts: classCounts(ds.labels, ds.classes.length).map((count, k) => ({
            name: ds.classes![k]!,
            count
          }))
        }
      : {})
  }
}

/** Runs one request (in the worker, or inline for small files). */
export function handleParse(req: ParseRequest): Dataset | PreviewPart {
  const ds = loadDatasetFile(req.file, req.opts)
  return req.kind === 'load' ? ds : previewOf(ds, req.n)
}

function workerEntry(): { file: URL; workerData?: { entry: string } } {
  const here = import.meta.url
  // From the TypeScript sources (tsx, vitest) the thread registers tsx first (module hooks are per thread).
  if (here.endsWith('.ts'))
    return {
      file: new URL('../engine/worker-boot.mjs', here),
      workerData: { entry: new URL('./parse-worker.ts', here).href }
    }
  return { file: new URL('./parse-worker.js', here) }
}

export class ParsePool {
  /** Requests answered by the worker thread (the rest ran inline). */
  workerJobs = 0
  private worker: Worker | null = null
  private nextId = 1
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>()

  /** The file parsed into a `Dataset` (see `loadDatasetFile`). */
  load(file: string, opts: LoadOptions = {}): Promise<Dataset> {
    return this.run({ id: 0, kind: 'load', file, opts }) as Promise<Dataset>
  }

  /** A preview of the file: up to `n` rows and per-column statistics. */
  preview(file: string, opts: LoadOptions, n: number): Promise<PreviewPart> {
    return this.run({ id: 0, kind: 'preview', file, opts, n }) as Promise<PreviewPart>
  }

  /** Stops the worker (pending requests are refused). */
  async close(): Promise<void> {
    const w = this.worker
    this.worker = null
    if (w) await w.terminate()
  }

  private async run(req: ParseRequest): Promise<unknown> {
    let size = 0
    try {
      size = fs.statSync(req.file).size
    } catch {
      // the importer reports a missing or unreadable file with its own sentence
    }
    if (size <= INLINE_BYTES) return handleParse(req)
    const id = this.nextId++
    const worker = this.ensureWorker()
    worker.ref()
    this.workerJobs++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ ...req, id })
    })
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const { file, workerData } = workerEntry()
    const w = new Worker(file, workerData ? { workerData } : {})
    w.on('message', (reply: ParseReply) => {
      const p = this.pending.get(reply.id)
      if (!p) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) w.unref()
      if (reply.ok) p.resolve(reply.value)
      else
        p.reject(
          reply.error.code
            ? new EngineError(reply.error.code, reply.error.message)
            : new Error(reply.error.message)
        )
    })
    const fail = (e: unknown): void => {
      if (this.worker === w) this.worker = null
      for (const p of this.pending.values()) p.reject(e instanceof Error ? e : new Error(String(e)))
      this.pending.clear()
    }
    w.on('error', fail)
    w.on('exit', (code) => fail(new Error(`The data parser thread stopped (exit code ${code}).`)))
    this.worker = w
    return w
  }
}
