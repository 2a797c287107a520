/** `pfm runs`, `pfm rm`, `pfm eval`, `pfm sample`: the run store from the command line. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { writePointsFile } from '../../engine/io/points-file'
import { evaluateRun, sampleRun } from '../../engine/train/evaluate'
import { ConfigError, StoreError } from '../../engine/errors'
import { assertRunId } from '../../engine/store'
import { fmt, num, openStore, Out, parse, required, runsDir, table } from '../io'
import { metricsJson, metricsTable } from './train'

export async function runs(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const out = new Out(values.json === true)
  const { runs, problems } = openStore(values).list()
  out.result({ runsDir: runsDir(values), runs, problems }, () => {
    if (runs.length === 0 && problems.length === 0) return `No runs in ${runsDir(values)}.`
    const t = table(
      runs.map((r) => [
        r.id,
        r.status,
        r.objective,
        r.dataset,
        r.steps,
        r.metrics ? fmt(r.metrics.energy) : '-',
        r.backend ?? '-'
      ]),
      ['run', 'status', 'objective', 'dataset', 'steps', 'energy', 'backend']
    )
    const p = problems.map((x) => `skipped ${x.id}: ${x.reason}`).join('\n')
    return p ? `${t}\n${p}` : t
  })
  return 0
}

export async function rm(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { run: { type: 'string' }, force: { type: 'boolean', default: false } }, true)
  const out = new Out(values.json === true)
  const ids = [...positionals, ...(typeof values.run === 'string' ? [values.run] : [])]
  if (ids.length === 0) throw new ConfigError('pfm rm needs a run id (see `pfm runs`).')
  const store = openStore(values)
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

export async function evaluate(argv: string[]): Promise<number> {
  const { values } = parse(argv, { run: { type: 'string' }, n: { type: 'string', short: 'n' }, seed: { type: 'string' } })
  const out = new Out(values.json === true)
  const id = required(values, 'run', 'see `pfm runs`')
  const n = num(values, 'n')
  const seed = num(values, 'seed')
  if (n !== undefined && (!Number.isInteger(n) || n < 2)) throw new ConfigError(`-n: ${n} must be an integer ≥ 2.`)
  const metrics = await evaluateRun(openStore(values), id, {
    ...(n !== undefined ? { n } : {}),
    ...(seed !== undefined ? { seed } : {})
  })
  out.result({ runId: id, sampler: 'onestep', steps: 1, metrics: metricsJson(metrics) }, () => metricsTable(metrics))
  return 0
}

export async function sample(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    n: { type: 'string', short: 'n' },
    out: { type: 'string' },
    seed: { type: 'string' }
  })
  const out = new Out(values.json === true)
  const id = required(values, 'run', 'see `pfm runs`')
  const file = required(values, 'out', 'a .csv or .npy path')
  const n = num(values, 'n') ?? 1000
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new ConfigError(`-n: ${n} must be an integer in [1, 10000000].`)
  const ext = path.extname(file).toLowerCase()
  if (ext !== '.csv' && ext !== '.npy') throw new ConfigError(`--out ${file}: must end in .csv or .npy.`)
  const seed = num(values, 'seed')
  const { columns, points } = await sampleRun(openStore(values), id, n, seed)
  writePointsFile(path.resolve(file), columns, points)
  out.result({ runId: id, n, dim: points.d, out: path.resolve(file) }, () => `Wrote ${n} samples to ${file}.`)
  return 0
}
