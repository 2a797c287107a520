/**
 * The dataset layer: built-in toy distributions, file importers, standardisation and splits, and
 * `resolveDataset`, which turns what a user typed (`moons`, `data/points.csv`) into a `Dataset`.
 */
import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import { ConfigError } from '../errors'
import type { Dataset, ImageReadOptions } from '../types'
import { loadDatasetFile, type LoadOptions } from './import'
import { BUILTINS, generateBuiltin, isBuiltin } from './toys'

export { datasetDigest } from './digest'
export {
  BUILTINS,
  MAX_BUILTIN_POINTS,
  builtinModes,
  generateBuiltin,
  isBuiltin,
  type BuiltinInfo
} from './toys'
export {
  DEFAULT_MAX_BYTES,
  FORMATS,
  SUPPORTED_EXTENSIONS,
  loadDatasetFile,
  parseDatasetBytes,
  requireRows,
  type LoadOptions
} from './import'
export {
  MIN_HELDOUT,
  MIN_TRAINABLE_ROWS,
  heldoutSize,
  applyStandardization,
  fitStandardization,
  gather,
  invertStandardization,
  splitHeldout,
  standardize,
  subsample,
  tooFewRowsMessage
} from './transform'
export { selectColumns } from './columns'
export { inspectHead, type FileInspection } from './inspect'
export { IMAGE_BUILTINS, isImageBuiltin } from './builtin-images'
export {
  classCounts,
  encodeLabels,
  parseImageShape,
  pixelCount,
  pixelStandardization,
  resizeImage,
  resizeRows,
  shapeText
} from './images'
export { decodeImage } from './image-folder'
export { DEFAULT_LIMITS, type Table, type TableLimits } from './table'

export interface ResolveOptions extends ImageReadOptions {
  /** Points generated for a built-in (default 20000; ignored for files). */
  n?: number
  /** Seed of a built-in (default 0; ignored for files). */
  seed?: number
  /** Column selection for files (`0,2`, `0-3`, `x,y`). */
  columns?: string
  /** Lines skipped at the top of a text file. */
  skipRows?: number
}

export const DEFAULT_BUILTIN_POINTS = 20_000

/**
 * A built-in id (`moons`) or the path of an existing data file.
 * Anything that looks like a path (a separator or an extension) is loaded as a file, so a missing
 * `points.csv` reports the file; any other unknown name lists the built-ins.
 * @throws ConfigError for an unknown name or options that do not apply; DataFormatError for a bad file.
 */
export function resolveDataset(spec: string, opts: ResolveOptions = {}): Dataset {
  const fileKeys = ['columns', 'skipRows', 'imageShape', 'labelColumn', 'labels', 'resize'] as const
  if (isBuiltin(spec)) {
    const given = fileKeys.filter((k) => opts[k] !== undefined && opts[k] !== 0)
    if (given.length > 0)
      throw new ConfigError(`${given.join(', ')}: options of data files, not of the built-in "${spec}".`)
    return generateBuiltin(spec, opts.n ?? DEFAULT_BUILTIN_POINTS, opts.seed ?? 0)
  }
  const fileOpts: LoadOptions = {}
  for (const k of fileKeys) if (opts[k] !== undefined) Object.assign(fileOpts, { [k]: opts[k] })
  if (existsSync(spec) || /[\\/]/.test(spec) || extname(spec) !== '') return loadDatasetFile(spec, fileOpts)
  throw new ConfigError(
    `Unknown dataset "${spec}": not a built-in (${BUILTINS.map((b) => b.id).join(', ')}) and no such file.`
  )
}
