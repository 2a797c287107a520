/**
 * Reflow (Liu et al. 2023, "flow straight and fast"; §4, [26]): flow matching on the coupling a trained flow
 * defines. A pool of pairs (z, χ(z)) from the teacher's flow map χ (eq. (7)) replaces the independent
 * (x₀, x₁) of `cfm`:
 *   x_t = (1 − t) z + t χ(z),   u_t = χ(z) − z,   L = E ‖v_θ(x_t, t) − u_t‖².
 * The coupling is deterministic, so its paths do not cross and the new field is straighter: few Euler steps
 * suffice. The data batch is not used.
 *
 * k-rectified flow in one run (`rounds` = k): the steps are split into k rounds; at the start of each round
 * after the first the pool is regenerated with the model as it stands (same size, the teacher's sampler and K,
 * fresh noise), so round r learns the coupling of round r − 1's flow. Each round's path straightness (Euler,
 * diagnostics.ts) is logged when the round ends and stored with the run's figures as `straightnessRound<r>`.
 * (A reflow run as the teacher of another does the same across runs.)
 */
import { ConfigError } from '../../errors'
import { archOf, isUnetWeights, timeNetFromJSON, type TimeNet } from '../../models/nets'
import { choice, int } from '../../params'
import type { GridSpec } from '../../../shared/samplers'
import { VELOCITY_FIELD } from '../../samplers'
import type { LossContext, ModelObjective, ModelSpec, RegressionSpec, SamplerId } from '../types'
import type { TrainState } from '../../train/train-state'
import {
  conditionalFlow,
  muT,
  velocityDiagnostics,
  velocityTimeGrid,
  VELOCITY_SAMPLERS,
  CfmModel
} from './cfm'
import type { Rng } from '../../rng'
import {
  VELOCITY_PARAMS,
  VelocityModel,
  checkNoiseSpec,
  createVelocityNet,
  readVelocityNet,
  type FlowBatch
} from './common'
import {
  TEACHER_PARAMS,
  drawIndices,
  firstPool,
  poolWatch,
  gatherPairs,
  loadTeacher,
  logDropped,
  makePairs,
  type PairPool,
  type Teacher
} from './teacher'

/** The first step of round r (0-based) when `steps` are split into `rounds` rounds (the last may be short). */
export function roundStart(r: number, steps: number, rounds: number): number {
  return r * Math.ceil(steps / rounds)
}

/** How a multi-round run regenerates its pairs: the teacher's sampler and K, its own noise stream, its log. */
export interface ReflowRounds {
  rounds: number
  /** Pairs each round asks for (the pool's size before diverged pairs are left out). */
  pairs: number
  opts: Teacher['opts']
  rng: Rng
  log?: (message: string) => void
}

/** One reflow batch: B pairs from the pool, t ~ U[0, 1]. */
export function reflowBatch(pool: PairPool, B: number, ctx: LossContext): FlowBatch {
  const { z, x } = gatherPairs(pool, drawIndices(pool.n, B, ctx.rng))
  const t = ctx.rng.uniforms(B)
  return { x: muT(z, x, t, pool.d), t, target: conditionalFlow(z, x) }
}

export class ReflowModel extends VelocityModel {
  readonly kind = 'reflow'
  readonly samplers = VELOCITY_SAMPLERS
  private pool: PairPool | null
  private readonly teacher: string
  /** Straightness at the end of each finished round (multi-round runs). */
  private readonly roundStraightness: number[] = []

  constructor(
    net: TimeNet,
    lr: number,
    ema: number,
    pool: PairPool | null,
    teacher: string,
    private readonly rounds: ReflowRounds | null = null
  ) {
    super(net, lr, ema)
    this.pool = pool
    this.teacher = teacher
  }

  /** True at the first step of rounds 2 … k: the batch regenerates the pool from the current weights. */
  private roundBoundary(ctx: LossContext): number {
    const k = this.rounds?.rounds ?? 1
    for (let r = 1; r < k; r++) if (ctx.step === roundStart(r, ctx.steps, k)) return r
    return 0
  }

  protected batch(_y: Float32Array, B: number, ctx: LossContext): FlowBatch {
    if (!this.pool)
      throw new ConfigError('This reflow model was restored for sampling; it holds no pairs to train on.')
    const r = this.roundBoundary(ctx)
    if (r > 0 && this.rounds) this.nextRound(r)
    return reflowBatch(this.pool, B, ctx)
  }

  /** Ends round r (1-based: the one just trained): measures and logs it, then regenerates the pool with it. */
  private nextRound(r: number): void {
    const { opts, rng, log, rounds, pairs } = this.rounds!
    const s = velocityDiagnostics(this, rng.fork()).straightness!
    this.roundStraightness.push(s)
    log?.(
      `reflow round ${r} of ${rounds}: path straightness ${s.toPrecision(4)}; new pairs from this round's flow`
    )
    this.pool = makePairs({ runId: '', objective: 'reflow', model: this, opts }, pairs, rng)
    logDropped(`reflow round ${r + 1}`, this.pool, log)
  }

  override regression(): RegressionSpec {
    return { ...super.regression(), readsWeights: (ctx) => this.roundBoundary(ctx) > 0 }
  }

  /** Several rounds: no state to resume from (the regenerated pool is not checkpointed). */
  override trainState(): TrainState | null {
    return (this.rounds?.rounds ?? 1) > 1 ? null : super.trainState()
  }

  readonly flowField = VELOCITY_FIELD

  timeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[] {
    return velocityTimeGrid(sampler, K, grid)
  }

  protected override extraJSON(): Record<string, unknown> {
    return { teacher: this.teacher }
  }

  /**
   * Path straightness and transport cost of the straightened flow (diagnostics.ts); in a multi-round run also
   * each round's straightness, `straightnessRound<r>` (the last round's is the run's own).
   */
  evaluate(_heldout: unknown, rng: Rng): Record<string, number> {
    const own = velocityDiagnostics(this, rng)
    if (!this.rounds || this.rounds.rounds < 2) return own
    const per: Record<string, number> = {}
    this.roundStraightness.forEach((s, i) => (per[`straightnessRound${i + 1}`] = s))
    per[`straightnessRound${this.roundStraightness.length + 1}`] = own.straightness!
    return { ...own, ...per }
  }
}

export const reflow: ModelObjective = {
  kind: 'model',
  id: 'reflow',
  family: 'flows',
  title: 'Reflow (rectified flow on a teacher coupling)',
  paper: '§4, eq. (7), [26]',
  summary:
    "Flow matching on pairs (z, χ(z)) from a trained flow's map: the coupling is deterministic, so the\n" +
    'new paths do not cross and the field is straighter — few integration steps, and a better start for distill.',
  params: {
    ...VELOCITY_PARAMS,
    ...TEACHER_PARAMS,
    init: choice(
      'teacher',
      ['teacher', 'scratch'],
      "Start from the teacher's velocity network (cfm, ot-cfm, reflow teachers) or from scratch (always for ddpm)."
    ),
    rounds: int(
      1,
      1,
      16,
      "Rounds k of k-rectified flow: the steps split into k rounds, each on pairs from the previous round's flow."
    )
  },
  defaults: { steps: 1000, batch: 256, lr: 2e-3 },
  capabilities: { ortTrain: true, teacher: true, archs: ['unet'] },
  async create(spec: ModelSpec) {
    checkNoiseSpec('reflow', spec)
    const teacher = await loadTeacher('reflow', spec)
    try {
      const pairs = Number(spec.params.pool ?? 8192)
      const pool = await firstPool(teacher, pairs, spec.rng, poolWatch('reflow', spec))
      logDropped('reflow', pool, spec.log)
      const t = teacher.model
      const fromTeacher =
        spec.params.init !== 'scratch' &&
        t instanceof VelocityModel &&
        (t instanceof CfmModel || t instanceof ReflowModel)
      const teacherNet = fromTeacher ? t.field.toJSON() : null
      const teacherArch = isUnetWeights(teacherNet) ? 'unet' : 'mlp'
      if (teacherNet && teacherArch !== archOf(spec.model))
        throw new ConfigError(
          `reflow starts from its teacher's ${teacherArch} network; use --arch ${teacherArch} or --set init=scratch.`
        )
      const net = teacherNet
        ? timeNetFromJSON(teacherNet, 'reflow')
        : createVelocityNet(spec, spec.params, 'reflow')
      const rounds = Number(spec.params.rounds ?? 1)
      return new ReflowModel(
        net,
        spec.lr,
        Number(spec.params.ema ?? 0),
        pool,
        teacher.runId,
        rounds > 1
          ? {
              rounds,
              pairs,
              // The teacher's integration where this flow offers its sampler (on a velocity field DDIM is Euler).
              opts: VELOCITY_SAMPLERS.includes(teacher.opts.sampler)
                ? teacher.opts
                : { sampler: VELOCITY_SAMPLERS[0]!, steps: teacher.opts.steps },
              rng: spec.rng.fork(),
              ...(spec.log ? { log: spec.log } : {})
            }
          : null
      )
    } finally {
      teacher.model.dispose()
    }
  },
  restore(weights, spec) {
    if (weights.kind !== 'reflow')
      throw new ConfigError(`These are ${weights.kind} weights, not reflow weights.`)
    const net = readVelocityNet('reflow', weights)
    return new ReflowModel(net, spec.lr, Number(weights.ema ?? 0), null, String(weights.teacher ?? ''))
  }
}
