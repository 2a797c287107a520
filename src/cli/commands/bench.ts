/**
 * `pfm bench --runs A,B,…`: onnxruntime latency and throughput of one-step maps against multi-step flow and
 * diffusion samplers (fused into one graph and as K separate calls), with the sample quality of each.
 */
import { benchInference } from '../../engine/bench/infer-bench'
import {
  BENCH_SAMPLERS,
  DEFAULT_BENCH_BATCHES,
  DEFAULT_BENCH_STEPS,
  DEFAULT_REPEATS,
  type BenchForm,
  type BenchSampler,
  type InferBenchReport
} from '../../engine/bench/infer-types'
import { ConfigError } from '../../engine/errors'
import { benchProgressText } from '../../shared/bench-progress'
import type { BenchConfigProgress } from '../../shared/api'
import { qualityMetric } from '../../shared/quality'
import { fmt, num, openStore, Out, parse, resolveRunId, str, table } from '../io'

export const usage = `pfm bench --runs ID[,ID…] [--samplers ${BENCH_SAMPLERS.join(',')}] [--steps ${DEFAULT_BENCH_STEPS.join(',')}]
          [--batch ${DEFAULT_BENCH_BATCHES.join(',')}] [--repeats ${DEFAULT_REPEATS}] [--rounds 5] [--warmup N] [--threads 1] [--ep cpu|webgpu|cuda|auto]
          [--seed N] [-n N] [--no-quality] [--no-separate] [--form unrolled,loop] [--peer] [--out DIR] [--json]`

function list(values: Record<string, unknown>, name: string): string[] | undefined {
  const raw = str(values, name)
  if (raw === undefined) return undefined
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0) throw new ConfigError(`--${name}: give at least one value.`)
  return items
}

function ints(values: Record<string, unknown>, name: string): number[] | undefined {
  return list(values, name)?.map((s) => {
    const v = Number(s)
    if (!Number.isInteger(v)) throw new ConfigError(`--${name}: "${s}" is not an integer.`)
    return v
  })
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    runs: { type: 'string' },
    samplers: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    repeats: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    ep: { type: 'string' },
    seed: { type: 'string' },
    n: { type: 'string', short: 'n' },
    'no-quality': { type: 'boolean', default: false },
    'no-separate': { type: 'boolean', default: false },
    form: { type: 'string' },
    peer: { type: 'boolean', default: false },
    out: { type: 'string', short: 'o' }
  })
  const out = new Out(values.json === true)
  const typed = list(values, 'runs')
  if (!typed) throw new ConfigError('--runs is required (comma-separated run ids; see `pfm runs`).')
  const store = openStore(values)
  const runs = typed.map((id) => resolveRunId(store, id))
  const samplers = list(values, 'samplers')
  for (const s of samplers ?? [])
    if (!(BENCH_SAMPLERS as readonly string[]).includes(s))
      throw new ConfigError(`--samplers: "${s}" is not one of ${BENCH_SAMPLERS.join(', ')}.`)
  const forms = list(values, 'form')
  for (const f of forms ?? [])
    if (f !== 'unrolled' && f !== 'loop') throw new ConfigError(`--form: "${f}" is not unrolled or loop.`)
  const steps = ints(values, 'steps')
  const batch = ints(values, 'batch')
  const repeats = num(values, 'repeats')
  const rounds = num(values, 'rounds')
  const warmup = num(values, 'warmup')
  const threads = num(values, 'threads')
  const seed = num(values, 'seed')
  const n = num(values, 'n')
  if (n !== undefined && !(Number.isInteger(n) && n >= 6))
    throw new ConfigError(`-n: ${n} must be an integer ≥ 6.`)
  const ep = str(values, 'ep')
  const outDir = str(values, 'out')

  const bar = out.progress()
  const report = await benchInference(
    store,
    {
      runs,
      ...(samplers ? { samplers: samplers as BenchSampler[] } : {}),
      ...(steps ? { steps } : {}),
      ...(batch ? { batch } : {}),
      ...(repeats !== undefined ? { repeats } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
      ...(warmup !== undefined ? { warmup } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(ep !== undefined ? { ep } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(n !== undefined ? { evalN: n } : {}),
      ...(forms !== undefined ? { form: forms as BenchForm[] } : {}),
      quality: values['no-quality'] !== true,
      separate: values['no-separate'] !== true,
      peer: values.peer === true,
      ...(outDir !== undefined ? { outDir } : {})
    },
    {
      log: (m) => {
        bar.clear()
        process.stderr.write(`${m}\n`)
      },
      onProgress: (p) => bar.update(p.done, p.total, benchProgressInfo(p))
    }
  )
  bar.done()
  out.result(report, () => benchTable(report))
  return 0
}

/**
 * A progress line's info: the configurations done in the Benchmark view's words, then the phase
 * (`12 of 34 configurations timed in round 2 of 3 · round 2/3: heun K = 100, batch 64`).
 */
export function benchProgressInfo(p: { phase: string; configurations?: BenchConfigProgress }): string {
  return p.configurations ? `${benchProgressText(p.configurations)} · ${p.phase}` : p.phase
}

const ms = (v: number): string => `${fmt(v)} ms`

/** The human-readable report: the results table, then the comparisons, fused vs separate and the peer. */
export function benchTable(r: InferBenchReport): string {
  // Image reports show fd, the metric they rank by, where toys show MMD² (the renderer's table does the same).
  const metric = qualityMetric(r.results)
  const rows = r.results.map((x) => [
    x.run,
    x.sampler,
    x.steps,
    x.batch,
    x.sampler === 'onestep' ? '-' : x.fused ? (x.form === 'loop' ? 'fused loop' : 'fused') : 'separate',
    x.latencyMs.p10,
    x.latencyMs.p50,
    x.latencyMs.p90,
    Math.round(x.samplesPerSec),
    x.metrics ? x.metrics.energy : '-',
    x.metrics ? (metric === 'fd' ? (x.metrics.fd ?? '-') : x.metrics.mmd) : '-',
    x.metrics ? x.metrics.precision : '-',
    x.metrics ? x.metrics.recall : '-',
    x.metrics ? x.metrics.coverage : '-'
  ])
  const m = r.machine
  const lines = [
    `Inference benchmark — onnxruntime-node ${m.ort}, ${m.ep}, ${m.threads || 'default'} thread(s); ` +
      `${m.cpus} × ${m.model}, Node ${m.node}, load ${m.loadavg.join(' ')}, ${m.date}`,
    '',
    table(rows, [
      'run',
      'sampler',
      'K',
      'batch',
      'graph',
      'p10 ms',
      'p50 ms',
      'p90 ms',
      'samples/s',
      'energy',
      metric === 'fd' ? 'fd' : 'mmd',
      'prec',
      'recall',
      'cover'
    ]),
    ''
  ]
  for (const c of r.summary.comparisons) {
    // Image runs compare in fd (the comparison's metric), everything else in held-out energy.
    const score = (x: { energy: number | null; fd?: number | null }): string => {
      const v = c.metric === 'fd' ? (x.fd ?? null) : x.energy
      return `${c.metric} ${v === null ? '-' : fmt(v)}`
    }
    lines.push(
      `${c.dataset}: one-step ${c.onestep.run} (${c.onestep.objective}, ${score(c.onestep)}) ` +
        `vs best multi-step ${c.best.run} (${c.best.objective}) ${c.best.sampler} K=${c.best.steps} (${score(c.best)})` +
        (c.energyRatio !== null ? `; ${c.metric} ratio ${fmt(c.energyRatio)}×` : '')
    )
    for (const b of c.byBatch)
      lines.push(
        `  batch ${b.batch}: one-step ${ms(b.onestepP50)}, best ${b.best.fused ? 'fused' : 'separate'} ${ms(b.best.p50)} → ${fmt(b.latencyRatio)}× faster` +
          (b.matched
            ? `; matched quality: ${b.matched.sampler} K=${b.matched.steps} (${b.matched.objective}, ${b.matched.fused ? 'fused' : 'separate'}) ${ms(b.matched.p50)} → ${fmt(b.matched.speedup)}×`
            : '; matched quality: no multi-step configuration reaches the one-step energy')
      )
  }
  if (r.summary.fusedVsSeparate.length) {
    lines.push('', 'Fused graph vs K separate calls (largest K):')
    for (const f of r.summary.fusedVsSeparate)
      lines.push(
        `  ${f.run} ${f.sampler} K=${f.steps} batch ${f.batch}: ${ms(f.separateP50)} → ${ms(f.fusedP50)} (${fmt(f.speedup)}×)`
      )
  }
  for (const note of r.summary.notes) lines.push(note)
  for (const s of r.skipped) lines.push(`skipped ${s.run} ${s.sampler}: ${s.reason}`)
  if (r.peer) {
    lines.push('', `PyTorch eager peer (${r.peer.command}):`)
    if (r.peer.status !== 'ok') lines.push(`  unavailable: ${r.peer.reason ?? '?'}`)
    for (const p of r.peer.ratios)
      lines.push(
        `  ${p.case} batch ${p.batch}: torch ${ms(p.torchP50)}, onnxruntime ${ms(p.ortP50)} → ${fmt(p.speedup)}×`
      )
  }
  if (r.files) lines.push('', `Wrote ${r.files.join(', ')}.`)
  return lines.join('\n')
}
