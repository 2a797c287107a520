/** Shared engine value types (plain data, serialisable). */

/** A point cloud: `n` points of dimension `d`, row-major (`data[i * d + j]`). */
export interface Points {
  n: number
  d: number
  data: Float32Array
}

/** A numeric table ready for training. */
export interface Dataset extends Points {
  /** Built-in id (`8gaussians`) or the file's base name. */
  name: string
  source:
    | { kind: 'builtin'; id: string; seed: number }
    | { kind: 'file'; path: string; columns?: string; skipRows?: number }
  /** One name per column (header names, or `x0`, `x1`, …). */
  columns: string[]
}

/** Per-feature standardisation, stored with each run so samples return in data units. */
export interface Standardization {
  mean: number[]
  std: number[]
}

/** Sample-quality metrics on held-out data, in standardised coordinates (the mode figures in data units). */
export interface Metrics {
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
  /** Data sets with known modes only (the built-in mixtures): how many modes the data have … */
  modes?: number
  /** … how many of them the samples cover (see `modeCoverage`) … */
  modesCovered?: number
  /** … and the share of samples that lie in a mode (within 3σ of a Gaussian's centre, inside a square). */
  highQuality?: number
}

/**
 * One mode of a distribution whose modes are known: an isotropic Gaussian bump (centre, σ per coordinate) or
 * a uniform axis-aligned box. Coordinates in data units.
 */
export type Mode =
  | { kind: 'gaussian'; centre: number[]; sigma: number }
  | { kind: 'box'; lo: number[]; hi: number[] }

/** The TensorFlow.js backends. */
export type BackendId = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'
/**
 * What trains a run: a TensorFlow.js backend, or `onnxruntime` (the whole step as one onnxruntime graph, for
 * the objectives that have one: src/engine/ort/; TensorFlow.js still samples and evaluates).
 */
export type TrainBackendId = BackendId | 'onnxruntime'
export type BackendChoice = TrainBackendId | 'auto'
