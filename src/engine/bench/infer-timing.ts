/** Timing helpers of `pfm bench`: onnxruntime sessions as the bench configures them, timed calls, percentiles. */
import type { InferenceSession } from 'onnxruntime-node'
import type { BenchConfigProgress } from '../../shared/api'
import { CancelledError, EngineError } from '../errors'

/** The bench could not run as asked (an execution provider that is not available here, …). */
export class BenchError extends EngineError {
  constructor(message: string) {
    super('BENCH', message)
  }
}

export interface InferBenchProgress {
  /** Work done and in all (quality evaluations and timing rounds of every configuration): a bar's share. */
  done: number
  total: number
  phase: string
  /** Where the configurations, the report's rows, stand (absent in the PyTorch peer's comparison). */
  configurations?: BenchConfigProgress
}

export interface Latency {
  p10: number
  p50: number
  p90: number
}

type Ort = typeof import('onnxruntime-node')

/** Session options every timed graph gets. */
export function sessionOptions(threads: number, ep: string): InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3
  }
}

/** Loads a session, with the provider named in the error when it is not available here. */
export async function loadSession(
  ort: Ort,
  source: string | Uint8Array,
  threads: number,
  ep: string
): Promise<InferenceSession> {
  try {
    return typeof source === 'string'
      ? await ort.InferenceSession.create(source, sessionOptions(threads, ep))
      : await ort.InferenceSession.create(source, sessionOptions(threads, ep))
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim()
    if (ep !== 'cpu') {
      const known = ort
        .listSupportedBackends()
        .map((b) => b.name)
        .join(', ')
      throw new BenchError(
        `--ep ${ep}: onnxruntime-node ${ort.env.versions.common} cannot use this execution provider here (${msg}). ` +
          `It lists ${known}; --ep cpu always works.`
      )
    }
    throw new BenchError(`onnxruntime could not load a benchmark graph: ${msg}`)
  }
}

/** p10 / p50 / p90 of `ts` (ms), as torch_infer.py: sorted, index ⌊q·n⌋. */
export function percentiles(ts: readonly number[]): Latency {
  const s = [...ts].sort((a, b) => a - b)
  const q = (p: number): number => round(s[Math.min(s.length - 1, Math.floor(p * s.length))]!, 4)
  return { p10: q(0.1), p50: q(0.5), p90: q(0.9) }
}

/**
 * Times `fn`: `warmup` untimed calls (and at least `warmupMs` of them: V8 and onnxruntime settle), then
 * `repeats` timed ones (and at least `minMs` of them).
 */
export async function timeCalls(
  fn: () => Promise<unknown>,
  opts: {
    warmup: number
    repeats: number
    warmupMs?: number
    minMs?: number
    signal?: AbortSignal | undefined
  }
): Promise<number[]> {
  const warm = performance.now() + (opts.warmupMs ?? 0)
  for (let i = 0; i < opts.warmup || performance.now() < warm; i++) await fn()
  const ts: number[] = []
  const end = performance.now() + (opts.minMs ?? 0)
  while (ts.length < opts.repeats || performance.now() < end) {
    if (opts.signal?.aborted) throw new CancelledError('Benchmark cancelled.')
    const t0 = performance.now()
    await fn()
    ts.push(performance.now() - t0)
  }
  return ts
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
