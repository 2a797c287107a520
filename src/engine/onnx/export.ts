/**
 * Exporting a stored one-step run to ONNX: z [batch, latentDim] → x [batch, d] in data units, the
 * de-standardisation x·std + mean folded into the last layer. The file is only kept when onnxruntime, loading
 * it back, reproduces the engine's own (tfjs) samples on seeded inputs within the tolerance.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { invertStandardization } from '../data'
import { ConfigError, StoreError } from '../errors'
import type { MlpWeights } from '../models/mlp'
import { MlpWeightsSchema } from '../store'
import { Rng } from '../rng'
import type { RunStore } from '../store'
import { writeFileAtomic } from '../store/fs-utils'
import { initBackend } from '../backend'
import { Mlp } from '../models/mlp'
import { drawBase } from '../train/sampling'
import type { Standardization } from '../types'
import type { RunConfig } from '../train/config'
import { OnnxExportError } from './errors'
import { GraphBuilder, IR_VERSION, OPSET, PRODUCER } from './graph'
import { mlpGraph } from './mlp'
import type { Dim } from './onnx-proto'
import { maxAbsDiff, OnnxModel } from './runtime'

export const ONNX_EXTENSION = '.onnx'
/** Parity tolerance for data of unit scale (see `parityTolerance`). */
export const PARITY_TOLERANCE = 1e-4
export const PARITY_POINTS = 4096
export const PARITY_SEED = 0x0e4a

export interface TensorInfo {
  name: string
  type: 'float32'
  shape: Dim[]
}

export interface ExportReport {
  path: string
  opset: number
  irVersion: number
  bytes: number
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  parity: {
    /** max |ONNX − engine| over all inputs and coordinates, in data units. */
    maxAbsError: number
    /** Number of z inputs compared. */
    n: number
    /** The bound it had to meet. */
    tolerance: number
  }
}

export interface ExportOptions {
  /** Only `onestep` for one-step runs (multi-step samplers come with flow runs). */
  sampler?: string
  /** Sampler steps: only 1 for one-step runs. */
  steps?: number
  /** Number of seeded z inputs for the parity check (default 4096). */
  parityPoints?: number
  /** Seed of the parity inputs. */
  paritySeed?: number
  /** Tolerance in data units (default `parityTolerance(stats)`: 1e-4 for data of unit scale). */
  tolerance?: number
  /** @internal Tests only: alters the weights written to the graph (not the reference) to break parity. */
  tamperWeights?: (w: MlpWeights) => MlpWeights
}

/**
 * The parity bound in data units: 1e-4 for data of unit scale, 1e-4 × the data scale max_j(|mean_j| + std_j)
 * beyond it — float32 itself cannot resolve 1e-4 on coordinates in the thousands.
 */
export function parityTolerance(stats: Standardization): number {
  let scale = 1
  stats.mean.forEach((m, j) => (scale = Math.max(scale, Math.abs(m) + Math.abs(stats.std[j]!))))
  return PARITY_TOLERANCE * scale
}

/** Throws ConfigError unless the sampler options describe a one-step export. */
export function checkOneStepSampler(sampler: string | undefined, steps: number | undefined): void {
  if (sampler !== undefined && sampler !== 'onestep')
    throw new ConfigError(
      `--sampler ${sampler}: multi-step samplers (euler, heun, …) arrive with flow runs; a one-step map exports with --sampler onestep.`
    )
  if (steps !== undefined && steps !== 1)
    throw new ConfigError(
      `--steps ${steps}: multi-step samplers arrive with flow runs; a one-step map takes exactly 1 step.`
    )
}

/** The ONNX model of a one-step map (pure: no I/O). Input `z` [batch, latentDim], output `x` [batch, d]. */
export function pushforwardModel(
  phi: MlpWeights,
  stats: Standardization,
  meta: { metadata?: Record<string, string>; docString?: string } = {}
): { bytes: Uint8Array; inputs: TensorInfo[]; outputs: TensorInfo[] } {
  const latentDim = phi.layers[0]!.inDim
  const d = phi.layers[phi.layers.length - 1]!.outDim
  if (stats.mean.length !== d || stats.std.length !== d)
    throw new OnnxExportError(
      `The standardisation has ${stats.mean.length} means for a map with ${d} outputs.`
    )
  const inputs: TensorInfo[] = [{ name: 'z', type: 'float32', shape: ['batch', latentDim] }]
  const outputs: TensorInfo[] = [{ name: 'x', type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('pushforward')
  const z = g.input('z', inputs[0]!.shape)
  const x = mlpGraph(g, z, phi, { scope: 'phi', outputAffine: { scale: stats.std, shift: stats.mean } })
  g.output('x', outputs[0]!.shape, x)
  const bytes = g.toModel({
    ...(meta.docString !== undefined ? { docString: meta.docString } : {}),
    ...(meta.metadata ? { metadata: meta.metadata } : {})
  })
  return { bytes, inputs, outputs }
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
 * Exports run `runId` of `store` to `outFile` (.onnx). The model is checked on `parityPoints` seeded draws of
 * the run's base measure against the engine's tfjs samples (de-standardised) — first from memory, so a failed
 * export never touches `outFile`, then from the written file. Above the tolerance: OnnxExportError, no file.
 */
export async function exportPushforward(
  store: RunStore,
  runId: string,
  outFile: string,
  opts: ExportOptions = {}
): Promise<ExportReport> {
  checkOneStepSampler(opts.sampler, opts.steps)
  const file = path.resolve(outFile)
  if (path.extname(file).toLowerCase() !== ONNX_EXTENSION)
    throw new ConfigError(`--out ${outFile}: an ONNX export must end in ${ONNX_EXTENSION}.`)
  if (!fs.existsSync(path.dirname(file)))
    throw new ConfigError(`--out ${outFile}: the folder ${path.dirname(file)} does not exist.`)
  const n = opts.parityPoints ?? PARITY_POINTS
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`parity points: ${n} is not a positive integer.`)

  const run = store.load(runId)
  const stored = store.readWeights<{ kind: string; phi?: unknown; step?: unknown }>(runId)
  if (stored.kind !== 'pushforward-mlp')
    throw new ConfigError(
      `Run "${runId}" holds a "${stored.kind}" model; only one-step maps export for now (multi-step samplers arrive with flow runs).`
    )
  const parsed = MlpWeightsSchema.safeParse(stored.phi)
  if (!parsed.success)
    throw new StoreError(`Run "${runId}": weights.json has no readable one-step map (phi).`)
  const stats = run.standardization
  if (!stats)
    throw new StoreError(`Run "${runId}" has no stored standardisation, so its samples have no data units.`)
  const trained = typeof stored.step === 'number' ? stored.step : run.config.steps
  await initBackend(run.config.backend)
  const phi = Mlp.fromJSON(parsed.data as MlpWeights, 'phi')
  const config = run.config
  try {
    const weights = phi.toJSON()
    const model = config.model
    const docString =
      `Pushforward Lab one-step sampler φ (run ${runId}, ${config.objective} on ${config.dataset.name}): ` +
      `z ~ ${model.base === 'uniform' ? 'U(0,1)' : 'N(0, I)'} [batch, ${model.latentDim}] → x [batch, ${config.dataset.dim}] in data units.`
    const { bytes, inputs, outputs } = pushforwardModel(
      opts.tamperWeights ? opts.tamperWeights(weights) : weights,
      stats,
      {
        docString,
        metadata: pushforwardMetadata(runId, config, stats, trained)
      }
    )

    // The engine's reference: tfjs φ(z), de-standardised.
    const z = drawBase(model, n, new Rng(opts.paritySeed ?? PARITY_SEED))
    const y = tf.tidy(() => phi.apply(tf.tensor2d(z, [n, model.latentDim])))
    const ys = y.dataSync() as Float32Array
    y.dispose()
    const d = weights.layers[weights.layers.length - 1]!.outDim
    const ref = invertStandardization({ n, d, data: ys }, stats).data
    const tolerance = opts.tolerance ?? parityTolerance(stats)
    const feeds = { z: { data: z, dims: [n, model.latentDim] } }

    const check = async (source: string | Uint8Array, where: string, outcome: string): Promise<number> => {
      const m = await OnnxModel.load(source)
      let got: Float32Array
      try {
        got = (await m.run(feeds)).x!.data
      } finally {
        await m.release()
      }
      const err = maxAbsDiff(got, ref)
      if (!(err <= tolerance))
        throw new OnnxExportError(
          `Export of run "${runId}" failed its parity check (${where}): onnxruntime's samples differ from the engine's by up to ${fmtErr(err)} ` +
            `(tolerance ${fmtErr(tolerance)}) over ${n} inputs; ${outcome}.`
        )
      return err
    }

    await check(bytes, 'in memory', `nothing was written to ${file}`)
    writeFileAtomic(file, bytes)
    let maxAbsError: number
    try {
      maxAbsError = await check(file, 'read back from disk', `${file} was removed`)
    } catch (e) {
      fs.rmSync(file, { force: true })
      throw e
    }
    return {
      path: file,
      opset: OPSET,
      irVersion: IR_VERSION,
      bytes: bytes.length,
      inputs,
      outputs,
      parity: { maxAbsError, n, tolerance }
    }
  } finally {
    phi.dispose()
  }
}

function fmtErr(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v)
}
