/**
 * Distillation of a flow into a one-step map (§4, [27]; Luhman & Luhman 2021): ψ_θ(z) ≈ χ(z), the endpoint
 * of the teacher's ODE (7) from z ~ N(0, I), learnt by regression on a pool of pairs,
 *   L = E_z ‖ψ_θ(z) − χ(z)‖².
 * Sampling is then one network evaluation, like the §2 maps: the weights carry ψ as `phi` (MlpWeights), so
 * ONNX export and `onestep` sampling treat a distilled run like any one-step pushforward map. With
 * `refreshEvery` > 0 the teacher stays loaded and an eighth of the pool is regenerated that often.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import {
  archOf,
  asMlp,
  createMapNet,
  mapNetFromJSON,
  mapWeightsDims,
  type MapNet,
  type MapWeights
} from '../../models/nets'
import type { MlpSpec } from '../../models/mlp'
import { choice, int } from '../../params'
import type { Rng } from '../../rng'
import type { TrainState } from '../../train/train-state'
import type {
  LossContext,
  ModelObjective,
  ModelSpec,
  RegressionSpec,
  SampleOptions,
  SamplerId,
  TrainDefaults
} from '../types'
import {
  EMA_PARAM,
  DATA_FLOW_IMAGE_MODEL,
  IMAGE_FLOW_DEFAULTS,
  SAMPLE_CHUNK,
  checkNoiseSpec,
  checkSampler,
  type FlowModel
} from './common'
import { EmaNetModel } from './ema-model'
import {
  TEACHER_PARAMS,
  drawIndices,
  gatherPairs,
  loadTeacher,
  logDropped,
  firstPool,
  poolWatch,
  makePairs,
  teacherStartMap,
  type PairPool,
  type Teacher
} from './teacher'

/** What runs/<id>/weights.json holds for a distilled map. */
export interface DistillWeights {
  kind: 'distill'
  /** The one-step map ψ: N(0, I_d) → data (the moving average when ema > 0). */
  phi: MapWeights
  ema: number
  teacher: string
}

export const DISTILL_SAMPLERS: readonly SamplerId[] = ['onestep']

export class DistillModel extends EmaNetModel<MapNet> implements FlowModel {
  readonly kind = 'distill'
  readonly samplers = DISTILL_SAMPLERS
  readonly defaultSteps = 1
  readonly dim: number

  constructor(
    phi: MapNet,
    lr: number,
    ema: number,
    private readonly pool: PairPool | null,
    private readonly teacher: Teacher | null,
    private readonly teacherId: string,
    private readonly refreshEvery: number,
    private readonly rng: Rng | null
  ) {
    super(phi, lr, ema, (n) => mapNetFromJSON(n.toJSON(), 'phi-ema'))
    this.dim = phi.outDim
  }

  /** The map being trained. */
  get phi(): MapNet {
    return this.net
  }

  /** The map that samples: the moving average when there is one. */
  get map(): MapNet {
    return this.sampling
  }

  /**
   * The B regression pairs (z, χ(z)) a step trains on, refreshing the pool first when due — what `step` draws,
   * for trainers that run the same regression elsewhere (onnxruntime, src/engine/ort/).
   */
  regressionPairs(B: number, ctx: LossContext): { z: Float32Array; x: Float32Array } {
    const pool = this.pool
    if (!pool)
      throw new ConfigError('This distilled model was restored for sampling; it holds no pairs to train on.')
    if (
      this.teacher &&
      this.rng &&
      this.refreshEvery > 0 &&
      ctx.step > 0 &&
      ctx.step % this.refreshEvery === 0
    )
      this.refresh(pool, ctx.step / this.refreshEvery)
    return gatherPairs(pool, drawIndices(pool.n, B, ctx.rng))
  }

  /** The map's regression on the teacher's pairs: input z, target χ(z). */
  regression(): RegressionSpec {
    const net = asMlp(this.phi)
    if (!net)
      throw new ConfigError(
        "distill's conv generator trains on TensorFlow.js only; onnxruntime's step regresses MLPs."
      )
    return {
      net,
      avg: this.avg && asMlp(this.avg),
      ema: this.ema,
      lr: this.lr,
      // tf.mean(tf.sum(‖ψ(z) − χ(z)‖², 1)) = dim × the mean squared error.
      lossScale: this.dim,
      batch: (y, ctx) => {
        const { z, x } = this.regressionPairs(y.shape[0], ctx)
        // onnxruntime's step regresses the plain MLP: a residual map z + MLP(z) fits MLP(z) to χ(z) − z.
        if (net.spec.residual) for (let i = 0; i < x.length; i++) x[i]! -= z[i]!
        return { input: z, target: x }
      }
    }
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number; extra?: Record<string, number> } {
    const B = y.shape[0]
    const { z, x } = this.regressionPairs(B, ctx)
    const d = this.dim
    const loss = this.fit(
      () =>
        tf.mean(
          tf.sum(
            tf.squaredDifference(
              this.phi.apply(tf.tensor2d(z, [B, d]), { inputGrad: false }),
              tf.tensor2d(x, [B, d])
            ),
            1
          )
        ),
      ctx
    )
    return { loss }
  }

  /**
   * No training state to resume from: the teacher's pairs come from the model's own stream and pool, which a
   * checkpoint does not hold (the weights are still checkpointed for eval, sample and export).
   */
  override trainState(): TrainState | null {
    return null
  }

  /** Regenerates the k-th eighth of the pool (a ring over the pool). */
  private refresh(pool: PairPool, k: number): void {
    const part = Math.ceil(pool.n / 8)
    const start = (((k - 1) % 8) * part) % pool.n
    const m = Math.min(part, pool.n - start)
    // where the teacher diverged on some rows, fewer come back: the old pairs stay in their place
    const fresh = makePairs(this.teacher!, m, this.rng!)
    pool.z.set(fresh.z, start * pool.d)
    pool.x.set(fresh.x, start * pool.d)
  }

  transport(z: Float32Array, opts: SampleOptions = { sampler: 'onestep', steps: 1 }): Float32Array {
    checkSampler('distill', this.samplers, opts.sampler)
    const d = this.dim
    const n = z.length / d
    const out = new Float32Array(z.length)
    for (let s = 0; s < n; s += SAMPLE_CHUNK) {
      const m = Math.min(SAMPLE_CHUNK, n - s)
      const y = tf.tidy(() => this.map.apply(tf.tensor2d(z.subarray(s * d, (s + m) * d), [m, d])))
      out.set(y.dataSync() as Float32Array, s * d)
      y.dispose()
    }
    return out
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    return this.transport(rng.normals(n * this.dim), opts)
  }

  toJSON(): DistillWeights & Record<string, unknown> {
    return { kind: 'distill', phi: this.map.toJSON(), ema: this.ema, teacher: this.teacherId }
  }

  protected override disposeExtra(): void {
    this.teacher?.model.dispose()
  }
}

/** Why a teacher's start map cannot be this run's network (null: it can). */
function networkMismatch(model: ModelSpec['model'], start: MlpSpec): string | null {
  if (archOf(model) !== 'mlp') return `this run's network is ${archOf(model)}, not the teacher's MLP`
  const { width, depth, activation } = model
  if (start.width === width && start.depth === depth && start.activation === activation) return null
  return `the teacher's network is ${start.width}×${start.depth} ${start.activation}, this run's ${width}×${depth} ${activation}`
}

/**
 * The map distillation starts from: with `init=teacher`, the teacher's clean-sample prediction at the noise end
 * (teacher.ts `teacherStartMap`) where it exists and has the run's network shape; random weights otherwise.
 */
function startMap(spec: ModelSpec, teacher: Teacher): MapNet {
  const random = (): MapNet =>
    createMapNet(spec.model, { latentDim: spec.dim, dim: spec.dim, image: spec.image }, spec.rng, 'phi')
  if (spec.params.init !== 'teacher') return random()
  const start = teacherStartMap(teacher)
  const why = 'reason' in start ? start.reason : networkMismatch(spec.model, start.map.spec)
  if ('reason' in start || why !== null) {
    spec.log?.(`distill: init=teacher does not apply (${why}); the map starts from random weights.`)
    return random()
  }
  spec.log?.(
    `distill: the map starts from teacher ${teacher.runId}'s clean-sample prediction at the noise end` +
      (start.map.spec.residual ? ' (residual: z + v(z, 0)).' : '.')
  )
  return mapNetFromJSON(start.map, 'phi')
}

/**
 * distill's image budget: cfm's image network (768⁵, `DATA_FLOW_IMAGE_MODEL`, so a default teacher's start map
 * fits it) for 8 000 steps, started from the teacher (`init=teacher`), on 64 times the toys' pool (524 288
 * pairs, 3.3 GB), at cfm's image rate and average
 * (5e-4, 0.999). The pairs come from the teacher's first sampler at the toys' K = 32: DDIM for the image
 * budget's data-predicting cfm, 32 evaluations per pair as Heun K = 16 took before it (on mnist, the same
 * noise: fd 3.16 against 3.68). The student is short of pairs, not steps: from the 9 000-step cfm (fd 2.113 on
 * its own draw, 2.730 over four `pfm eval` draws), 131 072 pairs × 4 000 steps scored fd 6.600, 262 144 ×
 * 4 000 5.786, and 524 288 × 8 000 5.114 on the run's draw and 5.377 over the same four draws — 1.97× the
 * teacher's mean (2.42× on the run's own draw, the teacher's luckiest). With 768⁵ for both: 3.778 over the four
 * draws, 1.77× the teacher's 2.131 (docs/benchmarks.md).
 */
export const DISTILL_IMAGE_DEFAULTS: TrainDefaults = {
  ...IMAGE_FLOW_DEFAULTS,
  model: DATA_FLOW_IMAGE_MODEL,
  steps: 8000,
  lr: 5e-4,
  params: { init: 'teacher', pool: 524288, ema: 0.999 }
}

export const distill: ModelObjective = {
  kind: 'model',
  id: 'distill',
  family: 'flows',
  title: 'Distillation into a one-step map',
  paper: '§4, eq. (7), [27]',
  summary:
    "Regress a one-step map ψ(z) on the endpoint χ(z) of a trained flow's ODE from the same noise z:\n" +
    'the flow is integrated once, offline, and sampling becomes a single network evaluation.',
  params: {
    ...TEACHER_PARAMS,
    ema: EMA_PARAM,
    refreshEvery: int(
      0,
      0,
      1_000_000,
      'Regenerate an eighth of the pool every this many steps (0: never; keeps the teacher loaded).'
    ),
    init: choice(
      'random',
      ['random', 'teacher'],
      "Start of the map: random weights, or the teacher's clean-sample prediction at the noise end\n" +
        '(its network with t folded in; random where the teacher or the network differs: the log says why).'
    )
  },
  defaults: { steps: 1000, batch: 256, lr: 5e-3 },
  imageDefaults: DISTILL_IMAGE_DEFAULTS,
  capabilities: { ortTrain: true, archs: ['conv'] },
  async create(spec: ModelSpec) {
    checkNoiseSpec('distill', spec)
    const teacher = await loadTeacher('distill', spec)
    const refreshEvery = Number(spec.params.refreshEvery ?? 0)
    try {
      const pool = await firstPool(teacher, Number(spec.params.pool ?? 8192), spec.rng, poolWatch('distill', spec))
      logDropped('distill', pool, spec.log)
      const phi = startMap(spec, teacher)
      const keep = refreshEvery > 0
      const model = new DistillModel(
        phi,
        spec.lr,
        Number(spec.params.ema ?? 0),
        pool,
        keep ? teacher : null,
        teacher.runId,
        refreshEvery,
        keep ? spec.rng.fork() : null
      )
      if (!keep) teacher.model.dispose()
      return model
    } catch (e) {
      teacher.model.dispose()
      throw e
    }
  },
  restore(weights, spec) {
    if (weights.kind !== 'distill')
      throw new ConfigError(`These are ${weights.kind} weights, not distill weights.`)
    const phiJson = weights.phi as MapWeights | undefined
    if (!phiJson?.spec || !('layers' in phiJson || 'params' in phiJson))
      throw new ConfigError('These distill weights hold no one-step map ("phi").')
    const { inDim, outDim } = mapWeightsDims(phiJson)
    if (inDim !== spec.dim || outDim !== spec.dim)
      throw new ConfigError(`These distill weights map ${inDim} → ${outDim}, not ${spec.dim} → ${spec.dim}.`)
    return new DistillModel(
      mapNetFromJSON(phiJson, 'phi'),
      spec.lr,
      Number(weights.ema ?? 0),
      null,
      null,
      String(weights.teacher ?? ''),
      0,
      null
    )
  }
}
