/**
 * The peer process and the host of a benchmark: where ../shared/bench lives, running a command to its end,
 * the PyTorch peer's environment from setup-peer.sh (once per directory), and the machine the figures were
 * measured on. Shared by the training (train-bench.ts) and inference (infer-peer.ts) benchmarks.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the figures were measured on (load average included: the machines are shared). */
export interface Machine {
  cpus: number
  model: string
  node: string
  date: string
  loadavg: number[]
}

/** Where ../shared/bench lives: $PFM_SHARED_DIR, else ../shared beside the working directory or the repo. */
export function sharedDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit)
  if (process.env.PFM_SHARED_DIR) return path.resolve(process.env.PFM_SHARED_DIR)
  const fromCwd = path.resolve(process.cwd(), '../shared')
  if (fs.existsSync(path.join(fromCwd, 'bench'))) return fromCwd
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared')
}

export interface Exec {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end (or `timeoutMs`), collecting its output; never rejects. */
export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (e) => resolve({ code: null, stdout, stderr: stderr + e.message }))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** `KEY=VALUE KEY2=VALUE2` (setup-peer.sh's output line) → env entries. */
export function parseEnvLine(line: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const tok of line.trim().split(/\s+/)) {
    const eq = tok.indexOf('=')
    if (eq > 0) out[tok.slice(0, eq)] = tok.slice(eq + 1)
  }
  return out
}

/** The peer's environment from setup-peer.sh (installs torch + OpenBLAS the first time), once per directory. */
const peerEnvs = new Map<string, Promise<Record<string, string> | string>>()
export function preparePeer(dir: string): Promise<Record<string, string> | string> {
  let env = peerEnvs.get(dir)
  if (env) return env
  env = (async () => {
    const script = path.join(dir, 'bench', 'setup-peer.sh')
    if (!fs.existsSync(script)) return `${script} not found (set PFM_SHARED_DIR)`
    const r = await exec('bash', [script], process.env, 15 * 60_000)
    if (r.code !== 0) return `setup-peer.sh failed: ${lastLine(r.stderr) || `exit code ${r.code}`}`
    const vars = parseEnvLine(lastLine(r.stdout))
    return Object.keys(vars).length ? vars : 'setup-peer.sh printed no environment'
  })()
  peerEnvs.set(dir, env)
  return env
}

export function lastLine(s: string): string {
  const lines = s.trim().split('\n')
  return lines[lines.length - 1]?.trim() ?? ''
}

export function machine(): Machine {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    date: new Date().toISOString(),
    loadavg: os.loadavg().map((v) => round(v, 2))
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
