/** `pfm demo`: the headless default job — train the energy-distance map on 8 Gaussians, report, plot. */
import * as path from 'node:path'
import { resolveDataset } from '../../engine/data'
import { writeFileAtomic } from '../../engine/store/fs-utils'
import { invertStandardization } from '../../engine/data'
import { renderPlot } from '../../engine/plot/svg'
import { makeRunConfig, trainRun } from '../../engine/train/train'
import { duration, fmt, num, openStore, Out, parse, str } from '../io'
import { metricsJson, metricsTable } from './train'

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { objective: { type: 'string' }, data: { type: 'string' }, steps: { type: 'string' } })
  const out = new Out(values.json === true)
  const ds = resolveDataset(str(values, 'data') ?? '8gaussians', { seed: 0 })
  const steps = num(values, 'steps')
  const config = makeRunConfig(ds, { objective: str(values, 'objective') ?? 'energy', ...(steps ? { steps } : {}) })
  const store = openStore(values)
  out.line(`Pushforward Lab demo: learning a one-step map φ with φ#N(0,I) = ${ds.name}, objective ${config.objective}.`)
  const bar = out.json ? null : out.progress()
  const r = await trainRun(ds, config, {
    store,
    log: (m) => out.line(m),
    onProgress: (p) => bar?.update(p.step, p.steps, `loss ${fmt(p.loss)}  ETA ${duration(p.etaMs)}`)
  })
  bar?.done()
  const plot = path.join(store.root, r.runId!, 'samples.svg')
  const data = invertStandardization(r.heldout, r.standardization)
  const gen = invertStandardization(r.samples, r.standardization)
  const col = (p: typeof data, j: number): Float32Array => p.data.filter((_, i) => i % p.d === j)
  writeFileAtomic(
    plot,
    renderPlot(
      [
        { name: 'held-out data', x: col(data, 0), y: col(data, 1 % data.d), color: '#1f77b4', style: 'points' },
        { name: `φ(z), ${config.objective}`, x: col(gen, 0), y: col(gen, 1 % gen.d), color: '#ff7f0e', style: 'points' }
      ],
      { title: `${ds.name}: data vs one-step samples (energy ${fmt(r.metrics.energy)})`, xLabel: ds.columns[0]!, yLabel: ds.columns[1 % ds.d]! }
    )
  )
  out.result({ runId: r.runId, backend: r.backend, plot, metrics: metricsJson(r.metrics) }, () =>
    [`Run ${r.runId} (${r.backend}, ${duration(r.durationMs)})`, metricsTable(r.metrics), `Plot: ${plot}`].join('\n')
  )
  return 0
}
