/** The options, rows and report of the inference benchmark (infer-bench.ts); the constants of its grid. */
import type { QualityMetric } from '../../shared/quality'
import {
  DEFAULT_BENCH_GRID,
  DETERMINISTIC_SAMPLER_IDS,
  type DeterministicSamplerId
} from '../../shared/samplers'
import type { BenchReportInfo, ImageFeatureBasis } from '../../shared/api'
import type { Metrics } from '../types'
import type { PeerComparison } from './infer-peer'
import type { Latency } from './infer-timing'

/** Every sampler with a deterministic graph can be benchmarked. */
export const BENCH_SAMPLERS = DETERMINISTIC_SAMPLER_IDS
export type BenchSampler = DeterministicSamplerId
export type BenchForm = 'unrolled' | 'loop'
export const DEFAULT_BENCH_STEPS: readonly number[] = DEFAULT_BENCH_GRID.steps
export const DEFAULT_BENCH_BATCHES: readonly number[] = DEFAULT_BENCH_GRID.batch
export const DEFAULT_REPEATS = 30
/** The repeats of every configuration are spread over this many rounds through the whole grid. */
export const DEFAULT_ROUNDS = 5
/** Parity inputs per exported graph (the export itself checks 4096; the bench only guards what it times). */
export const BENCH_PARITY_POINTS = 256

export interface InferBenchOptions {
  /** Run ids (one-step maps and flows; any number, any datasets). */
  runs: string[]
  /** Default: all four. `onestep` is always measured for one-step runs. */
  samplers?: readonly BenchSampler[]
  /** K of the multi-step samplers. Default 1, 2, 4, 8, 16, 32, 64, 100. */
  steps?: readonly number[]
  /** Default 1, 64, 1024. */
  batch?: readonly number[]
  /** Timed runs per case after the warm-up (default 30). */
  repeats?: number
  /** Rounds through the grid the repeats are spread over (default 5, at most `repeats`). */
  rounds?: number
  /** Untimed runs first (default max(3, repeats / 5)). */
  warmup?: number
  /** …and at least this long (default 100 ms). */
  warmupMs?: number
  /** onnxruntime intra-op threads (default 1, as the PyTorch peer; 0: onnxruntime's own default). */
  threads?: number
  /** Execution provider (default `cpu`; `cuda`, `tensorrt`, `webgpu` where onnxruntime-node has them). */
  ep?: string
  /** Quality seed (default: each run's own seed, as `pfm eval`). */
  seed?: number
  /** Quality sample size (default: the held-out split, as `pfm eval`). */
  evalN?: number
  /** Measure quality (default true). */
  quality?: boolean
  /** Also time the K-separate-calls baseline of multi-step samplers (default true). */
  separate?: boolean
  /** Fused graphs unrolled (default), as one ONNX Loop, or both (each timed). */
  form?: BenchForm | readonly BenchForm[]
  /** Parity inputs per graph (default 256; 0 skips the check). */
  parityPoints?: number
  /** Also run the PyTorch eager peer (../shared/bench/torch_infer.py) and onnxruntime on its architecture. */
  peer?: boolean
  /** Seconds per peer case (torch_infer.py's --seconds; default 2). */
  peerSeconds?: number
  /** Where ../shared lives (peer scripts). */
  sharedDir?: string
  /** Writes bench.json and bench.csv here. */
  outDir?: string
}

/**
 * The held-out figures a benchmark row carries (the mode figures for data with known modes only; `fd`, the
 * Fréchet distance in the workbench classifier's features — of the images' classes, or of k-means clusters of
 * unlabelled images (`fdFeatures`) — for image runs).
 */
export type QualityMetrics = Pick<
  Metrics,
  'energy' | 'mmd' | 'precision' | 'recall' | 'coverage' | 'modes' | 'modesCovered' | 'highQuality'
> & { fd?: number; fdFeatures?: ImageFeatureBasis }

export interface BenchResult {
  run: string
  objective: string
  dataset: string
  sampler: BenchSampler
  steps: number
  /** Network evaluations per sample (Heun: 2K; realnvp: its coupling layers). */
  evaluations: number
  batch: number
  /** One `session.run` for the whole sampler (one-step maps: always). */
  fused: boolean
  /** The fused graph's form (null: a one-step graph, or the separate calls). */
  form: BenchForm | null
  latencyMs: Latency
  samplesPerSec: number
  /** Timed runs. */
  runs: number
  /** The engine's held-out metrics for this sampler and K (null with quality off). */
  metrics: QualityMetrics | null
  /** max |ONNX − engine| on the parity inputs, data units (null when skipped). */
  parity: number | null
}

/** The machine a benchmark ran on (as the contract shows it; `threads`: onnxruntime intra-op, 0 = its default). */
export type BenchMachine = BenchReportInfo['machine']

export interface ConfigRef {
  run: string
  objective: string
  sampler: BenchSampler
  steps: number
  energy: number | null
  /** Image runs: the classifier-feature Fréchet distance (the comparison's metric there). */
  fd?: number | null
}

export interface BatchComparison {
  batch: number
  onestepP50: number
  /** The best multi-step configuration, timed the faster way. */
  best: { fused: boolean; form: BenchForm | null; p50: number }
  /** best.p50 / onestepP50. */
  latencyRatio: number
  /** The fastest configuration whose energy is ≤ the one-step map's; null when none reaches it. */
  matched: (ConfigRef & { fused: boolean; form: BenchForm | null; p50: number; speedup: number }) | null
}

export interface DatasetComparison {
  dataset: string
  onestep: ConfigRef
  best: ConfigRef
  /**
   * What the comparison ranks by: held-out `energy`, or `fd` where every row has it (image runs), whose
   * headline the issue asks for: one-step against K-step at equal fd.
   */
  metric: QualityMetric
  /** onestep / best in `metric` (the one-step map's quality cost; null without quality). */
  energyRatio: number | null
  byBatch: BatchComparison[]
}

export interface FusedGain {
  run: string
  sampler: BenchSampler
  steps: number
  batch: number
  /** The faster fused form. */
  form: BenchForm | null
  fusedP50: number
  separateP50: number
  /** separateP50 / fusedP50. */
  speedup: number
}

export interface BenchSummary {
  comparisons: DatasetComparison[]
  /** Fused vs K separate calls, per multi-step (run, sampler) at the largest K. */
  fusedVsSeparate: FusedGain[]
  notes: string[]
}

export interface InferBenchReport {
  machine: BenchMachine
  settings: {
    samplers: BenchSampler[]
    steps: number[]
    batch: number[]
    repeats: number
    rounds: number
    warmup: number
    warmupMs: number
    forms: BenchForm[]
    seed: number | null
    evalN: number | null
    parityPoints: number
  }
  results: BenchResult[]
  /** Run × sampler pairs of the grid a run does not offer. */
  skipped: { run: string; sampler: string; reason: string }[]
  summary: BenchSummary
  peer?: PeerComparison
  /** Files written (with outDir). */
  files?: string[]
}
