/**
 * Sampling a model through onnxruntime instead of TensorFlow.js: the model's fused sampler graph
 * (run-graph.ts: a one-step map, or a flow's K-step sampler unrolled into one graph), built with its
 * *current* weights, run on the same seeded noise the engine's `model.sample` draws — so a run's snapshots,
 * previews and held-out metrics are the same numbers either way, up to the export's parity tolerance.
 *
 * - One session per (sampler, K, grid), kept while the weights stay the same (`version`); the fused graph
 *   folds the weights into per-step constants (time-embedding biases, scaled last layers), so new weights
 *   mean a new graph and session (the Loop form where it applies, cheap to build: docs/benchmarks.md).
 * - The first session of a key is checked once against the engine on a few seeded rows; a model whose graph
 *   does not reproduce its own sampler (a VAE's sampling noise, a latent scale the graph omits), an adaptive
 *   or stochastic sampler, or a model with no graph samples through the engine: `sample` returns null.
 *   A check on weights whose samples diverge (non-finite, or beyond `DIVERGED` — early in training at 784-D
 *   an ODE can blow up) is no evidence either way: float32 rounding is amplified as much as the samples, so
 *   that version uses its graph and the key is checked again on the next weights.
 * - Output in standardised coordinates (the graph gets the identity standardisation), as `model.sample`'s.
 */
import { findSampler } from '../samplers'
import { SAMPLER_IDS } from '../../shared/samplers'
import type { SampleOptions, TrainableModel } from '../objectives/types'
import { Rng } from '../rng'
import { CancelledError } from '../errors'
import type { Standardization } from '../types'
import { maxAbsDiff, OnnxModel, type FloatTensor } from './runtime'
import { runGraph, type GraphSource, type RunGraph } from './run-graph'

/** Which engine samples: onnxruntime where it pays (`auto`), always where it can, or never. */
export type SamplingEngine = 'auto' | 'onnxruntime' | 'tfjs'

/**
 * Data dimension from which `auto` samples through onnxruntime. Below it (the 2-D and tabular toys) a
 * TensorFlow.js sample of a few hundred rows costs less than building a session for new weights.
 */
export const ORT_SAMPLING_MIN_DIM = 64

/** The engine that `choice` picks for data of `dim` dimensions (images: their pixel count). */
export function samplingEngine(choice: SamplingEngine, dim: number): 'onnxruntime' | 'tfjs' {
  if (choice === 'auto') return dim >= ORT_SAMPLING_MIN_DIM ? 'onnxruntime' : 'tfjs'
  return choice
}

/** Rows of the once-per-key check against the engine's sampler. */
export const PROBE_ROWS = 4
const PROBE_SEED = 0x0a7e5
/**
 * Largest |coordinate| of the check rows (standardised units) that still tests the graph. Beyond it the model
 * has diverged (sane samples of standardised data stay within a few tens, even on images' rarely lit pixels)
 * and float32 differences scale with the outputs, so the check proves nothing.
 */
export const DIVERGED = 1e3
/** Rows per `session.run` (bounds the activations' memory). */
export const ORT_SAMPLE_CHUNK = 4096
/**
 * Rows per `session.run` of a watched transport (a teacher's pool): a cancel is seen between chunks, and 1 024
 * rows of a 784-D DDIM K = 32 take about 2 s here — within the 5 s a cancelled job is given to stop.
 */
export const ORT_WATCHED_CHUNK = 1024

export interface OrtSample {
  data: Float32Array
  /** Network evaluations per sample. */
  nfe: number
  /** Milliseconds onnxruntime ran (graph and session builds excluded). */
  ms: number
}

export interface OrtSamplerOptions {
  /** onnxruntime intra-op threads (0 or absent: its default). */
  threads?: number
  /** One line when a sampler falls back to the engine, and why. */
  log?(message: string): void
}

interface Entry {
  version: number
  graph: RunGraph
  session: OnnxModel
  /** Whether a conclusive check against the engine has passed for this key. */
  checked: boolean
}

/** Largest |x| of `v`, Infinity where a value is not finite (`maxAbs(v) <= DIVERGED`: sane samples). */
export function maxAbs(v: Float32Array): number {
  let m = 0
  for (const x of v) {
    if (!Number.isFinite(x)) return Infinity
    m = Math.max(m, Math.abs(x))
  }
  return m
}

/** The identity standardisation of d coordinates: the graph then outputs standardised samples. */
function identity(d: number): Standardization {
  return { mean: new Array<number>(d).fill(0), std: new Array<number>(d).fill(1) }
}

/** Why `opts` has no fused graph (null: it may have one). */
function unfusable(opts: SampleOptions): string | null {
  if (opts.sampler === 'onestep') return null
  if (!(SAMPLER_IDS as readonly string[]).includes(opts.sampler)) return `unknown sampler ${opts.sampler}`
  const rec = findSampler(opts.sampler)
  if (rec.stochastic) return `${opts.sampler} draws fresh noise at every step`
  if (rec.adaptive && !Array.isArray(opts.grid)) return `${opts.sampler} chooses its steps as it goes`
  return null
}

/**
 * The onnxruntime sampler of one model (a run in training, or a stored run opened for eval / sample).
 * `source()` is called when a graph is (re)built: the model with its current weights and the run's config.
 */
export class OrtSampler {
  private readonly entries = new Map<string, Entry>()
  /** Keys that sample through the engine, with the reason (logged once). */
  private readonly refused = new Map<string, string>()
  /** Keys whose check was deferred on diverged samples (logged once). */
  private readonly diverged = new Set<string>()
  /** Milliseconds spent building graphs and sessions, and running them. */
  readonly time = { buildMs: 0, runMs: 0, builds: 0 }

  constructor(
    private readonly source: () => GraphSource,
    private readonly opts: OrtSamplerOptions = {}
  ) {}

  /**
   * n samples (standardised) of the model with `opts`, drawing the noise from `rng` as `model.sample` does;
   * null where the model samples through the engine instead. `version` names the weights: a session built
   * for another version is rebuilt.
   */
  async sample(n: number, rng: Rng, opts: SampleOptions, version = 0): Promise<OrtSample | null> {
    const entry = await this.entry(opts, version)
    return entry ? this.run(entry, entry.graph.parityFeeds(n, rng)) : null
  }

  /**
   * The model's map of given base noise z [n, latentDim] (a flow's `transport`, a map's φ(z)); null where it
   * samples through the engine.
   */
  async transport(
    z: Float32Array,
    opts: SampleOptions,
    version = 0,
    watch?: ChunkWatch
  ): Promise<OrtSample | null> {
    const entry = await this.entry(opts, version)
    if (!entry) return null
    const w = entry.graph.inputs[0]!.shape[1] as number
    return this.run(entry, { [entry.graph.inputs[0]!.name]: { data: z, dims: [z.length / w, w] } }, watch)
  }

  private async entry(opts: SampleOptions, version: number): Promise<Entry | null> {
    const key = `${opts.sampler}|${opts.steps}|${JSON.stringify(opts.grid ?? null)}`
    if (this.refused.has(key)) return null
    const why = unfusable(opts)
    if (why) return this.refuse(key, why)
    const entry = this.entries.get(key)
    return entry && entry.version === version ? entry : this.build(key, opts, version, entry)
  }

  private async run(entry: Entry, feeds: Record<string, FloatTensor>, watch?: ChunkWatch): Promise<OrtSample> {
    const t0 = performance.now()
    const data = await runChunked(entry.session, feeds, entry.graph, watch)
    const ms = performance.now() - t0
    this.time.runMs += ms
    return { data, nfe: entry.graph.evaluations, ms }
  }

  private refuse(key: string, why: string): null {
    if (!this.refused.has(key)) this.opts.log?.(`sampling through TensorFlow.js (${why})`)
    this.refused.set(key, why)
    return null
  }

  private async build(key: string, opts: SampleOptions, version: number, old?: Entry): Promise<Entry | null> {
    const t0 = performance.now()
    const src = this.source()
    const d = src.config.dataset.dim
    const spec = {
      ...(opts.sampler === 'onestep' ? {} : { sampler: opts.sampler, steps: opts.steps }),
      ...(opts.grid !== undefined ? { grid: opts.grid } : {}),
      ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}),
      ...(opts.atol !== undefined ? { atol: opts.atol } : {})
    }
    // A flow sampler in the Loop form: one network in the graph, one set of prepacked weights — at 784-D a
    // Heun K = 100 session builds in 0.1 s instead of 4.5 s and runs no slower (docs/benchmarks.md). A
    // multistep sampler has no Loop form: unrolled. One-step maps ignore the form.
    let graph: RunGraph
    try {
      graph = runGraph(src, 'live', identity(d), { ...spec, form: 'loop' })
    } catch {
      try {
        graph = runGraph(src, 'live', identity(d), spec)
      } catch (e) {
        return this.refuse(key, `no onnxruntime graph: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
    if (graph.graph !== 'sampler' || graph.inputs.length !== 1)
      return this.refuse(key, 'the graph is not a sampler of one input')
    const session = await OnnxModel.load(graph.bytes, this.opts.threads ? { threads: this.opts.threads } : {})
    if (old) {
      this.entries.delete(key)
      await old.session.release()
    }
    let checked = old?.checked ?? false
    if (!checked) {
      // Once per key: the graph must reproduce the engine's own sampler on the same noise — on weights whose
      // samples have not diverged (else the check is inconclusive and runs again on the next weights).
      const ref = src.model.sample(PROBE_ROWS, new Rng(PROBE_SEED), opts)
      const size = maxAbs(ref)
      if (size <= DIVERGED) {
        const got = await runChunked(session, graph.parityFeeds(PROBE_ROWS, new Rng(PROBE_SEED)), graph)
        const diff = maxAbsDiff(got, ref)
        if (!(diff <= graph.tolerance(ref))) {
          await session.release()
          return this.refuse(
            key,
            `its onnxruntime graph differs from the engine's sampler by ${diff.toPrecision(3)} on the check rows`
          )
        }
        checked = true
      } else if (!this.diverged.has(key)) {
        this.diverged.add(key)
        this.opts.log?.(
          `onnxruntime check of ${opts.sampler} K = ${opts.steps} deferred: the model's samples diverge ` +
            `(|x| up to ${size.toPrecision(3)}); checked again on the next weights`
        )
      }
    }
    const entry: Entry = { version, graph, session, checked }
    this.entries.set(key, entry)
    this.time.buildMs += performance.now() - t0
    this.time.builds++
    return entry
  }

  /** Releases every session. */
  async dispose(): Promise<void> {
    const all = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(all.map((e) => e.session.release()))
  }
}

/** What a long `transport` reports between its chunks: rows done of all, and a signal that stops it there. */
export interface ChunkWatch {
  onChunk?(done: number, total: number): void
  signal?: AbortSignal
}

/**
 * Runs the graph's single input in chunks of ORT_SAMPLE_CHUNK rows; its first output, concatenated. With
 * `watch`, in chunks of ORT_WATCHED_CHUNK, reporting each and throwing a CancelledError before the next one
 * once its signal is aborted.
 */
async function runChunked(
  session: OnnxModel,
  feeds: Record<string, FloatTensor>,
  graph: RunGraph,
  watch?: ChunkWatch
): Promise<Float32Array> {
  const name = graph.inputs[0]!.name
  const input = feeds[name]!
  const [n, w] = [input.dims[0]!, input.dims[1]!]
  const outName = graph.outputs[0]!.name
  const parts: Float32Array[] = []
  const chunk = watch ? ORT_WATCHED_CHUNK : ORT_SAMPLE_CHUNK
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s)
    if (watch?.signal?.aborted) throw new CancelledError()
    const out = await session.run({ [name]: { data: input.data.subarray(s * w, (s + m) * w), dims: [m, w] } })
    parts.push(out[outName]!.data)
    watch?.onChunk?.(s + m, n)
  }
  if (parts.length === 1) return parts[0]!
  const all = new Float32Array(parts.reduce((k, p) => k + p.length, 0))
  let off = 0
  for (const p of parts) {
    all.set(p, off)
    off += p.length
  }
  return all
}

/**
 * `model` as a graph source during training: its current weights (stored weights for one-step maps, which
 * the graph reads from `phi`; a flow's network comes from `exportAs`).
 */
export function liveSource(model: TrainableModel, config: GraphSource['config']): GraphSource {
  return { config, model, weights: model.exportAs ? { kind: 'live' } : model.toJSON() }
}
