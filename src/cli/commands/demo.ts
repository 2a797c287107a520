/**
 * `pfm demo`: the product's story in about three minutes (src/engine/demo): a statistics-matching one-step
 * map, a flow and its one-step distillation, benchmarked through onnxruntime; one table, one figure, and the
 * two next things to try. Runs go to the workbench's data folder (./lab-data, or $PFM_DATA_DIR) so that the
 * workbench shows them; `--runs-dir` / $PFM_RUNS_DIR override as for every command.
 */
import * as path from 'node:path'
import { DEMO_BUDGETS, runDemo, type DemoReport, type DemoRow } from '../../engine/demo'
import { ConfigError } from '../../engine/errors'
import { RunStore } from '../../engine/store'
import { duration, fmt, num, Out, parse, str, table } from '../io'

export const usage =
  'pfm demo [--data 8gaussians|25gaussians|checkerboard] [--budget full|tiny] [--seed N] [--out DIR] [--runs-dir DIR] [--json]'

/** The table's columns, in order (tests read them back). */
export const DEMO_COLUMNS = [
  'map / sampler',
  'NFE',
  'p50 ms @1',
  'p50 ms @1024',
  'held-out energy',
  'modes covered',
  'in 3σ of a mode'
] as const

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' },
    budget: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string', short: 'o' }
  })
  const out = new Out(values.json === true)
  const budget = str(values, 'budget') ?? 'full'
  if (budget !== 'full' && budget !== 'tiny')
    throw new ConfigError(`--budget: "${budget}" is not full or tiny.`)
  const seed = num(values, 'seed')
  const dataDir = path.resolve(process.env.PFM_DATA_DIR || 'lab-data')
  const runsDir = path.resolve(
    str(values, 'runs-dir') ?? (process.env.PFM_RUNS_DIR || path.join(dataDir, 'runs'))
  )
  const outDir = path.resolve(str(values, 'out') ?? path.join(dataDir, 'demo'))
  const store = RunStore.open(runsDir)
  const dataset = str(values, 'data') ?? '8gaussians'
  const b = DEMO_BUDGETS[budget]
  out.line(
    `Pushforward Lab demo on ${dataset}: a statistics map (energy, ${b.steps.statistics} steps), a flow (cfm, ` +
      `${b.steps.flow} steps) and its one-step distillation (${b.steps.distill} steps), then onnxruntime timings.`
  )
  const bar = out.progress()
  let lastPhase = ''
  const report = await runDemo(
    store,
    { dataset, budget, outDir, ...(seed !== undefined ? { seed } : {}) },
    {
      onProgress: (p) => {
        if (bar.live) return bar.update(Math.round(p.fraction * 1000), 1000, p.phase)
        // Without a terminal: one line per stage (the benchmark's own phases stay quiet).
        const stage = p.phase.split(':')[0]!
        if (!out.json && stage !== lastPhase) process.stderr.write(`${stage}\n`)
        lastPhase = stage
      }
    }
  )
  bar.done()
  out.result({ ...report, svg: undefined, bench: undefined, runsDir, columns: DEMO_COLUMNS }, () => human(report, runsDir))
  return 0
}

function cells(r: DemoRow): (string | number)[] {
  const ms = (v: number | null): string => (v === null ? '-' : fmt(v))
  return [
    r.label,
    r.nfe ?? '-',
    ms(r.p50Batch1),
    ms(r.p50Batch1024),
    r.energy === null ? '-' : fmt(r.energy),
    `${r.modesCovered}/${r.modes}`,
    `${(100 * r.highQuality).toFixed(1)} %`
  ]
}

function human(r: DemoReport, runsDir: string): string {
  const ids = [r.runs.statistics, r.runs.flow, r.runs.distilled].join(',')
  const rel = (p: string): string => path.relative(process.cwd(), p) || '.'
  const runsFlag = runsDir === path.resolve('runs') ? '' : ` --runs-dir ${rel(runsDir)}`
  // The workbench keeps its runs in <data folder>/runs.
  const start =
    path.basename(runsDir) === 'runs'
      ? `  PFM_DATA_DIR=${rel(path.dirname(runsDir))} npm start     # the workbench: these runs in Runs, Gallery and Benchmark`
      : `  npm start     # the workbench (these runs are in ${rel(runsDir)}, outside its data folder)`
  return [
    '',
    table(r.rows.map(cells), [...DEMO_COLUMNS]),
    '',
    ...r.rows.map((x) => `  ${x.label}: ${x.reading}`),
    '',
    `NFE: network evaluations per sample. Energy: held-out energy distance (lower is better). A sample is in a`,
    `mode within 3σ of its centre; a mode is covered with a tenth of its fair share of samples.`,
    '',
    `Figure: ${rel(r.files[0] ?? '')}   (${duration(r.durationMs)} in all)`,
    '',
    'Next:',
    start,
    `  npx pfm bench${runsFlag} --runs ${ids}     # the full latency/quality grid of these three runs`
  ].join('\n')
}
