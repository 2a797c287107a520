/** `pfm bench-train` (`npm run bench:train`): training throughput per backend against the PyTorch peer. */
import { benchAblation } from '../../engine/bench/train-ablation'
import {
  BENCH_BACKENDS,
  benchTrain,
  MNIST_WORKLOAD,
  WORKLOAD,
  type BackendResult,
  type TrainBenchReport
} from '../../engine/bench/train-bench'
import { machine } from '../../engine/bench/peer'
import { ConfigError } from '../../engine/errors'
import { parseProviderChoice, resolveProvider, type ProviderChoice } from '../../engine/onnx/providers'
import { loadOrt } from '../../engine/ort'
import type { TrainBackendId } from '../../engine/types'
import { fmt, num, Out, parse, str, table } from '../io'

export const usage = `pfm bench-train [--steps N] [--warmup N] [--backends ${BENCH_BACKENDS.join(',')}] [--threads N] [--no-peer] [--json]
       pfm bench-train --backends onnxruntime [--ep cpu|webgpu|cuda|auto] [--workload 8g|mnist] [--loss-every N]
       pfm bench-train --ablation [--rounds N] [--json]   (CPU ms/step of each single-thread optimisation)`

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    steps: { type: 'string' },
    warmup: { type: 'string' },
    backends: { type: 'string' },
    threads: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    ablation: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    ep: { type: 'string' },
    workload: { type: 'string' },
    'loss-every': { type: 'string' }
  })
  const out = new Out(values.json === true)
  if (values.ablation === true) {
    const rounds = positiveInt(values, 'rounds')
    if (!out.json) process.stderr.write('ablation: interleaving the variants on wasm…\n')
    const rows = await benchAblation(rounds !== undefined ? { rounds } : {})
    out.result({ workload: WORKLOAD.id, ablation: rows, machine: machine() }, () =>
      table(
        rows.map((r) => [r.id, r.title, r.cpuMsPerStep, r.wallMsPerStep, r.stepsPerCpuSec]),
        ['variant', 'what', 'CPU ms/step', 'wall ms/step', 'steps per CPU-s']
      )
    )
    return 0
  }
  const steps = positiveInt(values, 'steps')
  const warmup = num(values, 'warmup')
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0))
    throw new ConfigError(`--warmup: ${warmup} is not a non-negative integer.`)
  const threads = positiveInt(values, 'threads')
  const backends = parseBackends(str(values, 'backends'))
  const workload = str(values, 'workload')
  if (workload !== undefined && workload !== '8g' && workload !== 'mnist')
    throw new ConfigError(`--workload: "${workload}" is not 8g or mnist.`)
  const ep = str(values, 'ep')
  const provider = ep !== undefined ? await resolveTrainProvider(parseProviderChoice(ep, '--ep')) : undefined
  const lossEvery = positiveInt(values, 'loss-every')
  const bar = out.progress()
  const report = await benchTrain(
    {
      ...(steps !== undefined ? { steps } : {}),
      ...(warmup !== undefined ? { warmup } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(backends ? { backends } : {}),
      ...(workload !== undefined ? { workload } : {}),
      ...(provider !== undefined ? { provider } : {}),
      ...(lossEvery !== undefined ? { lossEvery } : {}),
      peer: values['no-peer'] !== true
    },
    {
      log: (m) => {
        if (!bar.live && !out.json) process.stderr.write(m + '\n')
      },
      onProgress: (p) => bar.update(p.done, p.total, p.phase)
    }
  )
  bar.done()
  out.result(report, () => human(report))
  return report.stepsPerSec === null ? 1 : 0
}

function positiveInt(values: Record<string, unknown>, name: string): number | undefined {
  const v = num(values, name)
  if (v !== undefined && !(Number.isInteger(v) && v >= 1))
    throw new ConfigError(`--${name}: ${v} is not a positive integer.`)
  return v
}

function parseBackends(raw: string | undefined): TrainBackendId[] | undefined {
  if (raw === undefined) return undefined
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const id of ids)
    if (!BENCH_BACKENDS.includes(id as TrainBackendId))
      throw new ConfigError(`--backends: unknown backend "${id}" (choose from ${BENCH_BACKENDS.join(', ')}).`)
  if (ids.length === 0) throw new ConfigError('--backends: give at least one backend.')
  return ids as TrainBackendId[]
}

function human(r: TrainBenchReport): string {
  const peer = r.peer.stepsPerSec
  const rows = r.backends.map((b: BackendResult) =>
    b.status === 'ok'
      ? [
          b.name,
          b.steps!,
          b.stepsPerSec!,
          b.msPerStep!,
          b.cpuMsPerStep!,
          peer ? `${fmt(b.stepsPerSec! / peer)}×` : '—',
          b.maxWeightDiff !== undefined
            ? `weights within ${fmt(b.maxWeightDiff)} of the tfjs step after 3 steps`
            : ''
        ]
      : [b.name, '—', '—', '—', '—', '—', `${b.status}: ${b.reason ?? ''}`]
  )
  if (peer !== null)
    rows.push(['PyTorch peer', '', peer, 1000 / peer, '', '1×', `runs ${r.peer.runs.map(fmt).join(', ')}`])
  const lines = [
    `Training throughput — ${r.workload}: ` +
      (r.workload === MNIST_WORKLOAD.id
        ? 'flow matching at image size (784 uniform pixels), MLP 785→1024³→784 (SiLU), Adam, batch 128'
        : 'flow matching on 8 Gaussians, MLP 3→256³→2 (SiLU), Adam, batch 512'),
    '',
    table(rows, ['backend', 'steps', 'steps/s', 'ms/step', 'CPU ms/step', 'vs peer', 'note']),
    ''
  ]
  if (peer === null) lines.push(`PyTorch peer: unavailable (${r.peer.reason ?? 'unknown'}).`)
  else
    lines.push(
      `PyTorch peer: torch ${r.peer.torch ?? '?'}${r.peer.blas?.some((b) => /openblas/i.test(b)) ? ' + OpenBLAS' : ''}, ` +
        `mean of ${r.peer.runs.length} run(s) in this command (${r.peer.command}).`
    )
  if (r.name !== null)
    lines.push(
      `Fastest: ${r.name}, ${fmt(r.stepsPerSec!)} steps/s${r.ratio !== null ? ` = ${fmt(r.ratio)}× the peer` : ''}.`
    )
  lines.push(
    `Machine: ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}, ${r.machine.date}.`
  )
  return lines.join('\n')
}

/** The provider `--ep` names, probed here: one that cannot create a session refuses in one line. */
async function resolveTrainProvider(choice: ProviderChoice): Promise<'cpu' | 'webgpu' | 'cuda'> {
  return (await resolveProvider(await loadOrt(), choice)).provider
}
