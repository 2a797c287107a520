/**
 * Which ONNX graph a stored run becomes, and the engine's own answer to check it against.
 *
 * - One-step maps — every run whose weights carry a map `phi` (MlpWeights): the §2 objectives, distill, vae
 *   (the decoder mean), gan / wgan-gp (the averaged generator), anneal: z [batch, latentDim] → x, one graph.
 * - Flows (cfm, ot-cfm, reflow, ddpm): the fused K-step sampler z → x (every deterministic sampler the model
 *   offers), or, with `graph: 'velocity'`, the network (x, t) → v / ε̂ alone.
 * - realnvp (d ≥ 2): the sampling direction ψ: z ↦ x through its coupling layers.
 * - The one-step flow families (meanflow, shortcut, cd, ct): `onestep`, their map φ, or `euler` with K jumps —
 *   their few-step sampler, K residual networks in a chain (`jumps`; consistency models: multi-step
 *   consistency sampling along the straight path, shortcut models: 1, 2, 4, … steps of one network).
 *
 * Every sampler graph ends in data units (x·std + mean of the run's standardisation).
 *
 * The flow sampler's time grid is the model's own (`VelocityModel.timeGrid`: uniform, Karras, a user's list, …)
 * and its steps the sampler record's update rule, traced (samplers/): the graph computes what the engine's
 * sampler computes, which the export's parity check confirms.
 */
import * as tf from '@tensorflow/tfjs-core'
import { invertStandardization } from '../data'
import { ConfigError, StoreError } from '../errors'
import type { MlpWeights } from '../models/mlp'
import {
  isConvGeneratorWeights,
  isUnetWeights,
  mapNetFromJSON,
  mapWeightsDims,
  type MapWeights
} from '../models/nets'
import type { RealNvpWeights } from '../objectives/density/realnvp'
import type { ExportableFlow, SamplerId } from '../objectives/types'
import { Rng } from '../rng'
import {
  DATA_FIELD_MIN_GAP,
  DEFAULT_TOLERANCES,
  findSampler,
  tracePlan,
  type Field,
  type Plan
} from '../samplers'
import { SAMPLER_IDS, type GridSpec } from '../../shared/samplers'
import { MlpWeightsSchema } from '../store'
import type { OpenRun } from '../train/evaluate'
import { drawBase } from '../train/sampling'
import type { Standardization } from '../types'
import { OnnxExportError } from './errors'
import {
  fusedSamplerModel,
  type FusedOptions,
  type ModelMeta,
  planEvaluations,
  planGain,
  timedNetOf,
  velocityNetModel,
  type TimedNet
} from './flow'
import { PRODUCER } from './graph'
import { jumpsModel, pushforwardModel } from './pushforward'
import { realNvpSamplerModel } from './realnvp'
import { unetSamplerModel, unetVelocityModel } from './unet-flow'
import type { FloatTensor } from './runtime'
import type { Dim } from './onnx-proto'

/** Parity tolerance for data of unit scale (see `parityTolerance`). */
export const PARITY_TOLERANCE = 1e-4

export interface TensorInfo {
  name: string
  type: 'float32'
  shape: Dim[]
}

export type RunGraphKind = 'onestep' | 'flow' | 'realnvp' | 'jumps'

/** The most jumps a few-step sampler exports (one residual network each). */
export const MAX_JUMPS = 64

/** What to export from a run. */
export interface RunGraphSpec {
  /** `onestep` for one-step maps and realnvp; a deterministic sampler for flows (default: the run's first). */
  sampler?: string
  /** K for the flow samplers (default: the model's default, 100); exactly 1 for one-step maps. */
  steps?: number
  /** Flow samplers: the time grid (a spacing or a list of times) and an adaptive sampler's tolerances. */
  grid?: GridSpec
  rtol?: number
  atol?: number
  /** The sampler z → x (default) or, for flows, the network (x, t) → v. */
  graph?: 'sampler' | 'velocity'
  /** Flow samplers: K unrolled steps (default) or one ONNX Loop. */
  form?: 'unrolled' | 'loop'
  /** @internal Tests: alters the main network's weights written to the graph (not the reference). */
  tamperWeights?: (w: MlpWeights) => MlpWeights
}

/** A run's graph, with what its parity check needs. */
export interface RunGraph {
  runId: string
  objective: string
  kind: RunGraphKind
  graph: 'sampler' | 'velocity'
  sampler: SamplerId
  steps: number
  /** Network evaluations per sample (Heun: 2 per step). */
  evaluations: number
  bytes: Uint8Array
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  /** Seeded parity inputs for n rows. */
  parityFeeds(n: number, rng: Rng): Record<string, FloatTensor>
  /** The engine's (tfjs) output for those inputs: data units for samplers, standardised for the network. */
  reference(feeds: Record<string, FloatTensor>): Float32Array
  /** The parity bound (see `graphTolerance`). */
  tolerance(reference: Float32Array): number
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

/**
 * The bound for a multi-step sampler of E network evaluations whose updates amplify an error in the network's
 * output by `gain` (flow.ts `planGain`): `parityTolerance(stats)·max(√E, gain/4)`. Each evaluation adds
 * float32 rounding differences between tfjs and onnxruntime (≈ 1e-7–1e-6: different summation orders in the
 * matrix products) that the sampler carries to the end — like a random walk on a well-conditioned flow (√E),
 * times the update's own gain where it divides by a small √ᾱ or σ (diffusion samplers, DDIM with few steps).
 * The gain leaves out the network's own Jacobian, which matters where a corrector evaluates ε̂ near t = 0 on
 * a far-off predictor (Heun with K ≤ 2 on ddpm: observed 0.9 of `parityTolerance`, bound 2×).
 * Unit-scale data: one step 1e-4; flow-matching Euler K = 100: 1e-3, Heun K = 100 (E = 200): 1.4e-3;
 * ddpm (linear schedule) DDIM K = 1 (gain ≈ 150): 3.8e-3, Euler K = 100 (gain ≈ 140): 3.4e-3.
 */
export function samplerTolerance(stats: Standardization, evaluations: number, gain = 1): number {
  return parityTolerance(stats) * Math.max(Math.sqrt(Math.max(1, evaluations)), gain / 4)
}

/** A flow run's sampler as plain data: the network, the field it predicts, the steps and the output map. */
export interface FlowPlan extends FlowSteps {
  net: TimedNet
}

/** The velocity graph's output name, title and meaning, per kind of field. */
const NET_OUTPUTS = {
  velocity: { name: 'v', title: 'velocity', meaning: 'velocity v(x, t), t ∈ [0, 1] (0 = noise)' },
  data: {
    name: 'x1',
    title: 'data-prediction',
    meaning: `clean sample x̂₁(x, t), t ∈ [0, 1] (0 = noise); velocity (x̂₁ − x)/max(1 − t, ${DATA_FIELD_MIN_GAP})`
  },
  eps: {
    name: 'eps',
    title: 'noise-prediction',
    meaning: 'noise prediction ε̂(x_t, t), diffusion time t ∈ [0, 1] (1 = noise)'
  }
} as const satisfies Record<Field['kind'], { name: string; title: string; meaning: string }>
type NetOutput = (typeof NET_OUTPUTS)[Field['kind']]['name']

/** A flow run's sampler without its network: the field, the steps and the output. */
export interface FlowSteps {
  field: Field
  sampler: Exclude<SamplerId, 'onestep'>
  /** The K + 1 times stepped on. */
  grid: number[]
  plan: Plan
  /** The network's output name in the velocity graph: `v` (velocity), `eps` (noise prediction) or `x1` (data). */
  output: NetOutput
  /** For an adaptive sampler: its tolerances and the evaluations of the probe run that chose `grid`. */
  adaptive: { rtol: number; atol: number; nfe: number; rows: number } | null
}

/** What a graph is built from: a stored run opened (`openRun`), or a model in training with its config. */
export type GraphSource = Pick<OpenRun, 'config' | 'model' | 'weights'>

/** The flow a run's model exports as, or null. */
function exportedFlow(open: GraphSource): ExportableFlow | null {
  const e = open.model.exportAs?.()
  return e?.kind === 'flow' ? e.flow : null
}

/** True when the run's model is a velocity / noise-prediction flow (cfm, ot-cfm, reflow, ddpm). */
export function isVelocityRun(open: GraphSource): boolean {
  return exportedFlow(open) !== null
}

/** The kind of graph a run exports to, as its model says (throws OnnxExportError for models with no export). */
export function runGraphKind(open: GraphSource, runId: string): RunGraphKind {
  const e = open.model.exportAs?.()
  if (e) return e.kind
  if (readPhi(open.weights)) return 'onestep'
  throw new OnnxExportError(
    `Run "${runId}" (${open.config.objective}) holds a "${open.weights.kind}" model, which has no ONNX export.`
  )
}

/** A one-step map's weights: an MLP (validated), or a conv generator (checked when its graph is built). */
function readPhi(w: Record<string, unknown>): MapWeights | null {
  if (!('phi' in w)) return null
  if (isConvGeneratorWeights(w.phi)) return w.phi
  const parsed = MlpWeightsSchema.safeParse(w.phi)
  return parsed.success ? (parsed.data as MlpWeights) : null
}

/** The deterministic samplers a flow run offers (each has a fused graph). */
export function fusedSamplersOf(open: GraphSource): SamplerId[] {
  return open.model.samplers.filter((s) => s !== 'onestep' && !findSampler(s).stochastic)
}

/** Rows an adaptive sampler integrates to choose the grid an export replays. */
export const ADAPTIVE_PROBE_ROWS = 256

/** How a flow sampler's grid is chosen beyond K: a spacing or list of times, an adaptive run's tolerances. */
export interface GridOptions {
  grid?: GridSpec
  rtol?: number
  atol?: number
}

/**
 * A flow run's sampler (sampler, K) as a plan, on the model's own time grid (`timeGrid`), with its MLP
 * network (`flowSteps` for any network). An adaptive sampler (dopri5) without a list of times is run on
 * ADAPTIVE_PROBE_ROWS seeded rows first, and the plan replays the steps it took (`adaptive` says so).
 */
export function flowPlan(
  open: GraphSource,
  runId: string,
  sampler: string,
  steps: number,
  opts: GridOptions = {}
): FlowPlan {
  const fs = flowSteps(open, runId, sampler, steps, opts)
  const weights = exportedFlow(open)!.velocityWeights()
  if (isUnetWeights(weights))
    throw new OnnxExportError(
      `Run "${runId}" has a U-Net; its graphs come from runGraph (the one-call-per-evaluation plan needs an MLP).`
    )
  return { ...fs, net: timedNetOf(weights) }
}

/** `flowPlan` without the network: the sampler's plan on the model's grid. */
export function flowSteps(
  open: GraphSource,
  runId: string,
  sampler: string,
  steps: number,
  opts: GridOptions = {}
): FlowSteps {
  const model = exportedFlow(open)
  if (!model) throw new OnnxExportError(`Run "${runId}" is not a flow run.`)
  if (
    sampler !== 'onestep' &&
    (SAMPLER_IDS as readonly string[]).includes(sampler) &&
    findSampler(sampler).stochastic
  )
    throw new ConfigError(
      `--sampler ${sampler} draws fresh noise at every step, so it has no deterministic graph; export --sampler ddim, its deterministic counterpart.`
    )
  const offered = fusedSamplersOf(open)
  if (!offered.includes(sampler as SamplerId))
    throw new ConfigError(
      `--sampler ${sampler}: run "${runId}" (${open.config.objective}) exports with ${offered.join(', ')}.`
    )
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 100_000))
    throw new ConfigError(`--steps ${steps}: the number of sampler steps must be an integer in [1, 100000].`)
  const record = findSampler(sampler)
  const id = record.id
  let grid: number[]
  let adaptive: FlowPlan['adaptive'] = null
  if (record.adaptive && !Array.isArray(opts.grid)) {
    const tolerances = {
      rtol: opts.rtol ?? DEFAULT_TOLERANCES.rtol,
      atol: opts.atol ?? DEFAULT_TOLERANCES.atol
    }
    model.transport(new Rng(ADAPTIVE_PROBE_SEED).normals(ADAPTIVE_PROBE_ROWS * model.dim), {
      sampler: id,
      steps,
      ...tolerances
    })
    grid = model.lastRun!.grid
    adaptive = { ...tolerances, nfe: model.lastRun!.nfe, rows: ADAPTIVE_PROBE_ROWS }
  } else grid = model.timeGrid(id, steps, opts.grid)
  const field = model.flowField
  return {
    field,
    sampler: id,
    grid,
    plan: tracePlan(record, field, grid),
    output: NET_OUTPUTS[field.kind].name,
    adaptive
  }
}

/** Seed of the adaptive probe rows. */
const ADAPTIVE_PROBE_SEED = 20_240_601

/**
 * metadata_props: the run, the sampler and how to read the output, in one order for every kind
 * (`extra` after `trainedSteps`).
 */
function metadata(
  open: GraphSource,
  runId: string,
  stats: Standardization,
  sampler: { sampler: string; steps: number },
  extra: Record<string, string>
): Record<string, string> {
  const config = open.config
  const step = open.weights.step
  return {
    producer: PRODUCER,
    runId,
    objective: config.objective,
    dataset: config.dataset.name,
    sampler: sampler.sampler,
    steps: String(sampler.steps),
    trainedSteps: String(typeof step === 'number' ? step : config.steps),
    ...extra,
    columns: JSON.stringify(config.dataset.columnNames),
    standardization: JSON.stringify({ mean: stats.mean, std: stats.std })
  }
}

function checkStats(stats: Standardization, d: number): void {
  if (stats.mean.length !== d || stats.std.length !== d)
    throw new OnnxExportError(`The standardisation has ${stats.mean.length} means for ${d}-D samples.`)
}

/** Data units of standardised rows. */
function toData(y: Float32Array, d: number, stats: Standardization): Float32Array {
  return invertStandardization({ n: y.length / d, d, data: y }, stats).data
}

/**
 * The graph of run `runId` (already opened) for `spec`, pure apart from tfjs reference computations.
 * Throws ConfigError for sampler options the run does not offer, OnnxExportError for models with no export.
 */
export function runGraph(
  open: GraphSource,
  runId: string,
  stats: Standardization,
  spec: RunGraphSpec = {}
): RunGraph {
  const kind = runGraphKind(open, runId)
  const config = open.config
  const d = config.dataset.dim
  checkStats(stats, d)
  const tamper = spec.tamperWeights ?? ((w: MlpWeights) => w)
  const common = { runId, objective: config.objective, kind }
  const what = `run ${runId}, ${config.objective} on ${config.dataset.name}`

  if (kind === 'jumps') return jumpsGraph(open, runId, stats, spec, common, what, tamper)

  if (kind !== 'flow') {
    if (spec.graph === 'velocity')
      throw new ConfigError(
        `Run "${runId}" (${config.objective}) has no velocity network; it is a one-step map.`
      )
    if (spec.sampler !== undefined && spec.sampler !== 'onestep')
      throw new ConfigError(
        `--sampler ${spec.sampler}: run "${runId}" (${config.objective}) is a one-step map; it exports with --sampler onestep.`
      )
    if (spec.steps !== undefined && spec.steps !== 1)
      throw new ConfigError(
        `--steps ${spec.steps}: run "${runId}" (${config.objective}) is a one-step map; it takes exactly 1 step.`
      )
  }

  if (kind === 'onestep') {
    const phi = readPhi(open.weights)!
    const latentDim = mapWeightsDims(phi).inDim
    const base =
      open.weights.base === 'uniform' || open.weights.base === 'normal'
        ? open.weights.base
        : config.model.base
    const docString =
      `Pushforward Lab one-step sampler φ (${what}): ` +
      `z ~ ${base === 'uniform' ? 'U(0,1)' : 'N(0, I)'} [batch, ${latentDim}] → x [batch, ${d}] in data units.`
    const m = pushforwardModel(isConvGeneratorWeights(phi) ? phi : tamper(phi), stats, {
      docString,
      metadata: {
        ...metadata(
          open,
          runId,
          stats,
          { sampler: 'onestep', steps: 1 },
          { base, latentDim: String(latentDim) }
        ),
        outputUnits: 'data'
      }
    })
    return {
      ...common,
      graph: 'sampler',
      sampler: 'onestep',
      steps: 1,
      evaluations: 1,
      ...m,
      parityFeeds: (n, rng) => ({ z: { data: drawBase({ latentDim, base }, n, rng), dims: [n, latentDim] } }),
      reference: (feeds) => {
        const z = feeds.z!
        const net = mapNetFromJSON(phi, 'phi')
        try {
          const y = tf.tidy(() => net.apply(tf.tensor2d(z.data, [z.dims[0]!, latentDim])))
          const ys = y.dataSync() as Float32Array
          y.dispose()
          return toData(ys, d, stats)
        } finally {
          net.dispose()
        }
      },
      tolerance: () => parityTolerance(stats)
    }
  }

  if (kind === 'realnvp') {
    const e = open.model.exportAs!()
    if (e.kind !== 'realnvp') throw new OnnxExportError(`Run "${runId}" is not a realnvp run.`)
    const w = e.weights as unknown as RealNvpWeights
    if (!w.couplings)
      throw new OnnxExportError(
        `Run "${runId}": the 1-D realnvp inverts its monotone layers by bisection, which has no ONNX export.`
      )
    const m = realNvpSamplerModel(
      { ...w, couplings: w.couplings.map(tamper) },
      { scale: stats.std, shift: stats.mean },
      {
        docString: `Pushforward Lab realnvp sampling direction ψ (${what}): z ~ N(0, I) [batch, ${d}] → x [batch, ${d}] in data units.`,
        metadata: {
          ...metadata(
            open,
            runId,
            stats,
            { sampler: 'onestep', steps: 1 },
            { base: 'normal', latentDim: String(d) }
          ),
          outputUnits: 'data'
        }
      }
    )
    return {
      ...common,
      graph: 'sampler',
      sampler: 'onestep',
      steps: 1,
      evaluations: w.couplings.length,
      ...m,
      parityFeeds: (n, rng) => ({ z: { data: rng.normals(n * d), dims: [n, d] } }),
      reference: (feeds) => {
        const z = feeds.z!
        return toData(e.forward(z.data, z.dims[0]!), d, stats)
      },
      tolerance: () => samplerTolerance(stats, w.couplings!.length)
    }
  }

  // Flows.
  const model = exportedFlow(open)!
  if (spec.graph === 'velocity') {
    const weights = model.velocityWeights()
    const out = NET_OUTPUTS[model.flowField.kind]
    const output = out.name
    const m = (
      isUnetWeights(weights)
        ? (meta: ModelMeta) => unetVelocityModel(weights, output, meta)
        : (meta: ModelMeta) =>
            velocityNetModel(timedNetOf({ ...weights, mlp: tamper(weights.mlp) }), output, meta)
    )({
      docString:
        `Pushforward Lab ${out.title} network (${what}): x [batch, ${d}] and t [batch] → ` +
        `${output} [batch, ${d}], standardised coordinates (x_data = x·std + mean).`,
      metadata: {
        ...metadata(open, runId, stats, { sampler: 'none', steps: 1 }, { graph: 'velocity' }),
        output: out.meaning,
        timeEmbedding: JSON.stringify({ timeDim: weights.spec.timeDim, maxFreq: weights.spec.maxFreq }),
        outputUnits: 'standardised'
      }
    })
    const lo = Math.min(...model.timeGrid(fusedSamplersOf(open)[0] ?? 'euler', 1))
    return {
      ...common,
      graph: 'velocity',
      sampler: model.samplers[0]!,
      steps: 1,
      evaluations: 1,
      ...m,
      parityFeeds: (n, rng) => ({
        x: { data: rng.normals(n * d), dims: [n, d] },
        t: { data: rng.uniforms(n, lo, 1), dims: [n] }
      }),
      reference: (feeds) => model.predict(feeds.x!.data, feeds.t!.data),
      tolerance: (ref) => {
        let scale = 1
        for (const v of ref) scale = Math.max(scale, Math.abs(v))
        return PARITY_TOLERANCE * scale
      }
    }
  }
  const sampler = spec.sampler ?? fusedSamplersOf(open)[0]
  if (sampler === undefined) throw new OnnxExportError(`Run "${runId}" offers no deterministic sampler.`)
  const fp = flowSteps(open, runId, sampler, spec.steps ?? model.defaultSteps, spec)
  const steps = fp.grid.length - 1
  const evaluations = planEvaluations(fp.plan)
  const form = spec.form ?? 'unrolled'
  const weights = model.velocityWeights()
  const affine = { scale: stats.std, shift: stats.mean }
  const m = (
    isUnetWeights(weights)
      ? (meta: FusedOptions) => unetSamplerModel(weights, fp.plan, affine, meta)
      : (meta: FusedOptions) =>
          fusedSamplerModel(timedNetOf({ ...weights, mlp: tamper(weights.mlp) }), fp.plan, affine, meta)
  )({
    form,
    docString:
      `Pushforward Lab ${fp.sampler} sampler, K = ${steps} (${evaluations} network evaluations) fused into one graph ` +
      `(${what}): z ~ N(0, I) [batch, ${d}] → x [batch, ${d}] in data units.`,
    metadata: {
      ...metadata(
        open,
        runId,
        stats,
        { sampler: fp.sampler, steps },
        {
          base: 'normal',
          latentDim: String(d),
          evaluations: String(evaluations),
          form,
          grid: JSON.stringify(fp.grid),
          ...(fp.adaptive
            ? {
                adaptive:
                  `${fp.sampler} with rtol ${fp.adaptive.rtol}, atol ${fp.adaptive.atol} chose this grid on ` +
                  `${fp.adaptive.rows} seeded probe rows (${fp.adaptive.nfe} evaluations with its error ` +
                  `control); the graph replays it as a fixed grid of ${steps} steps`
              }
            : {})
        }
      ),
      outputUnits: 'data'
    }
  })
  return {
    ...common,
    graph: 'sampler',
    sampler: fp.sampler,
    steps,
    evaluations,
    bytes: m.bytes,
    inputs: m.inputs,
    outputs: m.outputs,
    parityFeeds: (n, rng) => ({ z: { data: rng.normals(n * d), dims: [n, d] } }),
    reference: (feeds) =>
      toData(model.transport(feeds.z!.data, { sampler: fp.sampler, steps, grid: fp.grid }), d, stats),
    tolerance: () => samplerTolerance(stats, evaluations, planGain(fp.plan))
  }
}

/** A one-step flow family's run: its map φ (`onestep`) or its K-step sampler (`euler`), a chain of jumps. */
function jumpsGraph(
  open: GraphSource,
  runId: string,
  stats: Standardization,
  spec: RunGraphSpec,
  common: { runId: string; objective: string; kind: RunGraphKind },
  what: string,
  tamper: (w: MlpWeights) => MlpWeights
): RunGraph {
  const e = open.model.exportAs!()
  if (e.kind !== 'jumps') throw new OnnxExportError(`Run "${runId}" is not a few-step run.`)
  const objective = open.config.objective
  const d = open.config.dataset.dim
  if (spec.graph === 'velocity')
    throw new ConfigError(
      `Run "${runId}" (${objective}) has no velocity network to export alone; export its sampler (onestep or euler).`
    )
  const sampler = spec.sampler ?? 'onestep'
  if (sampler !== 'onestep' && sampler !== 'euler')
    throw new ConfigError(
      `--sampler ${sampler}: run "${runId}" (${objective}) exports with onestep (its map) or euler (K jumps).`
    )
  const K = sampler === 'onestep' ? 1 : (spec.steps ?? 1)
  if (sampler === 'onestep' && spec.steps !== undefined && spec.steps !== 1)
    throw new ConfigError(
      `--steps ${spec.steps}: --sampler onestep takes exactly 1 step; use --sampler euler for K jumps.`
    )
  if (!(Number.isInteger(K) && K >= 1 && K <= MAX_JUMPS))
    throw new ConfigError(`--steps ${K}: the number of jumps must be an integer in [1, ${MAX_JUMPS}].`)
  const jumps = e.jumps(K).map(tamper)
  const m = jumpsModel(jumps, stats, {
    docString:
      `Pushforward Lab ${sampler === 'onestep' ? 'one-step map' : `few-step sampler, K = ${K} jumps`} ` +
      `(${what}): z ~ N(0, I) [batch, ${d}] → x [batch, ${d}] in data units.`,
    metadata: {
      ...metadata(
        open,
        runId,
        stats,
        { sampler, steps: K },
        { base: 'normal', latentDim: String(d), evaluations: String(K) }
      ),
      outputUnits: 'data'
    }
  })
  return {
    ...common,
    graph: 'sampler',
    sampler: sampler as SamplerId,
    steps: K,
    evaluations: K,
    ...m,
    parityFeeds: (n, rng) => ({ z: { data: rng.normals(n * d), dims: [n, d] } }),
    reference: (feeds) => toData(e.transport(feeds.z!.data, K), d, stats),
    tolerance: () => samplerTolerance(stats, K)
  }
}

/** Why a run cannot load: no standardisation. */
export function runStats(open: OpenRun, runId: string): Standardization {
  const stats = open.run.standardization
  if (!stats)
    throw new StoreError(`Run "${runId}" has no stored standardisation, so its samples have no data units.`)
  return stats
}
