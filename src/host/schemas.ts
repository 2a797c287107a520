/**
 * Argument schemas, one per method of the contract: every payload from a renderer (which the host does not
 * trust) is validated here before its handler runs. Objects are strict (an unknown field is an error), numbers
 * and strings are bounded. A method missing here is a compile error.
 */
import { ARCHS } from '../shared/archs'
import { DETERMINISTIC_SAMPLER_IDS, GRID_SPACINGS, SAMPLER_IDS } from '../shared/samplers'
import { z } from 'zod'
import type { Api, Args } from '../shared/api'
import { DEFAULT_MAX_BYTES } from '../engine/data'

/**
 * The largest file the web host accepts as an upload (`POST /api/uploads`, streamed to disk): the importer's own
 * size limit, which the Electron side applies to files it reads by path.
 */
export const MAX_UPLOAD_BYTES = DEFAULT_MAX_BYTES
/** The largest file sent inline, as `contentBase64` inside one API call (bigger ones are uploaded). */
export const MAX_INLINE_IMPORT_BYTES = 512 * 1024
/** Base64 length of {@link MAX_INLINE_IMPORT_BYTES}. */
export const MAX_INLINE_IMPORT_BASE64 = Math.ceil(MAX_INLINE_IMPORT_BYTES / 3) * 4
/** The largest body of an API call (every call but the upload): an inline import and room for the rest. */
export const MAX_API_BODY_BYTES = MAX_INLINE_IMPORT_BASE64 + 64 * 1024
/** Points a preview or a sample request may ask for. */
export const MAX_POINTS = 20_000

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const int = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max)
const text = (max: number): z.ZodString => z.string().min(1).max(max)

/** A run id: one safe path segment (the store checks it again). */
export const RunIdSchema = text(200).regex(SAFE_ID, 'not a valid run id')
/** A built-in id (`8gaussians`) or `file:<name>`. */
export const DatasetIdSchema = text(220).regex(
  /^(file:)?[A-Za-z0-9][A-Za-z0-9._-]*$/,
  'not a valid dataset id'
)
export const JobIdSchema = text(100).regex(SAFE_ID, 'not a valid job id')
/** onnxruntime's execution provider of a training run or a benchmark. */
export const ExecutionProviderSchema = z.enum(['auto', 'cpu', 'webgpu', 'cuda'])

export const SamplerSchema = z.enum(SAMPLER_IDS)
const PathSchema = text(4096).refine((p) => !p.includes('\0'), 'contains a NUL character')

export const ImportRequestSchema = z
  .strictObject({
    path: PathSchema.optional(),
    fileName: text(255)
      .refine((f) => !/[\\/\0]/.test(f), 'must be a file name, not a path')
      .optional(),
    contentBase64: z
      .string()
      .max(
        MAX_INLINE_IMPORT_BASE64,
        `is over the ${MAX_INLINE_IMPORT_BYTES / 1024} KiB inline limit (upload the file)`
      )
      .regex(BASE64, 'is not base64')
      .optional(),
    uploadId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'is not an upload id')
      .optional(),
    name: text(100).optional(),
    columns: text(1000).optional(),
    skipRows: int(0, 1_000_000).optional()
  })
  .refine(
    (r) =>
      [r.path !== undefined, r.contentBase64 !== undefined, r.uploadId !== undefined].filter(Boolean)
        .length === 1 && (r.path !== undefined) === (r.fileName === undefined),
    'give either a path, or a fileName with its contentBase64 or uploadId'
  )

/** Bytes of a file's head an inspection reads. */
export const INSPECT_HEAD_BYTES = 64 * 1024

export const InspectRequestSchema = z
  .strictObject({
    path: PathSchema.optional(),
    fileName: text(255)
      .refine((f) => !/[\\/\0]/.test(f), 'must be a file name, not a path')
      .optional(),
    head: z.string().max(INSPECT_HEAD_BYTES).optional(),
    truncated: z.boolean().optional()
  })
  .refine(
    (r) =>
      r.path !== undefined
        ? r.fileName === undefined && r.head === undefined && r.truncated === undefined
        : r.fileName !== undefined && r.head !== undefined,
    'give either a path, or a fileName with its head'
  )

const ParamNameSchema = text(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'not a parameter name')
/** Parameter values by name. A `__proto__` key is refused (zod would silently drop it). */
const ParamsSchema = z
  .unknown()
  .refine(
    (v) => typeof v !== 'object' || v === null || !Object.hasOwn(v, '__proto__'),
    'has a "__proto__" key'
  )
  .pipe(
    z
      .record(ParamNameSchema, z.union([z.number().finite(), z.string().max(1000), z.boolean()]))
      .refine((p) => Object.keys(p).length <= 64, 'has too many parameters')
  )

export const TrainRequestSchema = z.strictObject({
  dataset: DatasetIdSchema,
  objective: text(64).regex(SAFE_ID, 'not an objective id'),
  params: ParamsSchema.optional(),
  steps: int(1, 10_000_000).optional(),
  batch: int(2, 65_536).optional(),
  lr: z.number().gt(0).lt(10).optional(),
  seed: int(0, 2 ** 32 - 1).optional(),
  model: z
    .strictObject({
      latentDim: int(1, 4096).optional(),
      width: int(1, 8192).optional(),
      depth: int(0, 64).optional(),
      activation: z.enum(['silu', 'relu', 'tanh', 'gelu', 'leaky-relu']).optional(),
      base: z.enum(['normal', 'uniform']).optional(),
      arch: z.enum(ARCHS).optional(),
      channels: int(4, 256)
        .refine((c) => c % 4 === 0, 'is not a multiple of 4')
        .optional()
    })
    .optional(),
  evalEvery: int(0, 10_000_000).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'onnxruntime']).optional(),
  device: ExecutionProviderSchema.optional()
})

/** A grid spacing and an adaptive sampler's tolerance (rtol = atol), in (0, 1]. */
const samplerGrid = {
  spacing: z.enum(GRID_SPACINGS).optional(),
  tolerance: z.number().finite().positive().max(1).optional()
}

export const SampleRequestSchema = z.strictObject({
  runId: RunIdSchema,
  sampler: SamplerSchema.optional(),
  steps: int(1, 100_000).optional(),
  ...samplerGrid,
  n: int(1, MAX_POINTS).optional(),
  metrics: z.boolean().optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
  grid: z.boolean().optional()
})

/**
 * Values one image may have in `runs.nearest` (64 × 64 × 4: CIFAR- and MNIST-sized images, ≈ 350 KB of JSON,
 * inside the API's body limit).
 */
export const MAX_IMAGE_VALUES = 64 * 64 * 4

export const NearestImageRequestSchema = z.strictObject({
  runId: RunIdSchema,
  pixels: z
    .array(z.number().finite())
    .min(1)
    .max(
      MAX_IMAGE_VALUES,
      `has more than ${MAX_IMAGE_VALUES.toLocaleString('en')} values (one image at most)`
    )
})

export const ExportRequestSchema = z.strictObject({
  runId: RunIdSchema,
  sampler: SamplerSchema.optional(),
  steps: int(1, 100_000).optional(),
  ...samplerGrid,
  graph: z.enum(['sampler', 'velocity']).optional(),
  path: PathSchema.optional()
})

export const BenchSamplerSchema = z.enum(DETERMINISTIC_SAMPLER_IDS)
/** A list of distinct integers in [min, max], at most `n` of them. */
const intList = (min: number, max: number, n: number): z.ZodType<number[]> =>
  z
    .array(int(min, max))
    .min(1)
    .max(n)
    .refine((v) => new Set(v).size === v.length, 'has repeated values')

export const BenchRequestSchema = z.strictObject({
  runs: z
    .array(RunIdSchema)
    .min(1)
    .max(16)
    .refine((v) => new Set(v).size === v.length, 'names a run twice'),
  samplers: z
    .array(BenchSamplerSchema)
    .min(1)
    .max(DETERMINISTIC_SAMPLER_IDS.length)
    .refine((v) => new Set(v).size === v.length, 'names a sampler twice')
    .optional(),
  steps: intList(1, 1000, 12).optional(),
  batch: intList(1, 65_536, 6).optional(),
  repeats: int(3, 500).optional(),
  quality: z.boolean().optional(),
  separate: z.boolean().optional(),
  threads: int(0, 64).optional(),
  ep: ExecutionProviderSchema.optional(),
  name: z.string().trim().min(1).max(200).optional()
})

export const DemoRequestSchema = z.strictObject({ budget: z.enum(['full', 'tiny']).optional() })

/** A benchmark id (the id of the job that measured it). */
export const BenchIdSchema = text(100).regex(SAFE_ID, 'not a valid benchmark id')

type ArgSchemas = { [D in keyof Api]: { [M in keyof Api[D]]: z.ZodType<Args<Api[D][M]>> } }

export const ARG_SCHEMAS: ArgSchemas = {
  engine: {
    info: z.tuple([])
  },
  objectives: {
    list: z.tuple([])
  },
  datasets: {
    list: z.tuple([]),
    preview: z.tuple([DatasetIdSchema, int(1, MAX_POINTS).optional()]),
    import: z.tuple([ImportRequestSchema]),
    inspect: z.tuple([InspectRequestSchema]),
    remove: z.tuple([DatasetIdSchema])
  },
  training: {
    start: z.tuple([TrainRequestSchema]),
    cancel: z.tuple([JobIdSchema]),
    jobs: z.tuple([]),
    resume: z.tuple([RunIdSchema])
  },
  runs: {
    list: z.tuple([]),
    get: z.tuple([RunIdSchema]),
    samples: z.tuple([SampleRequestSchema]),
    snapshots: z.tuple([RunIdSchema]),
    nearest: z.tuple([NearestImageRequestSchema]),
    heldout: z.tuple([RunIdSchema, int(1, MAX_POINTS).optional()]),
    rename: z.tuple([RunIdSchema, z.string().trim().min(1).max(200)]),
    remove: z.tuple([RunIdSchema])
  },
  export: {
    onnx: z.tuple([ExportRequestSchema])
  },
  bench: {
    start: z.tuple([BenchRequestSchema]),
    list: z.tuple([]),
    get: z.tuple([BenchIdSchema]),
    remove: z.tuple([BenchIdSchema])
  },
  demo: {
    start: z.tuple([DemoRequestSchema])
  },
  dialogs: {
    openDataFile: z.tuple([]),
    saveOnnxFile: z.tuple([text(255).refine((f) => !/[\\/\0]/.test(f), 'must be a file name, not a path')])
  }
}
