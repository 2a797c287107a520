/**
 * Objective contract. An objective is declared once here — id, family, paper section, hyper-parameters —
 * and the CLI (`pfm objectives`, `--set`), the UI forms and the training loop are generated from it.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { ParamSpecs, ParamValues } from '../params'
import type { Rng } from '../rng'

export type Family = 'statistics' | 'density' | 'flows'

export interface LossContext {
  /** The run's seeded generator (draw projections, frequencies, … from it — never Math.random). */
  rng: Rng
  /** Current step (0-based) and the total number of steps. */
  step: number
  steps: number
}

/** Budget an objective trains well with on `8gaussians` on this CPU; the CLI's defaults. */
export interface TrainDefaults {
  steps: number
  batch: number
  lr: number
}

interface ObjectiveBase {
  id: string
  family: Family
  title: string
  /** Paper reference, e.g. "§2, eq. (3)". */
  paper: string
  /** Two lines for a researcher: what it minimises and why. */
  summary: string
  params: ParamSpecs
  defaults: TrainDefaults
}

/**
 * A statistics-matching objective: a discrepancy D(φ#ν, μ₁) estimated from a generated batch `x`
 * (= φ(z), differentiable) and a data batch `y` (constant), both [B, d] in standardised coordinates.
 * Must be a pure function of its inputs plus draws from `ctx.rng`; returns a scalar to minimise.
 */
export interface PushforwardObjective extends ObjectiveBase {
  kind: 'pushforward'
  loss(x: tf.Tensor2D, y: tf.Tensor2D, p: ParamValues, ctx: LossContext): tf.Scalar
}

export type Objective = PushforwardObjective
