/**
 * `npm run bench:samplers`: sample quality against network evaluations for every sampler of a flow run.
 * Trains `cfm` and `ddpm` at their default budgets on `8gaussians` and `moons` (a temporary run store), then
 * for each deterministic sampler the model offers and K = 1 … 100 draws n samples from one seeded noise
 * batch and scores the held-out energy distance (standardised coordinates, as `pfm eval`); `dopri5` once
 * per tolerance (its NFE is what it used). Per sampler, the smallest NFE whose energy is within 5 % of (or
 * below) Heun at K = 100 — the "reaches 100-step Heun quality" column of docs/benchmarks.md.
 *
 *   npm run bench:samplers                       # markdown tables on stdout, progress on stderr
 *   npm run bench:samplers -- --datasets moons --objectives cfm --json
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { initBackend } from '../backend'
import { generateBuiltin } from '../data'
import { energyDistance } from '../metrics/energy-distance'
import type { SampleOptions, SamplerId } from '../objectives/types'
import { Rng } from '../rng'
import { findSampler } from '../samplers'
import { RunStore } from '../store'
import { openRun, rebuildData } from '../train/evaluate'
import { makeRunConfig, trainRun } from '../train/train'

export const SAMPLER_BENCH_STEPS = [1, 2, 4, 8, 16, 32, 64, 100] as const
export const DOPRI5_TOLERANCES = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5] as const

export interface SamplerQualityRow {
  objective: string
  dataset: string
  sampler: SamplerId
  /** K (for dopri5: the steps it took). */
  steps: number
  /** Network evaluations per sample. */
  nfe: number
  energy: number
  /** dopri5: rtol = atol. */
  tol?: number
}

export interface SamplerQualityReport {
  date: string
  n: number
  machine: { cpus: number; cpuModel: string; node: string }
  rows: SamplerQualityRow[]
}

export async function runSamplerQuality(
  o: { datasets?: string[]; objectives?: string[]; n?: number; log?: (m: string) => void } = {}
): Promise<SamplerQualityReport> {
  const log = o.log ?? (() => {})
  const n = o.n ?? 4000
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bench-samplers-'))
  const store = new RunStore(path.join(tmp, 'runs'))
  await initBackend('auto')
  const rows: SamplerQualityRow[] = []
  try {
    for (const dsId of o.datasets ?? ['8gaussians', 'moons']) {
      const ds = generateBuiltin(dsId, 20_000, 0)
      for (const objective of o.objectives ?? ['cfm', 'ddpm']) {
        const config = makeRunConfig(ds, { objective, seed: 1 })
        log(`${dsId}: training ${objective} (${config.steps} steps)…`)
        const { runId } = await trainRun(ds, config, { store })
        const open = await openRun(store, runId!)
        try {
          const { heldout } = rebuildData(open.config)
          const ref = { n: Math.min(n, heldout.n), d: heldout.d, data: heldout.data }
          ref.data = heldout.data.subarray(0, ref.n * ref.d)
          const score = (opts: SampleOptions): { energy: number; nfe: number; steps: number } => {
            const x = open.model.sample(ref.n, new Rng(7), opts)
            const run = open.model.lastRun!
            return {
              energy: energyDistance({ n: ref.n, d: ref.d, data: x }, ref),
              nfe: run.nfe,
              steps: run.grid.length - 1
            }
          }
          for (const sampler of open.model.samplers) {
            if (sampler === 'onestep' || findSampler(sampler).stochastic) continue
            if (findSampler(sampler).adaptive)
              for (const tol of DOPRI5_TOLERANCES) {
                const r = score({ sampler, steps: 1, rtol: tol, atol: tol })
                rows.push({ objective, dataset: dsId, sampler, ...r, tol })
              }
            else
              for (const K of SAMPLER_BENCH_STEPS) {
                const r = score({ sampler, steps: K })
                rows.push({ objective, dataset: dsId, sampler, ...r })
              }
            log(`${dsId} ${objective}: ${sampler} done`)
          }
        } finally {
          open.dispose()
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    n,
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', node: process.version },
    rows
  }
}

/** Per sampler, the fewest evaluations within 5 % of (or below) Heun's energy at K = 100; null if none. */
export function nfeToHeun100(rows: readonly SamplerQualityRow[]): Map<string, number | null> {
  const out = new Map<string, number | null>()
  const heun = rows.find((r) => r.sampler === 'heun' && r.steps === 100)
  if (!heun) return out
  for (const r of rows) {
    const ok = r.energy <= heun.energy * 1.05
    const prev = out.get(r.sampler)
    if (!out.has(r.sampler)) out.set(r.sampler, null)
    if (ok && (prev === undefined || prev === null || r.nfe < prev)) out.set(r.sampler, r.nfe)
  }
  return out
}

/** One markdown table per (objective, data set): energy by sampler and K, and the NFE to Heun-100 quality. */
export function samplerTables(rep: SamplerQualityReport): string {
  const groups = new Map<string, SamplerQualityRow[]>()
  for (const r of rep.rows) {
    const k = `${r.objective} on ${r.dataset}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  const e = (v: number): string => v.toExponential(2)
  const parts: string[] = []
  for (const [title, rows] of groups) {
    const samplers = [...new Set(rows.map((r) => r.sampler))]
    const fixed = samplers.filter((s) => !findSampler(s).adaptive)
    const need = nfeToHeun100(rows)
    parts.push(`**${title}** — held-out energy distance (NFE in parentheses):\n`)
    parts.push(`| K | ${fixed.join(' | ')} |`)
    parts.push(`| --- | ${fixed.map(() => '---').join(' | ')} |`)
    for (const K of SAMPLER_BENCH_STEPS) {
      const cells = fixed.map((s) => {
        const r = rows.find((x) => x.sampler === s && x.steps === K)
        return r ? `${e(r.energy)} (${r.nfe})` : '—'
      })
      parts.push(`| ${K} | ${cells.join(' | ')} |`)
    }
    const adaptive = rows.filter((r) => r.tol !== undefined)
    if (adaptive.length)
      parts.push(
        '',
        `dopri5: ${adaptive.map((r) => `tol ${r.tol}: ${e(r.energy)} with ${r.nfe} NFE (${r.steps} steps)`).join('; ')}.`
      )
    parts.push(
      '',
      `NFE to reach Heun K = 100 quality (energy ≤ 1.05 × ${e(rows.find((r) => r.sampler === 'heun' && r.steps === 100)?.energy ?? NaN)}): ` +
        samplers.map((s) => `${s} ${need.get(s) ?? '> tried'}`).join(', ') +
        '.',
      ''
    )
  }
  return parts.join('\n')
}

/** Command-line entry (scripts/bench-samplers.mjs). */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      datasets: { type: 'string' },
      objectives: { type: 'string' },
      n: { type: 'string' }
    }
  })
  const list = (s: string | undefined): string[] | undefined =>
    s ? s.split(',').map((x) => x.trim()) : undefined
  const datasets = list(values.datasets)
  const objectives = list(values.objectives)
  const rep = await runSamplerQuality({
    ...(datasets ? { datasets } : {}),
    ...(objectives ? { objectives } : {}),
    ...(values.n ? { n: Number(values.n) } : {}),
    log: (m) => process.stderr.write(`${m}\n`)
  })
  process.stdout.write(
    values.json
      ? `${JSON.stringify(rep)}\n`
      : `${rep.date}, ${rep.machine.cpus} × ${rep.machine.cpuModel}, node ${rep.machine.node}, ${rep.n} samples vs ${rep.n} held-out points\n\n${samplerTables(rep)}\n`
  )
  return 0
}
