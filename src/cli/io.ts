/** CLI plumbing: option parsing, one-JSON-object output, human tables and a progress bar on stderr. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import * as fs from 'node:fs'
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
    throw new ConfigError(parseErrorLine(e instanceof Error ? e.message : String(e), argv))
  }
}

/**
 * One line for a `node:util` parseArgs error, whose messages span up to three lines (the problem, a question,
 * a hint): `--run: "-rf" starts with a dash, so it reads as an option; write --run=-rf to pass it as the value.`
 */
export function parseErrorLine(message: string, argv: readonly string[]): string {
  const ambiguous = /^Option '(-\w, )?(--[\w-]+)(?: <value>)?' argument is ambiguous/.exec(message)
  if (ambiguous) {
    const flag = ambiguous[2]!
    const i = argv.findIndex((a) => a === flag || (ambiguous[1] !== undefined && a === ambiguous[1].slice(0, 2)))
    const value = i >= 0 ? argv[i + 1] : undefined
    return value !== undefined
      ? `${flag}: ${JSON.stringify(value)} starts with a dash, so it reads as an option; write ${flag}=${value} to pass it as the value.`
      : `${flag} needs a value; write ${flag}=VALUE for a value that starts with a dash.`
  }
  const first = message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/s, '').trim()
  return first.endsWith('.') ? first : first + '.'
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * `s` safe to print on a terminal: control characters (ESC sequences from a corrupt run.json, newlines that
 * would forge table rows) and bidirectional overrides are written as `\x1b`, `\n`, `\u202e`.
 */
export function printable(s: string): string {
  return s.replace(UNSAFE_CHARS, (c) => {
    const code = c.charCodeAt(0)
    if (c === '\n') return '\\n'
    if (c === '\t') return '\\t'
    if (c === '\r') return '\\r'
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
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

/** The engine's request field names and the flags that set them (the engine never names a flag). */
const FLAG_OF: Record<string, string> = {
  batch: '--batch',
  lr: '--lr',
  steps: '--steps',
  heldout: '--heldout',
  evalEvery: '--eval-every',
  latentDim: '--latent-dim',
  width: '--width',
  depth: '--depth',
  base: '--base'
}

/**
 * An engine message with its field names spelled as this CLI's flags: `batch: 512 is more than …` →
 * `--batch: 512 is more than …`, `a smaller learning rate (lr)` → `… (--lr)`. Only a field name followed by
 * `:` or `)` is a field reference.
 */
export function withFlags(message: string): string {
  return message.replace(/(?<![\w-])([a-zA-Z]+)(?=[:)])/g, (w) => FLAG_OF[w] ?? w)
}

/** `--weights final|best` → which stored weights eval, sample and export open. */
export function weightsChoice(values: Record<string, unknown>): { weights?: 'final' | 'best' } {
  const w = str(values, 'weights')
  if (w === undefined) return {}
  if (w !== 'final' && w !== 'best') throw new ConfigError(`--weights: "${w}" is not final or best.`)
  return { weights: w }
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

/** The run store, with the leftovers of killed processes (stale locks, temp files) cleared. */
export function openStore(values: Record<string, unknown>): RunStore {
  return RunStore.open(runsDir(values))
}

/**
 * A run id as typed: the full id, or a prefix of exactly one stored run's (`20261204-0220` for
 * `20261204-022042-cfm-moons-4f19`). An ambiguous prefix is refused naming its matches; anything else is left
 * as typed, for the store to refuse with its own message.
 */
export function resolveRunId(store: RunStore, typed: string): string {
  if (fs.existsSync(path.join(store.root, typed))) return typed
  const { runs, problems } = store.list()
  const ids = [...runs.map((r) => r.id), ...problems.map((p) => p.id)].filter((id) => id.startsWith(typed))
  if (ids.length === 1) return ids[0]!
  if (ids.length > 1)
    throw new ConfigError(
      `"${typed}" names ${ids.length} runs (${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', …' : ''}); type more of the id.`
    )
  return typed
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
  /**
   * Progress on stderr: a bar redrawn in place on a terminal; elsewhere (a log file, `| tee`, nohup) a line at
   * most every 30 s, so a long run still shows it is alive without flooding the log.
   */
  progress(): Progress {
    return process.stderr.isTTY ? new ProgressBar() : new ProgressLines()
  }
}

export interface Progress {
  /** True for the bar redrawn in place on a terminal. */
  readonly live: boolean
  update(done: number, total: number, info: string): void
  /** Takes the bar off its line, so that a log line can be written (the next update redraws it). */
  clear(): void
  done(): void
}

export class ProgressBar implements Progress {
  readonly live = true
  private last = ''
  update(done: number, total: number, info: string): void {
    const width = 28
    const frac = total > 0 ? Math.min(1, done / total) : 0
    const fill = Math.round(frac * width)
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${info}`
    if (line !== this.last) process.stderr.write('\r' + line.padEnd(this.last.length))
    this.last = line
  }
  clear(): void {
    if (this.last) process.stderr.write('\r' + ' '.repeat(this.last.length) + '\r')
    this.last = ''
  }
  done(): void {
    if (this.last) process.stderr.write('\n')
    this.last = ''
  }
}

/** How often progress is written as a line where stderr is not a terminal. */
export const PROGRESS_LINE_MS = 30_000

export class ProgressLines implements Progress {
  readonly live = false
  private lastAt = -Infinity
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly write: (s: string) => void = (s) => void process.stderr.write(s)
  ) {}
  update(done: number, total: number, info: string): void {
    const t = this.now()
    if (t - this.lastAt < PROGRESS_LINE_MS) return
    this.lastAt = t
    const pct = total > 0 ? Math.round((100 * Math.min(done, total)) / total) : 0
    this.write(`${done} of ${total} (${pct} %)  ${info}\n`)
  }
  clear(): void {}
  done(): void {}
}

export function table(rows: (string | number)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : printable(c))))]
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)))
  return cells.map((r) => r.map((c, j) => String(c ?? '').padEnd(widths[j]!)).join('  ').trimEnd()).join('\n')
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v)) return String(v)
  const a = Math.abs(v)
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4)
}

export { duration } from '../shared/duration'
