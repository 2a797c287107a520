/**
 * The contract between the engine hosts (Electron main, later the web host) and the renderer.
 * This is the only place the API is described. Types only: no runtime imports, no values — every side
 * (main, preload, renderer, web host, tests) imports it with `import type`.
 *
 * Channels are named `domain:verb` (`engine:info`), one per method of {@link Api}.
 */
import type { Arch } from './archs'
import type { ErrorCode } from './errors'
import type { ParamCondition } from './params'
import type { RunDataInfo } from './run-data'
import type { DeterministicSamplerId, GridSpacing, SamplerId } from './samplers'

/** Objective families, in the order the paper presents them. */
export type ObjectiveFamily = 'statistics' | 'density' | 'flows'

/** What the engine offers, for the renderer's home screen and `pfm info`. */
export interface EngineInfo {
  /** The app's version (package.json). */
  version: string
  /** Id of the compute backend in use in the host process (`wasm`, `cpu`, …), or null if none is loaded yet. */
  backend: string | null
  /** Every registered objective, in registry order. */
  objectives: { id: string; family: ObjectiveFamily; title: string }[]
  /** Built-in datasets: id (`8gaussians`), dimension, title. */
  datasets: { id: string; dim: number; title: string }[]
  /**
   * onnxruntime (exports, benchmarks): its version and execution providers; null when onnxruntime-node failed
   * to load.
   */
  ort: {
    version: string
    /** Execution providers a session was actually created on here (`cpu`, and `webgpu`/`cuda` on a GPU). */
    executionProviders: string[]
    /** Providers onnxruntime-node knows but whose libraries were not installed (`cuda`, `tensorrt`). */
    notInstalled: string[]
    /** The engine's providers that cannot run here, each with its one-line reason. */
    unavailable: { name: string; reason: string }[]
    /** The GPU's name where the machine tells it, else null. */
    adapter: string | null
  } | null
}

/** A hyper-parameter declaration, as the engine's registry declares it (forms are generated from these). */
export type ParamInfo = (
  | {
      name: string
      type: 'int' | 'float'
      default: number
      min: number
      max: number
      help: string
      log?: boolean
    }
  | { name: string; type: 'enum'; default: string; options: readonly string[]; help: string }
  | { name: string; type: 'bool'; default: boolean; help: string }
  | { name: string; type: 'string'; default: string; help: string }
) & {
  /** The parameter reads only under another one's value: the form shows it only then. */
  when?: ParamCondition
}

export type { SamplerId } from './samplers'

/** An objective's recommended budget: steps, batch, rate, and where they differ, network and parameters. */
export interface TrainBudget {
  steps: number
  batch: number
  lr: number
  /** The network it trains best with where that differs from the run default (128×3 SiLU, latent = data dim). */
  model?: { latentDim?: number; width?: number; depth?: number; activation?: string }
  /** Parameter values that differ from the parameters' own defaults on this budget. */
  params?: Record<string, string | number | boolean>
}

export interface ObjectiveInfo {
  id: string
  family: ObjectiveFamily
  kind: 'pushforward' | 'model'
  title: string
  /** Paper reference, e.g. "§2, eq. (3)". */
  paper: string
  /** Two lines for a researcher. */
  summary: string
  defaults: TrainBudget
  /** Its budget on image data sets, where it declares one (a wider network, a smaller rate, …). */
  imageDefaults?: TrainBudget
  params: ParamInfo[]
  /** The networks it can train: `mlp` first (every data set), then the conv ones it takes on image data. */
  archs: Arch[]
}

/**
 * A dataset the user can train on: a built-in toy, or a file imported into the app's data folder. Listings
 * carry no per-column data (a wide file would make every `datasets.list` large): column names and statistics
 * come with {@link DatasetPreview}.
 */
export interface DatasetInfo {
  /** Built-in id (`8gaussians`) or `file:<name>` for imported ones. */
  id: string
  kind: 'builtin' | 'imported'
  title: string
  rows: number
  dim: number
  /** For built-ins, the documented formula. */
  formula?: string
  /** Image sets: one image's shape (`[H, W]` or `[H, W, C]`) and pixel range. */
  image?: { shape: number[]; range: [number, number] }
  /** Labelled sets: the class names. */
  classes?: string[]
}

export interface FeatureStats {
  name: string
  mean: number
  std: number
  min: number
  max: number
}

export interface DatasetPreview {
  info: DatasetInfo
  /** One name per column (`dim` of them). */
  columns: string[]
  /** Up to `n` rows (row-major, `dim` per row), for scatter / histogram / pair plots (image sets: 64 images). */
  points: number[]
  n: number
  /** Per-column statistics (image sets: one row, over all pixels). */
  stats: FeatureStats[]
  /** Image sets: one image's shape and pixel range (the rows of `points` are images). */
  image?: { shape: number[]; range: [number, number] }
  /** Labelled sets: rows per class over the whole data set. */
  classCounts?: { name: string; count: number }[]
}

/**
 * Import a user file. In Electron the main side reads `path` (chosen in a native dialog). The web host takes
 * the file's `fileName` with either its `uploadId` (the file streamed first to `POST /api/uploads`, see
 * {@link UploadInfo}) or, for a small file, its bytes inline (`contentBase64`, up to 512 KiB).
 */
export interface ImportRequest {
  path?: string
  fileName?: string
  contentBase64?: string
  uploadId?: string
  /** Display name; default the file's base name. */
  name?: string
  columns?: string
  skipRows?: number
}

/**
 * A first look at a file before it is imported: its first lines, and the settings the importer needs (lines
 * to skip above the table, the header, columns of text to leave out), each finding as a sentence in `notes`.
 */
export interface FileInspection {
  format: 'text' | 'json' | 'npy' | 'other'
  /** The first lines, numbered from 1. */
  lines: string[]
  delimiter: 'comma' | 'semicolon' | 'tab' | 'spaces' | null
  /** Suggested skip rows (lines above the table). */
  skipRows: number
  /** 1-based line of the header, or null. */
  headerLine: number | null
  columns: { name: string; numeric: boolean; example: string }[]
  /** Suggested columns (the numeric ones, `0-12`) when some hold text; else null. */
  columnsSpec: string | null
  notes: string[]
  /**
   * Why the file has nothing to import, in the importer's words — set only when the inspected head is the whole
   * file and holds no data row (0 bytes, blank lines, a header alone, an empty JSON array); else null. The
   * renderer disables Import with it; the host's import checks the file itself all the same.
   */
  noData: string | null
}

/** What to inspect: a path (Electron, chosen in the open dialog), or the first KiB of a file in the browser. */
export interface InspectRequest {
  path?: string
  fileName?: string
  /** The start of the file as text (at most 64 KiB). */
  head?: string
  /** The head is not the whole file (its last line may be cut). */
  truncated?: boolean
}

/** A file the web host received at `POST /api/uploads` (raw bytes, `application/octet-stream`). */
export interface UploadInfo {
  uploadId: string
  bytes: number
}

export interface TrainRequest {
  /** A `DatasetInfo.id`. */
  dataset: string
  objective: string
  params?: Record<string, number | string | boolean>
  steps?: number
  batch?: number
  lr?: number
  seed?: number
  model?: {
    latentDim?: number
    width?: number
    depth?: number
    activation?: string
    base?: 'normal' | 'uniform'
    /** Network architecture: `mlp` (default), `unet` (flows on images), `conv` (one-step maps on images). */
    arch?: Arch
    /** Channels of the first level of a `unet` / `conv` network (a multiple of 4). */
    channels?: number
  }
  evalEvery?: number
  /** Display name of the run. */
  name?: string
  /**
   * Compute backend (default `auto`: onnxruntime for the velocity regressions, else the first TensorFlow.js
   * backend that loads); `onnxruntime` only for the objectives that have its training step.
   */
  backend?: TrainBackendChoice
  /**
   * onnxruntime's execution provider for the training step (default: the CPU); a GPU provider needs an
   * objective with an onnxruntime training step. `auto`: the first provider that creates a session.
   */
  device?: ExecutionProviderChoice
}

/** onnxruntime execution providers the engine runs sessions on, and `auto`. */
export type ExecutionProviderChoice = 'auto' | 'cpu' | 'webgpu' | 'cuda'

export type TrainBackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'onnxruntime'

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'

/** Sample-quality metrics on held-out data, in standardised coordinates (the mode figures in data units). */
export interface MetricsInfo {
  /** Unbiased energy distance (U-statistic) between samples and held-out data. */
  energy: number
  /** Energy distance of a Gaussian fitted to the training split vs held-out data: the yard-stick. */
  energyGaussian: number
  /** Gaussian-kernel MMD² (unbiased), bandwidths 0.5, 1, 2 averaged. */
  mmd: number
  /** Sliced Wasserstein-2 squared. */
  slicedW2: number
  precision: number
  recall: number
  density: number
  coverage: number
  /** Number of points each side. */
  n: number
  /**
   * Memorisation (§5): mean nearest-training-point distance of samples over that of held-out points
   * (≈ 1 generalises, → 0 copies the training set); absent in runs stored before it was measured.
   */
  memorisation?: number
  /**
   * The held-out data's own floor: the noise of the energy distance between as many training points and the
   * held-out ones (RMS over a few draws; what a perfect sampler scores at this n). Present where the host
   * computed it (Gallery samples).
   */
  energyFloor?: number
  /** Data sets with known modes only (the built-in mixtures): how many modes the data have … */
  modes?: number
  /** … how many of them the samples cover (see the engine's `modeCoverage`) … */
  modesCovered?: number
  /** … and the share of samples that lie in a mode (within 3σ of a Gaussian's centre, inside a square). */
  highQuality?: number
  /**
   * Image sets: `fd` (Fréchet distance in the features of the workbench's classifier, not FID; for unlabelled
   * images a classifier of k-means clusters of their pixels, `image.features`) with
   * its yard-sticks `fdGaussian` and `fdData`, KID, feature PRDC, class coverage (`classKL`, `minClassShare`),
   * memorisation (nearest-training-image distance ratio, share of copies) and the classifier's test accuracy.
   */
  image?: ImageMetricsInfo
}

/**
 * Image-run metrics in the features of the workbench's classifier (the engine's `ImageMetrics`): trained on the
 * images' own labels, or — for images without labels — on k-means clusters of their pixels (`features`).
 */
export interface ImageMetricsInfo {
  /**
   * What the classifier learnt: the data set's `classes`, or `clusters` of unlabelled images (then the class
   * figures below are about those clusters). Absent in runs stored before it was recorded: classes.
   */
  features?: ImageFeatureBasis
  /** Fréchet distance in the classifier's features (not FID), samples vs held-out. */
  fd: number
  /** `fd` of a full-covariance Gaussian fitted to the training pixels: the yard-stick to be far below. */
  fdGaussian: number
  /** `fd` of training vs held-out images: the floor at this sample size. */
  fdData: number
  /**
   * Samples `fd`, KID and the class mix are of (absent in runs stored before it was recorded; the pairwise
   * metrics' `MetricsInfo.n` may be fewer in high dimension).
   */
  n?: number
  /**
   * Held-out images `fd` is measured against, and the n of both yard-sticks (absent likewise). An fd of fewer
   * samples (the evaluations before the end of an image run) carries more small-sample bias than they do.
   */
  referenceN?: number
  /** Unbiased MMD² with the cubic polynomial kernel on the features (KID-style). */
  kid: number
  precision: number
  recall: number
  density: number
  coverage: number
  /** KL(held-out predicted classes ‖ samples' predicted classes), nats (0: the same class mix). */
  classKL: number
  /** The rarest class's share of the samples (1 / classes when balanced; 0 when a class is missing). */
  minClassShare: number
  /** Median nearest-training-image distance of the samples over that of the held-out images (≪ 1: copies). */
  memorisation: number
  /** Share of samples nearer a training image than a tenth of the held-out median distance. */
  copies: number
  /** The classifier's test accuracy on its own held-out split (of its clusters, for unlabelled images). */
  classifierAccuracy: number
}

/** What the image metrics' classifier learnt: the images' labels, or k-means clusters of unlabelled images. */
export type ImageFeatureBasis = 'classes' | 'clusters'

/**
 * The demo (the engine's `pfm demo`): a statistics map, a flow and its distillation trained on 8gaussians, then
 * benchmarked; its three runs land in the run store and its benchmark in the saved benchmarks.
 */
export interface DemoRequest {
  /** `full` (default): about three minutes on a 2-core CPU; `tiny`: the same pipeline in seconds. */
  budget?: 'full' | 'tiny'
}

/** A queued or running piece of work (training, benchmark, the demo) in a worker process. */
export interface JobInfo {
  id: string
  kind: 'train' | 'bench' | 'demo'
  status: JobStatus
  title: string
  /** The run being written (training jobs), once created. */
  runId: string | null
  step: number
  steps: number
  loss: number | null
  samplesPerSec: number | null
  etaMs: number | null
  backend: string | null
  /** Loss curve so far, thinned: [step, loss] pairs. */
  lossCurve: [number, number][]
  /** Held-out metrics at evaluation steps. */
  evalCurve: { step: number; metrics: MetricsInfo }[]
  /** Latest sample snapshot (standardised → data units), row-major. */
  snapshot: { step: number; points: number[]; dim: number } | null
  error: ApiErrorInfo | null
  createdAt: string
  /**
   * What the job is doing now: a benchmark's stage (`exporting …`, `timing`, `quality …`), a training job's last
   * log line before its first step (a teacher's pool: `distill: teacher pairs … about 6m10s left`); else null.
   */
  phase: string | null
  /** Benchmark jobs: the saved report, once the job has completed (see `bench.get`). */
  benchId: string | null
  /**
   * Benchmark jobs: where they stand in the configurations the report will hold (see `benchProgressText`);
   * null before the first count and for other jobs. `step / steps` stays the share of the work done.
   */
  configurations: BenchConfigProgress | null
}

/**
 * A benchmark's progress in configurations, the rows its report will hold: run × sampler × K × batch size × way
 * of calling it (fused, separate). Every configuration goes through three stages — prepared (exported, checked
 * against the engine, scored), warmed up, then timed in `rounds` rounds that each take a share of its calls (so
 * that load that comes and goes falls on all of them alike) — and `done` counts those through the current one.
 */
export interface BenchConfigProgress {
  stage: 'prepare' | 'warm-up' | 'timing'
  done: number
  total: number
  /** Timing: the round under way (from 1) and how many there are. */
  round?: number
  rounds?: number
}

export interface RunSummaryInfo {
  id: string
  name: string
  status: 'running' | 'completed' | 'failed' | 'cancelled' | 'crashed'
  objective: string
  dataset: string
  createdAt: string
  steps: number
  stepsDone: number | null
  /** Batch, learning rate, seed and the objective's own parameters, as the run was configured. */
  hyper: { batch: number; lr: number; seed: number; params: Record<string, number | string | boolean> }
  /** Training wall time (ms): the whole run once finished, else up to its last checkpoint; null before either. */
  wallMs: number | null
  backend: string | null
  metrics: MetricsInfo | null
  /** A run stopped before its end: the step of its last held-out evaluation, whose figures `metrics` are. */
  metricsStep?: number
  /** The step of the last checkpoint of a stopped run (its weights are evaluated, sampled and exported), else null. */
  checkpointStep: number | null
  /** A crashed, cancelled or failed run that `training.resume` can continue from its checkpoint. */
  resumable: boolean
  /** The best held-out evaluation (kept as its own weights; early-stopping style), else null. */
  best: { step: number; metric: string; value: number } | null
}

export interface RunDetail extends RunSummaryInfo {
  config: unknown
  /** What the run was trained on (its config's data set, with whether it is a built-in): see `sameRunData`. */
  data: RunDataInfo
  extra: Record<string, number>
  /** Metrics log: step, loss, optional metrics. */
  log: { step: number; loss: number; metrics?: Partial<MetricsInfo> }[]
  samplers: SamplerId[]
  defaultSteps: number
}

/**
 * How a flow sampler steps beyond K: a grid spacing (default the sampler's own: dpmpp-2m logsnr, ddpm runs
 * their karras/uniform setting, the rest uniform), and an adaptive sampler's tolerance (dopri5: rtol = atol).
 */
export interface SamplerGridOptions {
  spacing?: GridSpacing
  tolerance?: number
}

export interface SampleRequest extends SamplerGridOptions {
  runId: string
  sampler?: SamplerId
  steps?: number
  /** Number of points (default 2000). */
  n?: number
  /** Also score them against the held-out split. */
  metrics?: boolean
  /** Seed of the draws (default the run's): one seed across runs gives every panel the same latent draws. */
  seed?: number
  /** Image runs: also return the samples as one PNG grid (`SampleSet.gridPng`). */
  grid?: boolean
}

export interface SampleSet {
  runId: string
  sampler: SamplerId
  /** K (an adaptive sampler: the steps it took). */
  steps: number
  dim: number
  n: number
  /** Data units, row-major. */
  points: number[]
  metrics: MetricsInfo | null
  /** Image runs: one image's shape (`[H, W]` or `[H, W, C]`) and pixel range. */
  image?: { shape: number[]; range: [number, number] }
  /** Image runs, when asked for: the samples as a PNG grid (base64), ⌈√n⌉ images per row. */
  gridPng?: string
  /** What one sample cost: network evaluations (Heun: 2 per step), and the engine's wall time per sample (ms). */
  cost: { evaluations: number; msPerSample: number }
}

/**
 * One image of an image run's samples (a row of a `SampleSet`'s or a snapshot's points, data units), whose
 * nearest training image the Gallery shows: the memorisation check, visual.
 */
export interface NearestImageRequest {
  runId: string
  /** The image's values in data units: as many as the run's images have (H × W × C). */
  pixels: number[]
}

/**
 * The training image nearest to a sample, searched over the run's whole training split (the split its
 * evaluation uses). Distances are Euclidean in the run's standardised units: pixels scaled from their range
 * to [−1, 1] (twice the distance on a [0, 1] pixel scale), the units of the memorisation metric.
 */
export interface NearestImage {
  runId: string
  /** Row of the run's training split. */
  index: number
  /** Images in the training split. */
  trainSize: number
  /** That training image, data units. */
  image: number[]
  /** The sample's distance to it (standardised units). */
  distance: number
  /**
   * The reference: the median distance from held-out images to their nearest training image (same units). A
   * sample far below it (under a tenth: the `copies` rule of the image metrics) copies that training image.
   */
  heldoutMedian: number
  /** Held-out images that median is taken over. */
  heldoutQueries: number
}

/** Samples of a run's model taken during its training (default sampler, data units), oldest first. */
export interface RunSnapshots {
  runId: string
  /** The run's step budget. */
  steps: number
  dim: number
  snapshots: { step: number; points: number[] }[]
}

export interface ExportRequest extends SamplerGridOptions {
  runId: string
  sampler?: SamplerId
  steps?: number
  /** Flows: the whole K-step sampler z → x (default), or the network (x, t) → v (or ε̂) alone. */
  graph?: 'sampler' | 'velocity'
  /** Where to write (Electron: from the save dialog). The web host writes into its exports folder when absent. */
  path?: string
}

export interface ExportReport {
  path: string
  /** What the file holds: the K-step sampler (a one-step map's `onestep`, K = 1) or the flow's network alone. */
  graph: 'sampler' | 'velocity'
  sampler: SamplerId
  steps: number
  /** Network evaluations per sample the graph makes (Heun: 2K; the network alone: 1). */
  evaluations: number
  opset: number
  inputs: { name: string; shape: (number | string)[] }[]
  outputs: { name: string; shape: (number | string)[] }[]
  parity: { maxAbsError: number; n: number; tolerance: number }
  /** The web host offers the file for download here. */
  downloadUrl?: string
}

/** Samplers a benchmark times: one-step maps use `onestep`; flows the probability-flow ODE samplers. */
export type BenchSamplerId = DeterministicSamplerId

/**
 * A benchmark of one-step maps against multi-step samplers (the engine's `pfm bench`): every run × sampler × K
 * is exported to ONNX, parity-checked and timed through onnxruntime at every batch size; quality is the
 * engine's held-out evaluation of the same sampler and K.
 */
export interface BenchRequest {
  /** Finished runs: one-step maps and flows, any datasets. */
  runs: string[]
  /** Default: all. One-step runs are always timed with `onestep`. */
  samplers?: BenchSamplerId[]
  /** K of the multi-step samplers (default 1, 2, 4, 8, 16, 32, 64, 100). */
  steps?: number[]
  /** Batch sizes (default 1, 64, 1024). */
  batch?: number[]
  /** Timed calls per configuration (default 30). */
  repeats?: number
  /** Score every configuration on the held-out split (default true). */
  quality?: boolean
  /** Also time multi-step samplers as K separate network calls (default true). */
  separate?: boolean
  /** onnxruntime intra-op threads (default 1; 0: onnxruntime's default). */
  threads?: number
  /** Execution provider the graphs are timed on (default `cpu`). */
  ep?: ExecutionProviderChoice
  /** Display name of the benchmark. */
  name?: string
}

export interface LatencyInfo {
  p10: number
  p50: number
  p90: number
}

/** One timed configuration (run, sampler, K, batch, fused or separate calls). */
export interface BenchResultInfo {
  run: string
  objective: string
  dataset: string
  sampler: BenchSamplerId
  steps: number
  /** Network evaluations per sample (Heun: 2K). */
  evaluations: number
  batch: number
  /** One `session.run` for the whole sampler; false: K separate network calls. */
  fused: boolean
  form: 'unrolled' | 'loop' | null
  latencyMs: LatencyInfo
  samplesPerSec: number
  runs: number
  /** Held-out quality of this sampler and K (null when quality was off). */
  metrics: {
    energy: number
    mmd: number
    precision: number
    recall: number
    coverage: number
    /** Data with known modes only: modes, modes covered, share of samples in a mode. */
    modes?: number
    modesCovered?: number
    highQuality?: number
    /** Image runs: Fréchet distance in the workbench classifier's features (not FID) … */
    fd?: number
    /** … a classifier of the images' classes or, for unlabelled images, of k-means clusters (absent: classes). */
    fdFeatures?: ImageFeatureBasis
  } | null
  /** max |ONNX − engine| on the parity inputs (data units). */
  parity: number | null
}

export interface BenchConfigRef {
  run: string
  objective: string
  sampler: BenchSamplerId
  steps: number
  energy: number | null
  /** Image runs: the classifier-feature Fréchet distance (the comparison's metric there). */
  fd?: number | null
}

/** Per dataset: the best one-step map against the best multi-step configuration and the matched-quality one. */
export interface BenchComparisonInfo {
  dataset: string
  onestep: BenchConfigRef
  best: BenchConfigRef
  /** What the comparison ranks by (absent in reports saved before: energy); `energyRatio` is in it. */
  metric?: 'energy' | 'fd'
  energyRatio: number | null
  byBatch: {
    batch: number
    onestepP50: number
    best: { fused: boolean; form: 'unrolled' | 'loop' | null; p50: number }
    latencyRatio: number
    matched:
      | (BenchConfigRef & { fused: boolean; form: 'unrolled' | 'loop' | null; p50: number; speedup: number })
      | null
  }[]
}

/** A saved benchmark, as listed. */
export interface BenchRecordInfo {
  id: string
  title: string
  createdAt: string
  runs: string[]
  /** Timed configurations. */
  results: number
}

/** A saved benchmark with everything it measured. */
export interface BenchReportInfo extends BenchRecordInfo {
  machine: {
    cpus: number
    model: string
    node: string
    date: string
    loadavg: number[]
    platform: string
    threads: number
    ort: string
    ep: string
  }
  settings: {
    samplers: BenchSamplerId[]
    steps: number[]
    batch: number[]
    repeats: number
  }
  /** Every configuration, in measurement order. */
  table: BenchResultInfo[]
  skipped: { run: string; sampler: string; reason: string }[]
  /** The table as CSV (what `pfm bench --out` writes as bench.csv). */
  csv: string
  summary: {
    comparisons: BenchComparisonInfo[]
    fusedVsSeparate: {
      run: string
      sampler: BenchSamplerId
      steps: number
      batch: number
      fusedP50: number
      separateP50: number
      speedup: number
    }[]
    notes: string[]
  }
}

/** The API as the renderer uses it: plain promises that reject with an `ApiError` (see renderer/src/api.ts). */
export interface Api {
  engine: {
    info(): Promise<EngineInfo>
  }
  objectives: {
    list(): Promise<ObjectiveInfo[]>
  }
  datasets: {
    list(): Promise<DatasetInfo[]>
    preview(id: string, n?: number): Promise<DatasetPreview>
    import(req: ImportRequest): Promise<DatasetInfo>
    /** The first lines of a file and the import settings it needs (before importing it). */
    inspect(req: InspectRequest): Promise<FileInspection>
    remove(id: string): Promise<void>
  }
  training: {
    start(req: TrainRequest): Promise<JobInfo>
    cancel(jobId: string): Promise<void>
    jobs(): Promise<JobInfo[]>
    /** Continues a crashed, cancelled or failed run from its last checkpoint: a new job on the same run. */
    resume(runId: string): Promise<JobInfo>
  }
  runs: {
    list(): Promise<{ runs: RunSummaryInfo[]; problems: { id: string; reason: string }[] }>
    get(id: string): Promise<RunDetail>
    samples(req: SampleRequest): Promise<SampleSet>
    /** The samples stored at fixed fractions of training (the Gallery's slider). */
    snapshots(id: string): Promise<RunSnapshots>
    /** Image runs: the training image nearest to one sample image (the Gallery's memorisation check). */
    nearest(req: NearestImageRequest): Promise<NearestImage>
    /** A sample of up to n (default 2000; image runs 64) of the run's held-out rows: what its metrics score against. */
    heldout(id: string, n?: number): Promise<DatasetPreview>
    rename(id: string, name: string): Promise<void>
    remove(id: string): Promise<void>
  }
  export: {
    onnx(req: ExportRequest): Promise<ExportReport>
  }
  bench: {
    /** Queues a benchmark job (progress through `jobs:update`; cancel with `training.cancel`). */
    start(req: BenchRequest): Promise<JobInfo>
    /** Saved benchmarks, newest first, and the ones that could not be read. */
    list(): Promise<{ reports: BenchRecordInfo[]; problems: { id: string; reason: string }[] }>
    get(id: string): Promise<BenchReportInfo>
    remove(id: string): Promise<void>
  }
  demo: {
    /** Queues the demo job (progress through `jobs:update`, its stage in `phase`; cancel with `training.cancel`). */
    start(req: DemoRequest): Promise<JobInfo>
  }
  dialogs: {
    /** Native open dialog (Electron); the web host answers NOT_SUPPORTED and the renderer uploads instead. */
    openDataFile(): Promise<string | null>
    saveOnnxFile(defaultName: string): Promise<string | null>
  }
}

/** Push events from the host to the renderer, by channel name. */
export interface Events {
  /** A job changed (progress, status, new snapshot). */
  'jobs:update': JobInfo
  /** The run store changed (a run finished, was renamed or removed). */
  'runs:changed': { id: string }
  /** A benchmark was saved or removed. */
  'bench:changed': { id: string }
}

/** A failure as it crosses a process boundary: a stable machine code and a sentence a researcher reads. */
export interface ApiErrorInfo {
  /** An `EngineError` code (`CONFIG`, `DATA_FORMAT`, …) or a host code (`INVALID_REQUEST`, `INTERNAL`, …). */
  code: ErrorCode
  message: string
}

/**
 * Every handler returns a `Result` rather than throwing, because Electron's `invoke` keeps only the message
 * of a thrown error and drops its code.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo }

/** Domain names of the API (`engine`, …). */
export type Domain = keyof Api
/** Method names of one domain. */
export type Method<D extends Domain> = Extract<keyof Api[D], string>
/** The channel of one method: `domain:verb`. */
export type Channel = { [D in Domain]: `${D}:${Method<D>}` }[Domain]

type Fn = (...args: never[]) => Promise<unknown>
/** The resolved value of one contract method, e.g. `Returns<Api['engine']['info']>`. */
export type Returns<F> = F extends (...args: never[]) => Promise<infer R> ? R : never
/** The argument tuple of one contract method. */
export type Args<F> = F extends (...args: infer A) => Promise<unknown> ? A : never

/**
 * `window.lab`, as the preload script exposes it: the same methods as {@link Api}, resolving to a
 * {@link Result} instead of throwing. The web host implements the same shape over its transport.
 */
export type Bridge = {
  [D in Domain]: {
    [M in keyof Api[D]]: Api[D][M] extends Fn
      ? (...args: Args<Api[D][M]>) => Promise<Result<Returns<Api[D][M]>>>
      : never
  }
} & {
  /** Subscribes to a host event; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void
  /** Streams a file to the host for a later `datasets.import({ uploadId })` (the web host only). */
  upload?(file: Blob): Promise<Result<UploadInfo>>
}

/**
 * What a host implements: one function per method, taking the method's arguments (already validated) and
 * returning its value; a missing handler is a compile error. The host wraps each into a {@link Result}.
 */
export type Handlers = {
  [D in Domain]: {
    [M in keyof Api[D]]: Api[D][M] extends Fn
      ? (...args: Args<Api[D][M]>) => Promise<Returns<Api[D][M]>> | Returns<Api[D][M]>
      : never
  }
}

/** One entry per method, to let the preload and the hosts enumerate the contract at run time. */
export type MethodTable = { [D in Domain]: { [M in keyof Api[D]]: true } }
/** One entry per event, likewise. */
export type EventTable = { [E in keyof Events]: true }
