/**
 * `npm run bench:quality`: every registered objective trained at its default budget (steps, batch, lr,
 * parameters and the default 128×3 SiLU model of `makeRunConfig`) on `8gaussians` and `moons` through the
 * shared loop (`trainRun`, a run store in a temporary folder), then scored the way a run is: held-out energy
 * distance, the Gaussian-fit yard-stick, MMD², precision / recall / coverage, modes covered and the share of
 * samples in a mode (data with known modes, see metrics/modes.ts), with each model's best sampler
 * (flows: their first sampler at K = 100; one-step maps: `onestep`), the run's transport cost E‖φ(z) − z‖²
 * and a flow's path straightness (train/diagnostics.ts), and the sampling latency with that sampler (engine,
 * TensorFlow.js: the median of 5 draws of 1000 samples after one warm-up draw). `reflow`, `distill` and `cd`
 * learn from the `cfm` run of the same data set (trained first if `cfm` is not in the list).
 *
 *   npm run bench:quality                          # markdown table on stdout, progress on stderr
 *   npm run bench:quality -- --json                # one JSON object
 *   npm run bench:quality -- --objectives vae,anneal --datasets moons --n 20000 --seed 1
 *   npm run bench:quality -- --rows rows.jsonl     # also append each row to a JSON-lines file as it is done
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { initBackend } from '../backend'
import { generateBuiltin } from '../data'
import { allObjectives } from '../objectives/registry'
import { RunStore } from '../store'
import type { SampleOptions } from '../objectives/types'
import { Rng } from '../rng'
import { openRun } from '../train/evaluate'
import { makeRunConfig, trainRun, type TrainResult } from '../train/train'
import type { BackendChoice, Metrics } from '../types'

export const QUALITY_BENCH_DATASETS = ['8gaussians', 'moons'] as const
/** Objectives that learn from a stored flow run (`--set teacher=<runId>`). */
const TAUGHT = new Set(['reflow', 'distill', 'cd'])
const TEACHER = 'cfm'

export interface QualityBenchOptions {
  objectives?: string[]
  datasets?: string[]
  /** Points generated per data set (a fifth is held out; default 20 000 → 4 000 held-out points). */
  n?: number
  seed?: number
  backend?: BackendChoice
  /** Run store folder (default: a temporary one, removed at the end). */
  runsDir?: string
  log?: (msg: string) => void
  /** Each row as soon as it is measured (a long run's partial results survive an interruption). */
  onRow?: (row: QualityBenchRow) => void
}

export interface QualityBenchRow {
  objective: string
  family: string
  dataset: string
  steps: number
  batch: number
  /** The sampler and K the metrics were measured with. */
  sampler: string
  samplerSteps: number
  metrics: Metrics
  /** energy / energyGaussian: the issue's bar is 0.1. */
  ratio: number
  /** Wall seconds of the training loop (not the scoring). */
  trainSeconds: number
  /** What trained it: a TensorFlow.js backend, or onnxruntime for the regressions. */
  backend: string
  /** The teacher run (reflow, distill). */
  teacher?: string
  /** E‖φ(z) − z‖² of the run's map (standardised units), where it has one of the data dimension. */
  transportCost?: number
  /** Path straightness of a flow (diagnostics.ts). */
  straightness?: number
  /** Milliseconds to draw 1000 samples with `sampler` at `samplerSteps` (engine, median of 5). */
  msPer1000?: number
}

/** Draws of `LATENCY_ROWS` samples timed per row (after one warm-up draw); the median is reported. */
export const LATENCY_DRAWS = 5
export const LATENCY_ROWS = 1000

/** The median time of drawing 1000 samples from a stored run with a sampler (engine, TensorFlow.js). */
async function samplingLatency(store: RunStore, id: string, sampler: SampleOptions): Promise<number> {
  const open = await openRun(store, id)
  try {
    const rng = new Rng(1)
    open.model.sample(LATENCY_ROWS, rng, sampler)
    const times: number[] = []
    for (let k = 0; k < LATENCY_DRAWS; k++) {
      const t0 = performance.now()
      open.model.sample(LATENCY_ROWS, rng, sampler)
      times.push(performance.now() - t0)
    }
    return times.sort((a, b) => a - b)[Math.floor(LATENCY_DRAWS / 2)]!
  } finally {
    open.dispose()
  }
}

export interface QualityBenchReport {
  backend: string
  n: number
  seed: number
  date: string
  machine: { cpus: number; cpuModel: string; node: string; platform: string }
  rows: QualityBenchRow[]
}

function row(r: TrainResult, family: string, teacher?: string): QualityBenchRow {
  return {
    objective: r.objective,
    family,
    dataset: r.dataset,
    steps: r.steps,
    batch: 0,
    sampler: r.sampler.sampler,
    samplerSteps: r.sampler.steps,
    metrics: r.metrics,
    ratio: r.metrics.energy / r.metrics.energyGaussian,
    trainSeconds: r.durationMs / 1000,
    backend: r.backend,
    ...(teacher ? { teacher } : {}),
    ...(r.extra.transportCost !== undefined ? { transportCost: r.extra.transportCost } : {}),
    ...(r.extra.straightness !== undefined ? { straightness: r.extra.straightness } : {})
  }
}

export async function runQualityBench(o: QualityBenchOptions = {}): Promise<QualityBenchReport> {
  const log = o.log ?? (() => {})
  const all = allObjectives()
  const ids = o.objectives ?? all.map((x) => x.id)
  for (const id of ids)
    if (!all.some((x) => x.id === id))
      throw new Error(`Unknown objective "${id}" (known: ${all.map((x) => x.id).join(', ')}).`)
  const datasets = o.datasets ?? [...QUALITY_BENCH_DATASETS]
  const n = o.n ?? 20_000
  const seed = o.seed ?? 1
  const tmp = o.runsDir ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bench-quality-'))
  const store = new RunStore(o.runsDir ?? path.join(tmp!, 'runs'))
  const backend = await initBackend(o.backend ?? 'auto')
  const rows: QualityBenchRow[] = []
  try {
    for (const dsId of datasets) {
      const ds = generateBuiltin(dsId, n, 0)
      let teacher: TrainResult | null = null
      const train = async (id: string, params: Record<string, unknown> = {}): Promise<TrainResult> => {
        const config = makeRunConfig(ds, { objective: id, seed, params, backend: o.backend ?? 'auto' })
        log(`${dsId}: training ${id} (${config.steps} steps of ${config.batch})…`)
        const r = await trainRun(ds, config, { store })
        log(
          `${dsId}: ${id} energy ${r.metrics.energy.toFixed(5)} = ` +
            `${(r.metrics.energy / r.metrics.energyGaussian).toFixed(3)} × Gaussian in ${(r.durationMs / 1000).toFixed(1)} s`
        )
        return r
      }
      const getTeacher = async (): Promise<TrainResult> => (teacher ??= await train(TEACHER))
      for (const id of ids) {
        const obj = all.find((x) => x.id === id)!
        const config = makeRunConfig(ds, { objective: id })
        let r: TrainResult
        let teacherId: string | undefined
        if (id === TEACHER) r = await getTeacher()
        else if (TAUGHT.has(id)) {
          teacherId = (await getTeacher()).runId!
          r = await train(id, { teacher: teacherId })
        } else r = await train(id)
        const msPer1000 = await samplingLatency(store, r.runId!, r.sampler)
        const done = { ...row(r, obj.family, teacherId), batch: config.batch, msPer1000 }
        rows.push(done)
        o.onRow?.(done)
      }
    }
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  }
  const cpus = os.cpus()
  return {
    backend: backend.id,
    n,
    seed,
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`
    },
    rows
  }
}

const f = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '—')
const e = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : '—')

/** "7 / 8 | 91.2 %" for data with known modes (see metrics/modes.ts), "— | —" for the others. */
function modeCells(m: Metrics): string {
  if (m.modes === undefined) return '— | —'
  return `${m.modesCovered} / ${m.modes} | ${f(100 * m.highQuality!, 1)} %`
}

/** The report as one markdown table (one row per objective and data set). */
export function qualityTable(rep: QualityBenchReport): string {
  const head =
    '| objective | family | data | steps × batch | sampler | energy | × Gaussian | MMD² | precision | recall | coverage | modes covered | in a mode | memorisation | transport cost | straightness | train s | ms / 1000 samples | trained on |'
  const sep = `|${' --- |'.repeat(19)}`
  const lines = rep.rows.map((r) => {
    const m = r.metrics
    const ratio = f(r.ratio, 3)
    return (
      `| \`${r.objective}\` | ${r.family} | ${r.dataset} | ${r.steps} × ${r.batch} | ` +
      `${r.sampler}${r.sampler === 'onestep' ? '' : ` K = ${r.samplerSteps}`} | ${e(m.energy)} | ` +
      `${r.ratio <= 0.1 ? ratio : `**${ratio}**`} | ${e(m.mmd)} | ${f(m.precision, 3)} | ${f(m.recall, 3)} | ` +
      `${f(m.coverage, 3)} | ${modeCells(m)} | ${f(m.memorisation ?? NaN, 2)} | ` +
      `${f(r.transportCost ?? NaN, 3)} | ${r.straightness === undefined ? '—' : e(r.straightness)} | ` +
      `${f(r.trainSeconds, 1)} | ${f(r.msPer1000 ?? NaN, 1)} | ${r.backend} |`
    )
  })
  return [head, sep, ...lines].join('\n')
}

/** Command-line entry (scripts/bench-quality.mjs). Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      objectives: { type: 'string' },
      datasets: { type: 'string' },
      n: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      'runs-dir': { type: 'string' },
      rows: { type: 'string' }
    },
    allowPositionals: false
  })
  const list = (s: string | undefined): string[] | undefined =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined
  const int = (name: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined
    const v = Number(s)
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} ${s}: expected an integer ≥ ${min}.`)
    return v
  }
  const n = int('n', values.n, 100)
  const seed = int('seed', values.seed, 0)
  const objectives = list(values.objectives)
  const datasets = list(values.datasets)
  const t0 = performance.now()
  const rep = await runQualityBench({
    ...(objectives ? { objectives } : {}),
    ...(datasets ? { datasets } : {}),
    ...(n !== undefined ? { n } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values.backend ? { backend: values.backend as BackendChoice } : {}),
    ...(values['runs-dir'] ? { runsDir: values['runs-dir'] } : {}),
    ...(values.rows
      ? { onRow: (r: QualityBenchRow) => fs.appendFileSync(values.rows!, `${JSON.stringify(r)}\n`) }
      : {}),
    log: (m) => process.stderr.write(`${m}\n`)
  })
  if (values.json) process.stdout.write(`${JSON.stringify(rep)}\n`)
  else {
    const mins = ((performance.now() - t0) / 60_000).toFixed(1)
    process.stdout.write(
      `Training quality at the default budgets (backend ${rep.backend}, ${rep.machine.cpus} CPUs ` +
        `${rep.machine.cpuModel}, Node ${rep.machine.node}; ${rep.n} points per data set, ` +
        `${rep.rows[0]?.metrics.n ?? 0} held out, seed ${rep.seed}; ${mins} min):\n\n${qualityTable(rep)}\n`
    )
  }
  return 0
}
