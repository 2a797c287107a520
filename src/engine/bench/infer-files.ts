/** The files of an inference benchmark: bench.json (the report) and bench.csv (the result table). */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { BenchResult, InferBenchReport } from './infer-types'

export const CSV_COLUMNS = [
  'run',
  'objective',
  'dataset',
  'sampler',
  'steps',
  'evaluations',
  'batch',
  'fused',
  'form',
  'p10_ms',
  'p50_ms',
  'p90_ms',
  'samples_per_sec',
  'energy',
  'mmd',
  'precision',
  'recall',
  'coverage',
  'modes',
  'modes_covered',
  'high_quality',
  'parity'
] as const

/** The result table as CSV (one header line, one line per result). */
export function benchCsv(results: readonly BenchResult[]): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
  const lines = results.map((r) =>
    [
      r.run,
      r.objective,
      r.dataset,
      r.sampler,
      r.steps,
      r.evaluations,
      r.batch,
      r.fused,
      r.form,
      r.latencyMs.p10,
      r.latencyMs.p50,
      r.latencyMs.p90,
      r.samplesPerSec,
      r.metrics?.energy,
      r.metrics?.mmd,
      r.metrics?.precision,
      r.metrics?.recall,
      r.metrics?.coverage,
      r.metrics?.modes,
      r.metrics?.modesCovered,
      r.metrics?.highQuality,
      r.parity
    ]
      .map(cell)
      .join(',')
  )
  return [CSV_COLUMNS.join(','), ...lines].join('\n') + '\n'
}

/** Writes bench.json and bench.csv into `dir` (created if needed); returns their paths. */
export function writeBenchFiles(report: InferBenchReport, dir: string): string[] {
  const d = path.resolve(dir)
  fs.mkdirSync(d, { recursive: true })
  const json = path.join(d, 'bench.json')
  const csv = path.join(d, 'bench.csv')
  const files = [json, csv]
  fs.writeFileSync(json, JSON.stringify({ ...report, files }, null, 2) + '\n')
  fs.writeFileSync(csv, benchCsv(report.results))
  return files
}
