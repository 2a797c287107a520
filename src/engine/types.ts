/** Shared engine value types (plain data, serialisable). */
import type { ImageFeatureBasis, ImageMetricsInfo, MetricsInfo } from '../shared/api'

/** A point cloud: `n` points of dimension `d`, row-major (`data[i * d + j]`). */
export interface Points {
  n: number
  d: number
  data: Float32Array
}

/**
 * What makes rows images: each row is one image, row-major over `shape` (`[H, W]` or `[H, W, C]`, channels
 * last), with pixel values in `range` (`[0, 1]` or `[0, 255]`).
 */
export interface ImageInfo {
  shape: number[]
  range: [number, number]
}

/** How a file is read as images (all optional; see `data/images.ts`). */
export interface ImageReadOptions {
  /** A table's rows as images of this shape: `28x28`, `32x32x3`. */
  imageShape?: string
  /** The column (name or 0-based index) of a table's class labels, left out of the pixels. */
  labelColumn?: string
  /** An IDX1 file of labels for an IDX3 image file (path). */
  labels?: string
  /** Resize every image of a folder to this size: `28x28`. */
  resize?: string
}

/** A numeric table ready for training. */
export interface Dataset extends Points {
  /** Built-in id (`8gaussians`) or the file's base name. */
  name: string
  source:
    | { kind: 'builtin'; id: string; seed: number }
    | ({ kind: 'file'; path: string; columns?: string; skipRows?: number } & ImageReadOptions)
  /** One name per column (header names, or `x0`, `x1`, …). */
  columns: string[]
  /** Present when the rows are images. */
  image?: ImageInfo
  /** One class index per row (into `classes`), when the data set is labelled. */
  labels?: Int32Array
  /** Class names, when labelled. */
  classes?: string[]
}

/**
 * Per-feature standardisation, stored with each run so samples return in data units. For images it is the
 * pixel scaling (every pixel: mean = centre of the range, std = half its width, so the range maps to
 * [−1, 1]) and `range` says where samples are clipped when shown as images.
 */
export interface Standardization {
  mean: number[]
  std: number[]
  range?: [number, number]
}

/**
 * Sample-quality metrics on held-out data, in standardised coordinates (the mode figures in data units): the
 * host's `MetricsInfo` (shared/api.ts) without the floor the host adds.
 */
export type Metrics = Omit<MetricsInfo, 'energyFloor'>

/** Image-run metrics in the features of the workbench's classifier (see metrics/image-metrics.ts). */
export type ImageMetrics = ImageMetricsInfo
export type { ImageFeatureBasis }

/**
 * One mode of a distribution whose modes are known: an isotropic Gaussian bump (centre, σ per coordinate) or
 * a uniform axis-aligned box. Coordinates in data units.
 */
export type Mode =
  { kind: 'gaussian'; centre: number[]; sigma: number } | { kind: 'box'; lo: number[]; hi: number[] }

/** The TensorFlow.js backends. */
export type BackendId = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'
/**
 * What trains a run: a TensorFlow.js backend, or `onnxruntime` (the whole step as one onnxruntime graph, for
 * the objectives that have one: src/engine/ort/; TensorFlow.js still samples and evaluates).
 */
export type TrainBackendId = BackendId | 'onnxruntime'
export type BackendChoice = TrainBackendId | 'auto'
