/** `pfm repro <figure>`: the paper's experiments, reproduced. */
import * as path from 'node:path'
import { ConfigError } from '../../engine/errors'
import { writeFileAtomic } from '../../engine/store/fs-utils'
import { reproFig1 } from '../../engine/repro/fig1'
import { runFootnote3 } from './repro-footnote3'
import { duration, fmt, num, Out, parse, str } from '../io'

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { out: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, lr: { type: 'string' } },
    true
  )
  const out = new Out(values.json === true)
  const which = positionals[0]
  if (which === 'footnote3') return runFootnote3(values, out)
  if (which !== 'fig1') throw new ConfigError(`pfm repro: unknown figure "${which ?? ''}" (available: fig1, footnote3).`)
  const file = path.resolve(str(values, 'out') ?? 'fig1.svg')
  if (path.extname(file).toLowerCase() !== '.svg') throw new ConfigError(`--out ${file}: the plot is written as .svg.`)
  const steps = num(values, 'steps')
  const seed = num(values, 'seed')
  const lr = num(values, 'lr')
  const bar = out.json ? null : out.progress()
  const r = await reproFig1(
    { ...(steps !== undefined ? { steps } : {}), ...(seed !== undefined ? { seed } : {}), ...(lr !== undefined ? { lr } : {}) },
    { onProgress: (p) => bar?.update(p.step, p.steps, `D₂² ${fmt(p.loss)}`) }
  )
  bar?.done()
  writeFileAtomic(file, r.svg)
  const target = 0.01
  out.result(
    { figure: 'fig1', maxAbsError: r.maxAbsError, against: r.against, plot: file, steps: r.steps, backend: r.backend, target, pass: r.maxAbsError <= target },
    () =>
      `Fig. 1 reproduced in ${duration(r.durationMs)} (${r.backend}): max |φ(x) − ${r.against === 'Phi' ? 'Φ(x)' : '(1 − Φ(x))'}| over [−3, 3] = ${r.maxAbsError.toFixed(4)} ` +
      `(target ≤ ${target}: ${r.maxAbsError <= target ? 'met' : 'NOT met'}).\nPlot: ${file}`
  )
  return 0
}
