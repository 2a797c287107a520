/**
 * How a run's model is sampled for snapshots, previews, held-out metrics, `pfm sample` / `eval` and the host's
 * sample panels: through onnxruntime (onnx/live-sampler.ts: the fused sampler graph with the current
 * weights, on the same seeded noise) where the model has a graph and the work pays for a session, through the
 * engine's own `model.sample` (TensorFlow.js) otherwise. Either way the draws, and so the numbers, are the
 * same up to the export's parity tolerance.
 */
import type { SampleOptions, TrainableModel } from '../objectives/types'
import { liveSource, OrtSampler, samplingEngine, type SamplingEngine } from '../onnx/live-sampler'
import type { GraphSource } from '../onnx/run-graph'
import type { Rng } from '../rng'
import { ortThreads } from '../threads'

/** The engine `auto` picks (onnx/live-sampler.ts). */
export { ORT_SAMPLING_MIN_DIM, samplingEngine, type SamplingEngine } from '../onnx/live-sampler'

/** What scoring and sampling read of a model: its samplers and an (async) `sample`. */
export interface SamplingModel {
  readonly samplers: TrainableModel['samplers']
  readonly defaultSteps: number
  readonly lastRun?: TrainableModel['lastRun']
  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array | Promise<Float32Array>
}

export class RunSampling implements SamplingModel {
  private readonly ort: OrtSampler | null
  /** The weights' version: bump it when they change (the loop: the step), so sessions are rebuilt. */
  version = 0
  lastRun: { nfe: number; grid: number[] } | null = null
  /** Milliseconds spent sampling (either engine, onnxruntime's graph builds included). */
  sampleMs = 0
  /** Milliseconds the last sample's network evaluations took (an onnxruntime graph build excluded). */
  lastSampleMs = 0

  /** `model()` returns the model with its current weights (a loop model's `currentModel`). */
  constructor(
    private readonly model: () => TrainableModel,
    config: GraphSource['config'],
    opts: { engine?: SamplingEngine; log?(m: string): void } = {}
  ) {
    const use = samplingEngine(opts.engine ?? 'auto', config.dataset.dim)
    this.ort =
      use === 'onnxruntime'
        ? new OrtSampler(() => liveSource(this.model(), config), {
            threads: ortThreads(),
            ...(opts.log ? { log: opts.log } : {})
          })
        : null
  }

  get samplers(): TrainableModel['samplers'] {
    return this.model().samplers
  }

  get defaultSteps(): number {
    return this.model().defaultSteps
  }

  /** onnxruntime's share: graph builds and runs (null when the engine samples). */
  get ortTime(): { buildMs: number; runMs: number; builds: number } | null {
    return this.ort?.time ?? null
  }

  async sample(n: number, rng: Rng, opts: SampleOptions): Promise<Float32Array> {
    const t0 = performance.now()
    try {
      const r = this.ort ? await this.ort.sample(n, rng, opts, this.version) : null
      if (r) {
        this.lastRun = opts.sampler === 'onestep' ? null : { nfe: r.nfe, grid: [] }
        this.lastSampleMs = r.ms
        return r.data
      }
      const m = this.model()
      const t1 = performance.now()
      const data = m.sample(n, rng, opts)
      this.lastSampleMs = performance.now() - t1
      this.lastRun = m.lastRun ?? null
      return data
    } finally {
      this.sampleMs += performance.now() - t0
    }
  }

  async dispose(): Promise<void> {
    await this.ort?.dispose()
  }
}
