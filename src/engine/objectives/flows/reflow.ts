/**
 * Reflow (Liu et al. 2023, "flow straight and fast"; §4, [26]): flow matching on the coupling a trained flow
 * defines. A pool of pairs (z, χ(z)) from the teacher's flow map χ (eq. (7)) replaces the independent
 * (x₀, x₁) of `cfm`:
 *   x_t = (1 − t) z + t χ(z),   u_t = χ(z) − z,   L = E ‖v_θ(x_t, t) − u_t‖².
 * The coupling is deterministic, so its paths do not cross and the new field is straighter: few Euler steps
 * suffice. Iterating (a reflow run as teacher) gives k-rectified flows. The data batch is not used.
 */
import { ConfigError } from '../../errors'
import { VelocityNet } from '../../models/velocity'
import { choice } from '../../params'
import type { GridSpec } from '../../../shared/samplers'
import { VELOCITY_FIELD } from '../../samplers'
import type { LossContext, ModelObjective, ModelSpec, SamplerId } from '../types'
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
  readVelocityWeights,
  type FlowBatch
} from './common'
import { TEACHER_PARAMS, drawIndices, gatherPairs, loadTeacher, makePairs, type PairPool } from './teacher'

/** One reflow batch: B pairs from the pool, t ~ U[0, 1]. */
export function reflowBatch(pool: PairPool, B: number, ctx: LossContext): FlowBatch {
  const { z, x } = gatherPairs(pool, drawIndices(pool.n, B, ctx.rng))
  const t = ctx.rng.uniforms(B)
  return { x: muT(z, x, t, pool.d), t, target: conditionalFlow(z, x) }
}

export class ReflowModel extends VelocityModel {
  readonly kind = 'reflow'
  readonly samplers = VELOCITY_SAMPLERS
  private readonly pool: PairPool | null
  private readonly teacher: string

  constructor(net: VelocityNet, lr: number, ema: number, pool: PairPool | null, teacher: string) {
    super(net, lr, ema)
    this.pool = pool
    this.teacher = teacher
  }

  protected batch(_y: Float32Array, B: number, ctx: LossContext): FlowBatch {
    if (!this.pool)
      throw new ConfigError('This reflow model was restored for sampling; it holds no pairs to train on.')
    return reflowBatch(this.pool, B, ctx)
  }

  readonly flowField = VELOCITY_FIELD

  timeGrid(_sampler: SamplerId, K: number, grid?: GridSpec): number[] {
    return velocityTimeGrid(K, grid)
  }

  protected override extraJSON(): Record<string, unknown> {
    return { teacher: this.teacher }
  }

  /** Path straightness and transport cost of the straightened flow (diagnostics.ts). */
  evaluate(_heldout: unknown, rng: Rng): Record<string, number> {
    return velocityDiagnostics(this.field, rng)
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
    )
  },
  defaults: { steps: 1000, batch: 256, lr: 2e-3 },
  capabilities: { ortTrain: true, teacher: true },
  async create(spec: ModelSpec) {
    checkNoiseSpec('reflow', spec)
    const teacher = await loadTeacher('reflow', spec)
    try {
      const pool = makePairs(teacher, Number(spec.params.pool ?? 8192), spec.rng)
      const t = teacher.model
      const net =
        spec.params.init !== 'scratch' &&
        t instanceof VelocityModel &&
        (t instanceof CfmModel || t instanceof ReflowModel)
          ? VelocityNet.fromJSON(t.field.toJSON(), 'reflow')
          : createVelocityNet(spec, spec.params, 'reflow')
      return new ReflowModel(net, spec.lr, Number(spec.params.ema ?? 0), pool, teacher.runId)
    } finally {
      teacher.model.dispose()
    }
  },
  restore(weights, spec) {
    if (weights.kind !== 'reflow')
      throw new ConfigError(`These are ${weights.kind} weights, not reflow weights.`)
    const net = VelocityNet.fromJSON(readVelocityWeights('reflow', weights), 'reflow')
    return new ReflowModel(net, spec.lr, Number(weights.ema ?? 0), null, String(weights.teacher ?? ''))
  }
}
