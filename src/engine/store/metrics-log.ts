/**
 * JSON-lines files of a run — `metrics.jsonl`, `snapshots.jsonl`: one JSON object per line, appended as
 * training goes. A crash can leave the last line torn; reading skips it (and any other unreadable line) with a
 * warning instead of failing.
 */
import * as fs from 'node:fs'
import type { z } from 'zod'
import { MetricsRecordSchema, type MetricsRecord } from './schema'
import { describeIssue } from './validate'

export const METRICS_FILE = 'metrics.jsonl'

/**
 * Parses a JSON-lines file's text against `schema`; `text` may end in a torn line. Unreadable lines are skipped
 * with a warning naming the file and line.
 */
export function parseJsonLines<T>(
  text: string,
  schema: z.ZodType<T>,
  fileName: string
): { records: T[]; warnings: string[] } {
  const records: T[] = []
  const warnings: string[] = []
  const lines = text.split('\n')
  const tornTail = !text.endsWith('\n')
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') return
    const where = `${fileName} line ${i + 1}`
    const isLast = i === lines.length - 1
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      warnings.push(
        isLast && tornTail
          ? `${where} is incomplete (the writer stopped mid-line); skipped.`
          : `${where} is not valid JSON; skipped.`
      )
      return
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      warnings.push(`${where}: ${describeIssue(parsed.error)}; skipped.`)
      return
    }
    records.push(parsed.data)
  })
  return { records, warnings }
}

/** Reads a JSON-lines file; a missing file is empty (nothing was appended yet). */
export function readJsonLinesFile<T>(
  file: string,
  schema: z.ZodType<T>,
  fileName: string
): { records: T[]; warnings: string[] } {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], warnings: [] }
    throw e
  }
  return parseJsonLines(text, schema, fileName)
}

/** Parses the text of a metrics log; `text` may end in a torn line. */
export function parseMetricsLog(text: string): { records: MetricsRecord[]; warnings: string[] } {
  return parseJsonLines(text, MetricsRecordSchema, METRICS_FILE)
}

/** Reads a metrics log; a missing file is an empty log (the run has not reported yet). */
export function readMetricsFile(file: string): { records: MetricsRecord[]; warnings: string[] } {
  return readJsonLinesFile(file, MetricsRecordSchema, METRICS_FILE)
}
