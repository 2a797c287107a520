/**
 * `npm run bench:quality`: every registered objective trained at its default budget (steps, batch, lr,
 * parameters and the default 128×3 SiLU model of `makeRunConfig`) on `8gaussians` and `moons` through the
 * shared loop (`trainRun`, a run store in a temporary folder), then scored the way a run is: held-out energy
 * distance, the Gaussian-fit yard-stick, MMD², precision / recall / coverage, modes covered and the share of
 * samples in a mode (data with known modes, see metrics/modes.ts), with each model's best sampler
 * (flows: their first sampler at K = 100; one-step maps: `onestep`), the run's transport cost E‖φ(z) − z‖²
 * and a flow's path straightness (train/diagnostics.ts), and the sampling latency with that sampler (the
 * engine a run samples with: TensorFlow.js on the toys; the median of 5 draws of 1000 samples after one
 * warm-up draw). `reflow`, `distill` and `cd` learn from the `cfm` run of the same data set (trained first if
 * `cfm` is not in the list).
 *
 * On image data (`--data mnist14`, `mnist`, `fashion-mnist`, …) the objectives that declare an image budget
 * train at it, with no evaluation before the last, and are scored by one evaluator per data set
 * (quality-images.ts): fd, KID, class KL and shares, memorisation and copies; the latency is of 64 samples
 * (through onnxruntime, as image runs sample). An objective without an image budget gets one error line.
 *
 *   npm run bench:quality                          # markdown table on stdout, progress on stderr
 *   npm run bench:quality -- --json                # one JSON object
 *   npm run bench:quality -- --objectives vae,anneal --datasets moons --n 20000 --seed 1
 *   npm run bench:quality -- --data mnist14 --steps 300   # image table, every budget overridden
 *   npm run bench:quality -- --rows rows.jsonl     # also append each row to a JSON-lines file as it is done
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { initBackend } from '../backend'
import { generateBuiltin } from '../data'
import type { ClassifierOptions, ImageEvaluator } from '../metrics'
import { allObjectives } from '../objectives/registry'
import { RunStore } from '../store'
import type { SampleOptions } from '../objectives/types'
import { Rng } from '../rng'
import { openRun, runSampling } from '../train/evaluate'
import { classifierDir } from '../train/image-eval'
import { makeRunConfig, trainRun, type TrainProgress, type TrainResult } from '../train/train'
import type { ModelConfig } from '../train/config'
import type { BackendChoice, Dataset, Metrics } from '../types'
import {
  LATENCY_IMAGE_ROWS,
  benchImageEvaluator,
  imageQualityTable,
  imageSupport,
  type ImageYardsticks
} from './quality-images'

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
  /**
   * A stored run in `runsDir` that reflow, distill and cd learn from instead of a cfm run trained here (an
   * image budget's cfm takes 10–25 minutes of this CPU); one data set, the run's own.
   */
  teacher?: string
  log?: (msg: string) => void
  /** Each row as soon as it is measured (a long run's partial results survive an interruption). */
  onRow?: (row: QualityBenchRow) => void
  /** Each data set or objective that could not be run, as soon as it fails (the others keep running). */
  onFailure?: (failure: QualityBenchFailure) => void
  /** Training steps of every objective, overriding each one's budget (a quick table). */
  steps?: number
  /** The network of every objective, overriding its budget's (tests: a tiny one). */
  model?: Pick<Partial<ModelConfig>, 'width' | 'depth'>
  /** The image classifier's training (tests: a smaller one); default that of the runs. */
  classifier?: Pick<ClassifierOptions, 'steps' | 'batch'>
}

/** A data set that could not be loaded, or an objective that could not be trained or scored on one. */
export interface QualityBenchFailure {
  dataset: string
  objective?: string
  error: string
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
  /** Wall seconds of the training loop, without the snapshots and evaluations (`evalSeconds`). */
  trainSeconds: number
  /** Wall seconds of the run's snapshots and held-out evaluations (sampling and scoring). */
  evalSeconds?: number
  /** What trained it: a TensorFlow.js backend, or onnxruntime for the regressions. */
  backend: string
  /** The teacher run (reflow, distill, cd). */
  teacher?: string
  /** E‖φ(z) − z‖² of the run's map (standardised units), where it has one of the data dimension. */
  transportCost?: number
  /** Path straightness of a flow (diagnostics.ts). */
  straightness?: number
  /** Milliseconds to draw `rows` samples with `sampler` at `samplerSteps` (median of 5). */
  latency?: { rows: number; ms: number }
  /** Image data: each class's share of the scored samples, by the data set's classifier (sums to 1). */
  classShares?: number[]
}

/** Draws of `LATENCY_ROWS` samples timed per row (after one warm-up draw); the median is reported. */
export const LATENCY_DRAWS = 5
export const LATENCY_ROWS = 1000

/**
 * The median time of drawing `rows` samples from a stored run with a sampler, through the engine its runs
 * sample with (`runSampling`: TensorFlow.js on the toys, onnxruntime's fused graph on images); the warm-up
 * draw builds the graph, and a graph build is never timed.
 */
async function samplingLatency(
  store: RunStore,
  id: string,
  sampler: SampleOptions,
  rows: number
): Promise<number> {
  const open = await openRun(store, id)
  const sampling = runSampling(open)
  try {
    const rng = new Rng(1)
    await sampling.sample(rows, rng, sampler)
    const times: number[] = []
    for (let k = 0; k < LATENCY_DRAWS; k++) {
      await sampling.sample(rows, rng, sampler)
      times.push(sampling.lastSampleMs)
    }
    return times.sort((a, b) => a - b)[Math.floor(LATENCY_DRAWS / 2)]!
  } finally {
    await sampling.dispose()
    open.dispose()
  }
}

export interface QualityBenchReport {
  backend: string
  n: number
  seed: number
  date: string
  machine: { cpus: number; cpuModel: string; node: string; platform: string }
  /** The budget override (`--steps`), when one was given. */
  steps?: number
  rows: QualityBenchRow[]
  /** Each image data set's yard-sticks (the same for all its rows). */
  yardsticks: ImageYardsticks[]
  failures: QualityBenchFailure[]
}

function row(r: TrainResult, family: string, batch: number, teacher?: string): QualityBenchRow {
  const img = r.metrics.image
  return {
    objective: r.objective,
    family,
    dataset: r.dataset,
    steps: r.steps,
    batch,
    sampler: r.sampler.sampler,
    samplerSteps: r.sampler.steps,
    metrics: r.metrics,
    // Images: fd against the Gaussian fit's; points: energy against the Gaussian fit's.
    ratio: img ? img.fd / img.fdGaussian : r.metrics.energy / r.metrics.energyGaussian,
    trainSeconds: (r.durationMs - r.evalMs) / 1000,
    evalSeconds: r.evalMs / 1000,
    backend: r.backend,
    ...(teacher ? { teacher } : {}),
    ...(r.extra.transportCost !== undefined ? { transportCost: r.extra.transportCost } : {}),
    ...(r.extra.straightness !== undefined ? { straightness: r.extra.straightness } : {})
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

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
  if (o.teacher !== undefined && !o.runsDir)
    throw new Error(`--teacher ${o.teacher}: give --runs-dir, the folder that holds it.`)
  if (o.teacher !== undefined && datasets.length !== 1)
    throw new Error(`--teacher ${o.teacher}: one data set only (its own), not ${datasets.length}.`)
  const tmp = o.runsDir ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bench-quality-'))
  const store = new RunStore(o.runsDir ?? path.join(tmp!, 'runs'))
  if (o.teacher !== undefined) store.summary(o.teacher) // a clear error where the folder does not hold it
  const backend = await initBackend(o.backend ?? 'auto')
  const rows: QualityBenchRow[] = []
  const yardsticks: ImageYardsticks[] = []
  const failures: QualityBenchFailure[] = []
  const fail = (f: QualityBenchFailure): void => {
    failures.push(f)
    log(`${f.dataset}: ${f.objective ? `${f.objective} not run: ` : 'not run: '}${f.error}`)
    o.onFailure?.(f)
  }
  try {
    for (const dsId of datasets) {
      let ds: Dataset
      let images: ImageEvaluator | undefined
      try {
        ds = generateBuiltin(dsId, n, 0)
        if (ds.image) {
          log(`${dsId}: building the image evaluator (classifier, yard-sticks) once for every row…`)
          const built = await benchImageEvaluator(ds, seed, HELDOUT, {
            cacheDir: classifierDir(store.root),
            log: (m) => log(`${dsId}: ${m}`),
            ...(o.classifier ? { classifier: o.classifier } : {})
          })
          images = built.evaluator
          yardsticks.push(built.yardsticks)
        }
      } catch (e) {
        fail({ dataset: dsId, error: message(e) })
        continue
      }
      let teacher: Promise<{ r: TrainResult; batch: number }> | null = null
      const train = async (
        id: string,
        params: Record<string, unknown> = {}
      ): Promise<{ r: TrainResult; batch: number }> => {
        const config = makeRunConfig(ds, {
          objective: id,
          seed,
          params,
          heldout: HELDOUT,
          backend: o.backend ?? 'auto',
          ...(o.steps !== undefined ? { steps: o.steps } : {}),
          ...(o.model ? { model: o.model } : {}),
          // Images: one evaluation, at the end (the row's), with the data set's evaluator.
          ...(images ? { evalEvery: 0 } : {})
        })
        log(`${dsId}: training ${id} (${config.steps} steps of ${config.batch})…`)
        const r = await trainRun(ds, config, {
          store,
          onProgress: progressLog(`${dsId}: ${id}`, log),
          ...(images ? { images } : {})
        })
        const img = r.metrics.image
        log(
          `${dsId}: ${id} ` +
            (img
              ? `fd ${img.fd.toFixed(3)} = ${(img.fd / img.fdGaussian).toFixed(3)} × fdGaussian, rarest class ` +
                `${(100 * img.minClassShare).toFixed(1)} %, memorisation ${img.memorisation.toFixed(2)}`
              : `energy ${r.metrics.energy.toFixed(5)} = ` +
                `${(r.metrics.energy / r.metrics.energyGaussian).toFixed(3)} × Gaussian`) +
            ` in ${(r.durationMs / 1000).toFixed(1)} s (evaluation ${(r.evalMs / 1000).toFixed(1)} s)`
        )
        return { r, batch: config.batch }
      }
      const getTeacher = (): Promise<{ r: TrainResult; batch: number }> => (teacher ??= train(TEACHER))
      for (const id of ids) {
        const obj = all.find((x) => x.id === id)!
        const unsupported = ds.image ? imageSupport(obj) : null
        if (unsupported) {
          fail({ dataset: dsId, objective: id, error: unsupported })
          continue
        }
        try {
          let teacherId: string | undefined
          let trained: { r: TrainResult; batch: number }
          if (id === TEACHER) trained = await getTeacher()
          else if (TAUGHT.has(id)) {
            teacherId =
              o.teacher ??
              (
                await getTeacher().catch((e: unknown) => {
                  throw new Error(`its teacher, the ${TEACHER} run, failed: ${message(e)}`)
                })
              ).r.runId!
            trained = await train(id, { teacher: teacherId })
          } else trained = await train(id)
          const { r, batch } = trained
          const rowsTimed = images ? LATENCY_IMAGE_ROWS : LATENCY_ROWS
          const ms = await samplingLatency(store, r.runId!, r.sampler, rowsTimed)
          const done: QualityBenchRow = {
            ...row(r, obj.family, batch, teacherId),
            latency: { rows: rowsTimed, ms },
            ...(images ? { classShares: [...images.classShares(r.samples)] } : {})
          }
          rows.push(done)
          o.onRow?.(done)
        } catch (e) {
          fail({ dataset: dsId, objective: id, error: message(e) })
        }
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
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    rows,
    yardsticks,
    failures
  }
}

/** Share of the data held out of training (a run's default). */
const HELDOUT = 0.2

/** A progress line at every tenth of the budget: step, loss, elapsed and remaining time. */
function progressLog(what: string, log: (m: string) => void): (p: TrainProgress) => void {
  let tenth = 0
  return (p) => {
    const now = Math.floor((10 * p.step) / p.steps)
    if (now <= tenth || p.step === p.steps) return
    tenth = now
    log(
      `${what}: step ${p.step} / ${p.steps}, loss ${p.loss.toPrecision(4)}, ` +
        `${(p.elapsedMs / 1000).toFixed(0)} s, about ${(p.etaMs / 1000).toFixed(0)} s to go`
    )
  }
}

const f = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '—')
const e = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : '—')

/** "7 / 8 | 91.2 %" for data with known modes (see metrics/modes.ts), "— | —" for the others. */
function modeCells(m: Metrics): string {
  if (m.modes === undefined) return '— | —'
  return `${m.modesCovered} / ${m.modes} | ${f(100 * m.highQuality!, 1)} %`
}

/** The point-cloud rows as one markdown table (one row per objective and data set; images: quality-images.ts). */
export function qualityTable(rep: Pick<QualityBenchReport, 'rows'>): string {
  const head =
    '| objective | family | data | steps × batch | sampler | energy | × Gaussian | MMD² | precision | recall | coverage | modes covered | in a mode | memorisation | transport cost | straightness | train s | ms / 1000 samples | trained on |'
  const sep = `|${' --- |'.repeat(19)}`
  const lines = rep.rows
    .filter((r) => !r.metrics.image)
    .map((r) => {
      const m = r.metrics
      const ratio = f(r.ratio, 3)
      return (
        `| \`${r.objective}\` | ${r.family} | ${r.dataset} | ${r.steps} × ${r.batch} | ` +
        `${r.sampler}${r.sampler === 'onestep' ? '' : ` K = ${r.samplerSteps}`} | ${e(m.energy)} | ` +
        `${r.ratio <= 0.1 ? ratio : `**${ratio}**`} | ${e(m.mmd)} | ${f(m.precision, 3)} | ${f(m.recall, 3)} | ` +
        `${f(m.coverage, 3)} | ${modeCells(m)} | ${f(m.memorisation ?? NaN, 2)} | ` +
        `${f(r.transportCost ?? NaN, 3)} | ${r.straightness === undefined ? '—' : e(r.straightness)} | ` +
        `${f(r.trainSeconds, 1)} | ${r.latency?.rows === LATENCY_ROWS ? f(r.latency.ms, 1) : '—'} | ${r.backend} |`
      )
    })
  return [head, sep, ...lines].join('\n')
}

/** Command-line entry (scripts/bench-quality.mjs). Returns the exit code: 1 when a row could not be run. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      objectives: { type: 'string' },
      datasets: { type: 'string' },
      data: { type: 'string' },
      n: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      backend: { type: 'string' },
      'runs-dir': { type: 'string' },
      teacher: { type: 'string' },
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
  if (values.data !== undefined && values.datasets !== undefined)
    throw new Error('--data and --datasets are the same option: give one.')
  const n = int('n', values.n, 100)
  const seed = int('seed', values.seed, 0)
  const steps = int('steps', values.steps, 1)
  const objectives = list(values.objectives)
  const datasets = list(values.data ?? values.datasets)
  const append = (x: object): void => fs.appendFileSync(values.rows!, `${JSON.stringify(x)}\n`)
  const t0 = performance.now()
  const rep = await runQualityBench({
    ...(objectives ? { objectives } : {}),
    ...(datasets ? { datasets } : {}),
    ...(n !== undefined ? { n } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(values.backend ? { backend: values.backend as BackendChoice } : {}),
    ...(values['runs-dir'] ? { runsDir: values['runs-dir'] } : {}),
    ...(values.teacher ? { teacher: values.teacher } : {}),
    ...(values.rows ? { onRow: append, onFailure: append } : {}),
    log: (m) => process.stderr.write(`${m}\n`)
  })
  if (values.json) process.stdout.write(`${JSON.stringify(rep)}\n`)
  else process.stdout.write(`${reportText(rep, (performance.now() - t0) / 60_000)}\n`)
  return rep.failures.length > 0 ? 1 : 0
}

/**
 * One line per data set and reason: `not run: nope: Unknown …` for a data set, `not run on mnist14 (mmd, gan):
 * it declares no image budget …` for the objectives that failed for one reason on one data set.
 */
export function failureLines(failures: readonly QualityBenchFailure[]): string[] {
  const groups = new Map<string, { f: QualityBenchFailure; objectives: string[] }>()
  for (const f of failures) {
    const key = JSON.stringify([f.dataset, f.objective === undefined, f.error])
    const g = groups.get(key) ?? { f, objectives: [] }
    if (f.objective) g.objectives.push(f.objective)
    groups.set(key, g)
  }
  return [...groups.values()].map(({ f, objectives }) =>
    objectives.length > 0
      ? `not run on ${f.dataset} (${objectives.join(', ')}): ${f.error}`
      : `not run: ${f.dataset}: ${f.error}`
  )
}

/** The report as text: the point-cloud table, the image table (yard-sticks first), then what was not run. */
export function reportText(rep: QualityBenchReport, minutes: number): string {
  const budget = rep.steps !== undefined ? `${rep.steps} steps each (--steps)` : 'the default budgets'
  const machine =
    `backend ${rep.backend}, ${rep.machine.cpus} CPUs ${rep.machine.cpuModel}, Node ${rep.machine.node}; ` +
    `seed ${rep.seed}; ${minutes.toFixed(1)} min`
  const parts: string[] = []
  const points = rep.rows.filter((r) => !r.metrics.image)
  if (points.length > 0)
    parts.push(
      `Training quality at ${budget} (${machine}; ${rep.n} points per data set, ` +
        `${points[0]!.metrics.n} held out):\n\n${qualityTable(rep)}`
    )
  if (rep.yardsticks.length > 0)
    parts.push(
      `Training quality on images at ${budget}, one evaluation at the end (${machine}):\n\n` +
        imageQualityTable(rep)
    )
  if (rep.failures.length > 0) parts.push(failureLines(rep.failures).join('\n'))
  return parts.join('\n\n')
}
