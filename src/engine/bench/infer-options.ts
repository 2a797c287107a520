/** The option checks of the inference benchmark: every option resolved to its value, or a one-line error. */
import { ConfigError } from '../errors'
import { isProviderChoice, PROVIDER_CHOICES, type ProviderChoice } from '../onnx/providers'
import { BenchError } from './infer-timing'
import {
  BENCH_PARITY_POINTS,
  BENCH_SAMPLERS,
  DEFAULT_BENCH_BATCHES,
  DEFAULT_BENCH_STEPS,
  DEFAULT_REPEATS,
  DEFAULT_ROUNDS,
  type BenchForm,
  type BenchSampler,
  type InferBenchOptions
} from './infer-types'
import { DEFAULT_BENCH_GRID } from '../../shared/samplers'

/** The settings a benchmark runs with (every default filled in, every value checked). */
export interface BenchSettings {
  samplers: BenchSampler[]
  stepsGrid: number[]
  batches: number[]
  repeats: number
  warmup: number
  rounds: number
  warmupMs: number
  threads: number
  epChoice: ProviderChoice
  parityPoints: number
  quality: boolean
  separate: boolean
  forms: BenchForm[]
}

function checkIntList(name: string, v: readonly number[], lo: number, hi: number): number[] {
  if (v.length === 0) throw new ConfigError(`--${name}: give at least one value.`)
  for (const x of v)
    if (!(Number.isInteger(x) && x >= lo && x <= hi))
      throw new ConfigError(`--${name}: ${x} is not an integer in [${lo}, ${hi}].`)
  return [...new Set(v)].sort((a, b) => a - b)
}

/** Checks the options (throws ConfigError / BenchError naming the option) and fills in the defaults. */
export function checkOptions(opts: InferBenchOptions): BenchSettings {
  if (opts.runs.length === 0) throw new ConfigError('--runs: name at least one run (see `pfm runs`).')
  const samplers = [...new Set(opts.samplers ?? DEFAULT_BENCH_GRID.samplers)]
  for (const s of samplers)
    if (!(BENCH_SAMPLERS as readonly string[]).includes(s))
      throw new ConfigError(`--samplers: "${s}" is not one of ${BENCH_SAMPLERS.join(', ')}.`)
  const stepsGrid = checkIntList('steps', opts.steps ?? DEFAULT_BENCH_STEPS, 1, 10_000)
  const batches = checkIntList('batch', opts.batch ?? DEFAULT_BENCH_BATCHES, 1, 1 << 20)
  const repeats = opts.repeats ?? DEFAULT_REPEATS
  if (!(Number.isInteger(repeats) && repeats >= 1))
    throw new ConfigError(`--repeats: ${repeats} is not a positive integer.`)
  const warmup = opts.warmup ?? Math.max(3, Math.round(repeats / 5))
  if (!(Number.isInteger(warmup) && warmup >= 0))
    throw new ConfigError(`--warmup: ${warmup} is not a non-negative integer.`)
  const rounds = opts.rounds ?? DEFAULT_ROUNDS
  if (!(Number.isInteger(rounds) && rounds >= 1))
    throw new ConfigError(`--rounds: ${rounds} is not a positive integer.`)
  const warmupMs = opts.warmupMs ?? 100
  const threads = opts.threads ?? 1
  if (!(Number.isInteger(threads) && threads >= 0))
    throw new ConfigError(`--threads: ${threads} is not an integer ≥ 0.`)
  const epChoice = opts.ep ?? 'cpu'
  if (!isProviderChoice(epChoice))
    throw new BenchError(
      `--ep ${epChoice}: not an execution provider (choose ${PROVIDER_CHOICES.join(', ')}).`
    )
  const parityPoints = opts.parityPoints ?? BENCH_PARITY_POINTS
  const quality = opts.quality !== false
  const separate = opts.separate !== false
  const forms: BenchForm[] = [
    ...new Set(
      opts.form === undefined
        ? ['unrolled' as const]
        : typeof opts.form === 'string'
          ? [opts.form]
          : opts.form
    )
  ]
  if (forms.length === 0 || forms.some((f) => f !== 'unrolled' && f !== 'loop'))
    throw new ConfigError(`--form: choose unrolled, loop or both.`)
  return {
    samplers,
    stepsGrid,
    batches,
    repeats,
    warmup,
    rounds,
    warmupMs,
    threads,
    epChoice,
    parityPoints,
    quality,
    separate,
    forms
  }
}
