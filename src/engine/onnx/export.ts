/**
 * Exporting a stored run to ONNX (run-graph.ts says which graph): a one-step map z → x, a flow's fused K-step
 * sampler z → x (both in data units), or a flow's network (x, t) → v. The file is only kept when
 * onnxruntime, loading it back, reproduces the engine's own (tfjs) output on seeded inputs within the
 * tolerance — checked first from memory, so a failed export never touches the target, then from the file.
 */
import type { GridSpec } from '../../shared/samplers'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ConfigError } from '../errors'
import type { MlpWeights } from '../models/mlp'
import { Rng } from '../rng'
import type { RunStore, WeightsChoice } from '../store'
import { writeFileAtomic } from '../store/fs-utils'
import type { RunConfig } from '../train/config'
import { openRun } from '../train/evaluate'
import type { Standardization } from '../types'
import { OnnxExportError } from './errors'
import { IR_VERSION, OPSET, PRODUCER } from './graph'
import { maxAbsDiff, OnnxModel } from './runtime'
import { runGraph, runStats, type RunGraph, type RunGraphKind, type TensorInfo } from './run-graph'
import type { SamplerId } from '../objectives/types'
import type { ProviderChoice } from './providers'

export { pushforwardModel } from './pushforward'
export { PARITY_TOLERANCE, parityTolerance, samplerTolerance, type TensorInfo } from './run-graph'

export const ONNX_EXTENSION = '.onnx'
export const PARITY_POINTS = 4096
export const PARITY_SEED = 0x0e4a

export interface ExportReport {
  path: string
  opset: number
  irVersion: number
  bytes: number
  /** One-step map, flow or realnvp. */
  kind: RunGraphKind
  /** The sampler z → x, or a flow's network (x, t) → v. */
  graph: 'sampler' | 'velocity'
  sampler: SamplerId
  steps: number
  /** Network evaluations per sample. */
  evaluations: number
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  parity: {
    /** max |ONNX − engine| over all inputs and coordinates (data units for samplers). */
    maxAbsError: number
    /** Number of inputs compared. */
    n: number
    /** The bound it had to meet. */
    tolerance: number
    /** The execution provider onnxruntime ran the check on (`cpu`, `webgpu`, `cuda`). */
    provider: string
  }
}

export interface ExportOptions {
  /** `onestep` for one-step maps; a deterministic sampler for flows (default: the run's first one). */
  sampler?: string
  /** Sampler steps K: 1 for one-step maps, the model's default (100) for flows. */
  steps?: number
  /** Flow samplers: the time grid (a spacing or K + 1 times) and an adaptive sampler's tolerances. */
  grid?: GridSpec
  rtol?: number
  atol?: number
  /** Flows: the whole sampler (default) or the network (x, t) → v alone. */
  graph?: 'sampler' | 'velocity'
  /** Flow samplers: K unrolled steps sharing the weights (default) or one ONNX Loop. */
  form?: 'unrolled' | 'loop'
  /** The run's last weights (default) or its best held-out checkpoint's. */
  weights?: WeightsChoice
  /** Number of seeded inputs for the parity check (default 4096). */
  parityPoints?: number
  /** Seed of the parity inputs. */
  paritySeed?: number
  /** Tolerance (default: `parityTolerance(stats)` for one-step maps, growing as √(evaluations) for samplers). */
  tolerance?: number
  /** Execution provider of the parity check (default `cpu`; `auto`: the first that creates a session). */
  provider?: ProviderChoice
  /** @internal Tests only: alters the weights written to the graph (not the reference) to break parity. */
  tamperWeights?: (w: MlpWeights) => MlpWeights
}

/** metadata_props of a one-step export. */
export function pushforwardMetadata(
  runId: string,
  config: RunConfig,
  stats: Standardization,
  trainedSteps: number
): Record<string, string> {
  return {
    producer: PRODUCER,
    runId,
    objective: config.objective,
    dataset: config.dataset.name,
    sampler: 'onestep',
    steps: '1',
    trainedSteps: String(trainedSteps),
    base: config.model.base,
    latentDim: String(config.model.latentDim),
    columns: JSON.stringify(config.dataset.columnNames),
    standardization: JSON.stringify({ mean: stats.mean, std: stats.std }),
    outputUnits: 'data'
  }
}

/**
 * Checks `graph` against the engine on `n` seeded inputs: loads it (bytes or a file) into onnxruntime, runs
 * it, compares. Returns max |Δ|; above the tolerance, OnnxExportError ending in `outcome`.
 */
export async function checkParity(
  graph: RunGraph,
  source: string | Uint8Array,
  opts: {
    n?: number
    seed?: number
    tolerance?: number
    where?: string
    outcome?: string
    threads?: number
    provider?: ProviderChoice
    /** No node may fall back to the CPU provider. */
    strict?: boolean
  } = {}
): Promise<{ maxAbsError: number; n: number; tolerance: number; provider: string }> {
  const n = opts.n ?? PARITY_POINTS
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`parity points: ${n} is not a positive integer.`)
  const feeds = graph.parityFeeds(n, new Rng(opts.seed ?? PARITY_SEED))
  const ref = graph.reference(feeds)
  const tolerance = opts.tolerance ?? graph.tolerance(ref)
  const m = await OnnxModel.load(source, {
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.strict ? { strict: true } : {})
  })
  const provider = m.provider
  let got: Float32Array
  try {
    got = (await m.run(feeds))[graph.outputs[0]!.name]!.data
  } finally {
    await m.release()
  }
  const err = maxAbsDiff(got, ref)
  if (!(err <= tolerance))
    throw new OnnxExportError(
      `Export of run "${graph.runId}" failed its parity check${opts.where ? ` (${opts.where})` : ''}: onnxruntime's ` +
        `${graph.graph === 'velocity' ? 'outputs' : 'samples'}${provider === 'cpu' ? '' : ` on ${provider}`} differ from the engine's by up to ${fmtErr(err)} ` +
        `(tolerance ${fmtErr(tolerance)}) over ${n} inputs${opts.outcome ? `; ${opts.outcome}` : ''}.`
    )
  return { maxAbsError: err, n, tolerance, provider }
}

/**
 * Exports run `runId` of `store` to `outFile` (.onnx), checked on `parityPoints` seeded inputs against the
 * engine — first from memory, so a failed export never touches `outFile`, then from the written file. Above
 * the tolerance: OnnxExportError, no file.
 */
export async function exportPushforward(
  store: RunStore,
  runId: string,
  outFile: string,
  opts: ExportOptions = {}
): Promise<ExportReport> {
  const file = path.resolve(outFile)
  if (path.extname(file).toLowerCase() !== ONNX_EXTENSION)
    throw new ConfigError(`--out ${outFile}: an ONNX export must end in ${ONNX_EXTENSION}.`)
  if (!fs.existsSync(path.dirname(file)))
    throw new ConfigError(`--out ${outFile}: the folder ${path.dirname(file)} does not exist.`)
  const n = opts.parityPoints ?? PARITY_POINTS
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`parity points: ${n} is not a positive integer.`)

  const open = await openRun(store, runId, opts.weights)
  try {
    const stats = runStats(open, runId)
    const graph = runGraph(open, runId, stats, {
      ...(opts.sampler !== undefined ? { sampler: opts.sampler } : {}),
      ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
      ...(opts.graph !== undefined ? { graph: opts.graph } : {}),
      ...(opts.form !== undefined ? { form: opts.form } : {}),
      ...(opts.grid !== undefined ? { grid: opts.grid } : {}),
      ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}),
      ...(opts.atol !== undefined ? { atol: opts.atol } : {}),
      ...(opts.tamperWeights ? { tamperWeights: opts.tamperWeights } : {})
    })
    const check = (source: string | Uint8Array, where: string, outcome: string) =>
      checkParity(graph, source, {
        n,
        ...(opts.paritySeed !== undefined ? { seed: opts.paritySeed } : {}),
        ...(opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {}),
        ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
        where,
        outcome
      })
    await check(graph.bytes, 'in memory', `nothing was written to ${file}`)
    writeFileAtomic(file, graph.bytes)
    let parity: ExportReport['parity']
    try {
      parity = await check(file, 'read back from disk', `${file} was removed`)
    } catch (e) {
      fs.rmSync(file, { force: true })
      throw e
    }
    return {
      path: file,
      opset: OPSET,
      irVersion: IR_VERSION,
      bytes: graph.bytes.length,
      kind: graph.kind,
      graph: graph.graph,
      sampler: graph.sampler,
      steps: graph.steps,
      evaluations: graph.evaluations,
      inputs: graph.inputs,
      outputs: graph.outputs,
      parity
    }
  } finally {
    open.dispose()
  }
}

/** `exportPushforward` under the name that says it exports any run. */
export const exportRun = exportPushforward

function fmtErr(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v)
}
