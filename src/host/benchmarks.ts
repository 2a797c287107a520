/**
 * Saved benchmarks: `<dataDir>/benchmarks/<id>/` holds `bench.json` (the engine's report, what `pfm bench --out`
 * writes), `bench.csv` (its table) and `record.json` (id, title, date, runs; a folder `pfm bench --out` wrote has
 * none, and is listed under its folder's name). A benchmark is written into a
 * hidden `.partial-<id>` folder and renamed into place only when complete, so a crashed or cancelled job
 * leaves nothing behind that the list would show. Every file is validated on read; an unreadable benchmark is
 * reported in `problems` and never breaks the listing. Plain Node.
 */
import { DETERMINISTIC_SAMPLER_IDS } from '../shared/samplers'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { z } from 'zod'
import type { BenchRecordInfo, BenchReportInfo } from '../shared/api'
import { writeBenchFiles } from '../engine/bench/infer-files'
import type { InferBenchReport } from '../engine/bench/infer-types'
import { describeFsError } from '../engine/store/fs-utils'
import { HostError } from './errors'

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const PARTIAL = '.partial-'

const RecordSchema = z.object({
  id: z.string().regex(SAFE_ID),
  title: z.string().min(1).max(500),
  createdAt: z.string(),
  runs: z.array(z.string()).min(1)
})

const num = z.number()
const Sampler = z.enum(DETERMINISTIC_SAMPLER_IDS)
const Form = z.enum(['unrolled', 'loop']).nullable()
const ResultSchema = z.object({
  run: z.string(),
  objective: z.string(),
  dataset: z.string(),
  sampler: Sampler,
  steps: num,
  evaluations: num,
  batch: num,
  fused: z.boolean(),
  form: Form,
  latencyMs: z.object({ p10: num, p50: num, p90: num }),
  samplesPerSec: num,
  runs: num,
  metrics: z
    .object({
      energy: num,
      mmd: num,
      precision: num,
      recall: num,
      coverage: num,
      modes: num.optional(),
      modesCovered: num.optional(),
      highQuality: num.optional(),
      fd: num.optional(),
      fdFeatures: z.enum(['classes', 'clusters']).optional()
    })
    .nullable(),
  parity: num.nullable()
})
const Ref = z.object({
  run: z.string(),
  objective: z.string(),
  sampler: Sampler,
  steps: num,
  energy: num.nullable(),
  fd: num.nullable().optional()
})
const ReportSchema = z.object({
  machine: z.object({
    cpus: num,
    model: z.string(),
    node: z.string(),
    date: z.string(),
    loadavg: z.array(num),
    platform: z.string(),
    threads: num,
    ort: z.string(),
    ep: z.string()
  }),
  settings: z.object({
    samplers: z.array(Sampler),
    steps: z.array(num),
    batch: z.array(num),
    repeats: num
  }),
  results: z.array(ResultSchema),
  skipped: z.array(z.object({ run: z.string(), sampler: z.string(), reason: z.string() })),
  summary: z.object({
    comparisons: z.array(
      z.object({
        dataset: z.string(),
        onestep: Ref,
        best: Ref,
        metric: z.enum(['energy', 'fd']).optional(),
        energyRatio: num.nullable(),
        byBatch: z.array(
          z.object({
            batch: num,
            onestepP50: num,
            best: z.object({ fused: z.boolean(), form: Form, p50: num }),
            latencyRatio: num,
            matched: Ref.extend({ fused: z.boolean(), form: Form, p50: num, speedup: num }).nullable()
          })
        )
      })
    ),
    fusedVsSeparate: z.array(
      z.object({
        run: z.string(),
        sampler: Sampler,
        steps: num,
        batch: num,
        fusedP50: num,
        separateP50: num,
        speedup: num
      })
    ),
    notes: z.array(z.string())
  })
})

type Record = z.infer<typeof RecordSchema>

export class BenchLibrary {
  constructor(readonly dir: string) {}

  /** Saves a completed benchmark atomically (write a hidden folder, then rename it into place). */
  save(record: Record, report: InferBenchReport): BenchRecordInfo {
    if (!SAFE_ID.test(record.id)) throw new HostError('CONFIG', `"${record.id}" is not a valid benchmark id.`)
    const final = path.join(this.dir, record.id)
    const partial = path.join(this.dir, PARTIAL + record.id)
    try {
      fs.mkdirSync(this.dir, { recursive: true })
      fs.rmSync(partial, { recursive: true, force: true })
      writeBenchFiles(report, partial)
      fs.writeFileSync(path.join(partial, 'record.json'), JSON.stringify(record, null, 2) + '\n')
      fs.renameSync(partial, final)
    } catch (e) {
      fs.rmSync(partial, { recursive: true, force: true })
      throw new HostError('STORE', `Could not save the benchmark in ${final}: ${describeFsError(e)}.`)
    }
    return { ...record, results: report.results.length }
  }

  /** Saved benchmarks, newest first; unreadable ones go to `problems`. Leftover partial folders are skipped. */
  list(): { reports: BenchRecordInfo[]; problems: { id: string; reason: string }[] } {
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { reports: [], problems: [] }
      throw new HostError('STORE', `Could not read the benchmarks folder ${this.dir}: ${describeFsError(e)}.`)
    }
    const reports: BenchRecordInfo[] = []
    const problems: { id: string; reason: string }[] = []
    for (const id of names) {
      if (id.startsWith('.') || !SAFE_ID.test(id)) continue
      try {
        const r = this.read(id)
        reports.push({
          id: r.id,
          title: r.title,
          createdAt: r.createdAt,
          runs: r.runs,
          results: r.table.length
        })
      } catch (e) {
        problems.push({ id, reason: e instanceof Error ? e.message : String(e) })
      }
    }
    reports.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    return { reports, problems }
  }

  get(id: string): BenchReportInfo {
    return this.read(id)
  }

  remove(id: string): void {
    const dir = this.folder(id)
    if (!fs.existsSync(dir)) throw new HostError('NOT_FOUND', `There is no benchmark "${id}".`)
    try {
      // Rename first so a half-deleted benchmark is never listed.
      const doomed = path.join(this.dir, `${PARTIAL}rm-${id}`)
      fs.renameSync(dir, doomed)
      fs.rmSync(doomed, { recursive: true, force: true })
    } catch (e) {
      throw new HostError('STORE', `Could not delete the benchmark ${id}: ${describeFsError(e)}.`)
    }
  }

  private folder(id: string): string {
    if (!SAFE_ID.test(id)) throw new HostError('NOT_FOUND', `There is no benchmark "${id}".`)
    return path.join(this.dir, id)
  }

  private read(id: string): BenchReportInfo {
    const dir = this.folder(id)
    if (!fs.existsSync(dir)) throw new HostError('NOT_FOUND', `There is no benchmark "${id}".`)
    const r = readValid(ReportSchema, path.join(dir, 'bench.json'), 'benchmark report')
    const recordFile = path.join(dir, 'record.json')
    const record = fs.existsSync(recordFile)
      ? readValid(RecordSchema, recordFile, 'benchmark record')
      : recordOf(id, r)
    return {
      ...record,
      results: r.results.length,
      machine: r.machine,
      settings: {
        samplers: r.settings.samplers,
        steps: r.settings.steps,
        batch: r.settings.batch,
        repeats: r.settings.repeats
      },
      table: r.results,
      skipped: r.skipped,
      csv: readText(path.join(dir, 'bench.csv')),
      summary: {
        comparisons: r.summary.comparisons,
        fusedVsSeparate: r.summary.fusedVsSeparate.map((f) => ({
          run: f.run,
          sampler: f.sampler,
          steps: f.steps,
          batch: f.batch,
          fusedP50: f.fusedP50,
          separateP50: f.separateP50,
          speedup: f.speedup
        })),
        notes: r.summary.notes
      }
    }
  }
}

/**
 * The record of a folder `pfm bench --out` wrote (a report and its table, no record): the folder names it, the
 * report gives its date and runs, so a benchmark run from the command line opens in the workbench too.
 */
function recordOf(id: string, r: z.infer<typeof ReportSchema>): Record {
  const runs = [...new Set(r.results.map((x) => x.run))]
  if (runs.length === 0) throw new HostError('STORE', `Benchmark "${id}" holds no results.`)
  return { id, title: `${id} (pfm bench)`, createdAt: r.machine.date, runs }
}

/** Reads and validates one JSON file; a sentence naming the file and the first bad field otherwise. */
function readValid<T>(schema: z.ZodType<T>, file: string, what: string): T {
  const parsed = schema.safeParse(readJson(file))
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
  throw new HostError(
    'STORE',
    `${file} is not a valid ${what} (field ${field}: ${issue?.message ?? 'invalid'}).`
  )
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new HostError('STORE', `Could not read ${file}: ${describeFsError(e)}.`)
  }
}

function readJson(file: string): unknown {
  const text = readText(file)
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new HostError('STORE', `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`)
  }
}
