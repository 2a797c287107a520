/** `pfm runs`, `pfm rm`, `pfm eval`, `pfm sample`: the run store from the command line. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { imageGridPng, MAX_GRID_IMAGES } from '../../engine/io/image-grid'
import { writePointsFile } from '../../engine/io/points-file'
import { writeFileAtomic } from '../../engine/store/fs-utils'
import {
  evaluateRun,
  MAX_DRAWS,
  sampleRun,
  spreadOf,
  type DrawFigures,
  type Spread
} from '../../engine/train/evaluate'
import { ConfigError, StoreError } from '../../engine/errors'
import { assertRunId } from '../../engine/store'
import { SAMPLER_FLAGS, SAMPLER_USAGE, samplerOptions } from '../sampler-flags'
import { fmt, num, openStore, Out, parse, printable, required, resolveRunId, runsDir, table, weightsChoice } from '../io'
import { metricsJson, metricsTable } from './train'

/** The usage of each command of this file (`pfm <command> --help`). */
export const USAGES = {
  runs: 'pfm runs [--json]   (the stored runs: status, steps, where a stopped run can resume, headline figures)',
  rm: 'pfm rm ID [ID …] [--force]   (delete runs; --force also removes a run whose training is still running)',
  eval: `pfm eval --run ID [-n N] [--seed S] [--draws R] [--weights final|best] ${SAMPLER_USAGE} [--json]
  held-out metrics of a stored run on its own held-out split (default: its own sampler and n); --draws R
  repeats the evaluation on R seeds (S, S+1, …) and prints each headline figure's mean, sd and range`,
  sample: `pfm sample --run ID --out FILE.csv|.npy|.png [-n N] [--seed S] [--cols C] [--weights final|best] ${SAMPLER_USAGE} [--json]
  samples in data units, unclipped (default n: 1000; 64 for a PNG grid of an image run, --cols images per row;
  an image run's .npy is (n, H, W[, C]))`
}

export async function runs(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const out = new Out(values.json === true)
  const { runs, problems } = openStore(values).list()
  out.result({ runsDir: runsDir(values), runs, problems }, () => {
    if (runs.length === 0 && problems.length === 0) return `No runs in ${runsDir(values)}.`
    // Image runs are judged by fd in the classifier's features (with its ratio to the Gaussian fit).
    const images = runs.some((r) => r.metrics?.image)
    const fd = (r: (typeof runs)[number]): string => {
      const m = r.metrics?.image
      return m ? `${fmt(m.fd)} (${(m.fd / m.fdGaussian).toFixed(2)}×)` : '-'
    }
    const t = table(
      runs.map((r) => [
        r.id,
        r.status,
        r.objective,
        r.dataset,
        r.steps,
        // Where a stopped run stands: the step its weights.json is from, and whether --resume continues it.
        r.status === 'completed' || r.checkpointStep === null
          ? '-'
          : `${r.checkpointStep}${r.resumable ? ' (resumable)' : ''}`,
        ...(images ? [fd(r)] : []),
        r.metrics ? fmt(r.metrics.energy) + (r.metricsStep !== null ? ` (at ${r.metricsStep})` : '') : '-',
        r.backend ?? '-'
      ]),
      ['run', 'status', 'objective', 'dataset', 'steps', 'checkpoint', ...(images ? ['fd'] : []), 'energy', 'backend']
    )
    const p = problems.map((x) => `skipped ${printable(x.id)}: ${printable(x.reason)}`).join('\n')
    return p ? `${t}\n${p}` : t
  })
  return 0
}

export async function rm(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { run: { type: 'string' }, force: { type: 'boolean', default: false } },
    true
  )
  const out = new Out(values.json === true)
  const typed = [...positionals, ...(typeof values.run === 'string' ? [values.run] : [])]
  if (typed.length === 0) throw new ConfigError('pfm rm needs a run id (see `pfm runs`).')
  const store = openStore(values)
  const ids = typed.map((id) => resolveRunId(store, id))
  // Every id must name a run folder before any is removed (a corrupt run can still be removed).
  for (const id of ids) {
    assertRunId(id)
    if (!fs.existsSync(path.join(store.root, id))) throw new StoreError(`No run "${id}" in ${store.root}.`)
  }
  const removed: string[] = []
  for (const id of ids) {
    store.delete(id, { force: values.force === true })
    removed.push(id)
  }
  out.result({ removed }, () => `Removed ${removed.join(', ')}.`)
  return 0
}

/** The sampler flags, and which stored weights to use. */
const RUN_FLAGS = { ...SAMPLER_FLAGS, weights: { type: 'string' } } as const

export async function evaluate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    n: { type: 'string', short: 'n' },
    seed: { type: 'string' },
    draws: { type: 'string' },
    ...RUN_FLAGS
  })
  const out = new Out(values.json === true)
  const store = openStore(values)
  const id = resolveRunId(store, required(values, 'run', 'see `pfm runs`'))
  const n = num(values, 'n')
  const seed = num(values, 'seed')
  const draws = num(values, 'draws')
  if (n !== undefined && (!Number.isInteger(n) || n < 6))
    throw new ConfigError(`-n: ${n} must be an integer ≥ 6.`)
  if (draws !== undefined && !(Number.isInteger(draws) && draws >= 1 && draws <= MAX_DRAWS))
    throw new ConfigError(`--draws: ${draws} must be an integer in [1, ${MAX_DRAWS}].`)
  const r = await evaluateRun(store, id, {
    ...(n !== undefined ? { n } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(draws !== undefined ? { draws } : {}),
    ...weightsChoice(values),
    ...samplerOptions(values)
  })
  const spread = drawSpreads(r.draws)
  out.result(
    {
      runId: id,
      weights: weightsChoice(values).weights ?? 'final',
      sampler: r.sampler.sampler,
      steps: r.sampler.steps,
      ...(r.nfe !== undefined ? { nfe: r.nfe } : {}),
      metrics: metricsJson(r.metrics),
      extra: r.extra,
      ...(r.draws.length > 1 ? { draws: r.draws, spread } : {})
    },
    () =>
      `Run ${id}${weightsChoice(values).weights === 'best' ? ' (its best held-out checkpoint, --weights best)' : ''}, sampler ${r.sampler.sampler}${r.sampler.sampler === 'onestep' ? '' : ` K=${r.sampler.steps}`}` +
      `${r.nfe !== undefined ? `, ${r.nfe} network evaluations per sample` : ''}` +
      (n !== undefined && !r.metrics.image && r.metrics.n < n
        ? ` (-n ${n}: scored on ${r.metrics.n}, the points the run holds out)`
        : '') +
      (r.draws.length > 1 ? ` (the table: draw 1 of ${r.draws.length}, seed ${r.draws[0]!.seed})` : '') +
      '\n' +
      metricsTable(r.metrics, r.extra) +
      (r.draws.length > 1
        ? `\n\n${drawsTable(r.draws, spread, r.metrics.image?.features === 'clusters')}`
        : `\n(a new draw of samples and of the Gaussian fit: the figures differ from the run's stored ones by their noise; --draws R shows how much)`)
  )
  return 0
}

type DrawKey = 'energyRatio' | 'fd' | 'fdRatio' | 'minClassShare'
const DRAW_ROWS: [DrawKey, string][] = [
  ['energyRatio', 'energy / Gaussian'],
  ['fd', 'fd'],
  ['fdRatio', 'fd / fdGaussian'],
  ['minClassShare', 'rarest class']
]

/** Each headline figure's spread over the draws (the figures an image run or any run has). */
export function drawSpreads(draws: readonly DrawFigures[]): Partial<Record<DrawKey, Spread>> {
  const out: Partial<Record<DrawKey, Spread>> = {}
  for (const [k] of DRAW_ROWS) {
    const v = draws.map((d) => d[k]).filter((x): x is number => x !== undefined)
    if (v.length === draws.length) out[k] = spreadOf(v)
  }
  return out
}

/**
 * One row per headline figure: its value on every draw, then mean ± sample sd and the range. Image runs show
 * fd's rows, not the pixel-space energy's (meaningless at 784-D, as in the Runs view); `clusters`: unlabelled
 * images, whose classifier learnt k-means clusters (its rarest cluster, not class).
 */
export function drawsTable(
  draws: readonly DrawFigures[],
  spread: Partial<Record<DrawKey, Spread>>,
  clusters = false
): string {
  const image = spread.fd !== undefined
  return table(
    DRAW_ROWS.filter(([k]) => spread[k] && !(image && k === 'energyRatio')).map(([k, label]) => {
      const s = spread[k]!
      return [
        clusters && k === 'minClassShare' ? 'rarest cluster' : label,
        draws.map((d) => fmt(d[k]!)).join('  '),
        `mean ${fmt(s.mean)} ± ${fmt(s.sd)} (sd), range ${fmt(s.min)} – ${fmt(s.max)}`
      ]
    }),
    [`${draws.length} draws (seeds ${draws[0]!.seed}–${draws[draws.length - 1]!.seed})`, 'per draw', '']
  )
}

export async function sample(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    n: { type: 'string', short: 'n' },
    out: { type: 'string' },
    seed: { type: 'string' },
    cols: { type: 'string' },
    ...RUN_FLAGS
  })
  const out = new Out(values.json === true)
  const store = openStore(values)
  const id = resolveRunId(store, required(values, 'run', 'see `pfm runs`'))
  const file = required(values, 'out', 'a .csv, .npy or (image runs) .png path')
  const ext = path.extname(file).toLowerCase()
  const n = num(values, 'n') ?? (ext === '.png' ? 64 : 1000)
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new ConfigError(`-n: ${n} must be an integer in [1, 10000000].`)
  if (ext !== '.csv' && ext !== '.npy' && ext !== '.png')
    throw new ConfigError(`--out ${file}: must end in .csv, .npy or (image runs) .png.`)
  if (ext === '.png' && n > MAX_GRID_IMAGES)
    throw new ConfigError(`-n: ${n} images are too many for one PNG grid (at most ${MAX_GRID_IMAGES}); use .npy.`)
  const cols = num(values, 'cols')
  const seed = num(values, 'seed')
  const { columns, points, sampler, image, nfe } = await sampleRun(store, id, n, {
    ...(seed !== undefined ? { seed } : {}),
    ...weightsChoice(values),
    ...samplerOptions(values)
  })
  if (ext === '.png') {
    if (!image)
      throw new ConfigError(`--out ${file}: run ${id} was not trained on images; write its samples to .csv or .npy.`)
    writeFileAtomic(path.resolve(file), imageGridPng(points, image, cols !== undefined ? { cols } : {}))
  } else writePointsFile(path.resolve(file), columns, points, image?.shape)
  out.result(
    {
      runId: id,
      n,
      dim: points.d,
      sampler: sampler.sampler,
      steps: sampler.steps,
      ...(nfe !== undefined ? { nfe } : {}),
      out: path.resolve(file)
    },
    () =>
      `Wrote ${n} samples (${sampler.sampler}${nfe !== undefined ? `, ${nfe} network evaluations each` : ''}` +
      `${weightsChoice(values).weights === 'best' ? ', best held-out checkpoint' : ''}) to ${file}.`
  )
  return 0
}
