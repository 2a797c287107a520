/** The full, serialisable description of a training run (stored as `config` in runs/<id>/run.json). */
import type { ParamValues } from '../params'
import type { Activation } from '../models/mlp'
import type { Arch } from '../models/nets'
import type { BackendChoice, ImageInfo, ImageReadOptions } from '../types'
import type { ProviderChoice } from '../onnx/providers'

export interface DatasetConfig extends ImageReadOptions {
  /** What the user asked for: a built-in id (`8gaussians`) or a file path. */
  spec: string
  /** Display name (built-in id or file base name). */
  name: string
  /** Column selection for files (`0-3`, `x,y`), as given. */
  columns?: string
  /** Lines skipped at the top of a text file. */
  skipRows?: number
  /** Points generated for a built-in (ignored for files). */
  n: number
  /**
   * Built-ins: the generator seed of the points, which may differ from the run's training seed (absent in
   * runs made before it was stored: those drew their points with the run's seed).
   */
  seed?: number
  /**
   * SHA-256 (first 16 hex digits) of the loaded values and labels, so a stored run notices when its data
   * file changed since training (absent in runs made before it was stored).
   */
  digest?: string
  /** Rows × columns actually loaded. */
  rows: number
  dim: number
  columnNames: string[]
  /** Image sets: the shape and pixel range of one image (absent for tables and runs made before images). */
  image?: ImageInfo
  /** Labelled sets: the class names. */
  classes?: string[]
}

export interface ModelConfig {
  latentDim: number
  base: 'normal' | 'uniform'
  width: number
  depth: number
  activation: Activation
  /**
   * The network architecture (absent: `mlp`, as every run made before the conv models): `unet` for a flow's
   * velocity network, `conv` for a one-step map — image data only.
   */
  arch?: Arch
  /** Channels of the first level of a `unet` / `conv` network (absent for the MLP). */
  channels?: number
}

export interface RunConfig {
  objective: string
  params: ParamValues
  dataset: DatasetConfig
  model: ModelConfig
  steps: number
  batch: number
  lr: number
  seed: number
  /** Held-out fraction of the data (at least 2000 points are kept out when the data allow). */
  heldout: number
  /** Evaluate held-out metrics every this many steps (0: only at the end; default: about 8 over the budget). */
  evalEvery: number
  backend: BackendChoice
  /**
   * onnxruntime's execution provider for the training step (`--device`; absent: the CPU). A GPU provider
   * trains on onnxruntime, so only the objectives with its step take one.
   */
  device?: ProviderChoice
}
