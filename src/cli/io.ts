/** CLI plumbing: option parsing, one-JSON-object output, human tables and a progress bar on stderr. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import * as path from 'node:path'
import { ConfigError } from '../engine/errors'
import { RunStore } from '../engine/store'

export type Options = NonNullable<ParseArgsConfig['options']>

export const COMMON: Options = {
  json: { type: 'boolean', default: false },
  'runs-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false }
}

/** Parses argv strictly; unknown flags are a ConfigError with the flag named. */
export function parse(
  argv: string[],
  options: Options,
  allowPositionals = false
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals, strict: true })
    return { values: values as Record<string, unknown>, positionals }
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e)
    throw new ConfigError(msg.endsWith('.') ? msg : msg + '.')
  }
}

export function num(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const v = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v))
    throw new ConfigError(`--${name}: ${JSON.stringify(raw)} is not a number.`)
  return v
}

export function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

export function required(values: Record<string, unknown>, name: string, usage: string): string {
  const v = str(values, name)
  if (v === undefined || v === '') throw new ConfigError(`--${name} is required (${usage}).`)
  return v
}

/** `--set key=value` pairs → record. */
export function parseSets(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  for (const item of list) {
    const s = String(item)
    const eq = s.indexOf('=')
    if (eq <= 0) throw new ConfigError(`--set ${s}: expected key=value.`)
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim()
  }
  return out
}

export function runsDir(values: Record<string, unknown>): string {
  return path.resolve(str(values, 'runs-dir') ?? process.env.PFM_RUNS_DIR ?? 'runs')
}

export function openStore(values: Record<string, unknown>): RunStore {
  return new RunStore(runsDir(values))
}

/** Output sink: with --json exactly one JSON object on stdout; human text otherwise. */
export class Out {
  constructor(readonly json: boolean) {}
  /** Human-only line on stdout. */
  line(s = ''): void {
    if (!this.json) process.stdout.write(s + '\n')
  }
  /** Final result: the JSON object (with --json) or the human rendering. */
  result(obj: unknown, human: () => string): void {
    process.stdout.write(this.json ? JSON.stringify(obj) + '\n' : human() + '\n')
  }
  /** Progress goes to stderr, only on a terminal. */
  progress(): ProgressBar | null {
    return process.stderr.isTTY ? new ProgressBar() : null
  }
}

export class ProgressBar {
  private last = ''
  update(done: number, total: number, info: string): void {
    const width = 28
    const frac = total > 0 ? Math.min(1, done / total) : 0
    const fill = Math.round(frac * width)
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${info}`
    if (line !== this.last) process.stderr.write('\r' + line.padEnd(this.last.length))
    this.last = line
  }
  done(): void {
    if (this.last) process.stderr.write('\n')
    this.last = ''
  }
}

export function table(rows: (string | number)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))]
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)))
  return cells.map((r) => r.map((c, j) => String(c ?? '').padEnd(widths[j]!)).join('  ').trimEnd()).join('\n')
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v)) return String(v)
  const a = Math.abs(v)
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4)
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}
