/**
 * The sampler contract (diffusers' schedulers are the model: one small unit per sampler, a declared order,
 * one common test suite). A sampler is a record: its id, title, order, network evaluations, which fields it
 * integrates, and its update rule `step`, written once against `Ops` — the JS sampler (`integrateField`),
 * the ONNX graph (onnx/flow.ts, from a traced `Plan`) and the benchmark's separate calls (`runPlan`) all run
 * that one rule. The time grid is the model's (`FlowModel.timeGrid`): it knows where its time starts and ends.
 */
import type { GridSpacing, SamplerId } from '../../shared/samplers'
import type { Field } from './field'
import type { Ops } from './ops'

/** What one step sees: step k of K, from time t to s, on `field`. */
export interface StepContext<R> {
  k: number
  K: number
  t: number
  s: number
  field: Field
  /** Values kept from step to step (multistep history, first-same-as-last stages). */
  memory: Map<string, R | number>
  /** Set by the adaptive driver: the step should also leave its embedded error estimate in `error`. */
  wantError: boolean
  error?: R
}

export interface Sampler {
  id: Exclude<SamplerId, 'onestep'>
  title: string
  /** Global order of accuracy p: the error at K steps falls as K^−p. */
  order: number
  /** Network evaluations per step on a fixed grid. */
  nfePerStep: number
  /** The fields it integrates (DDIM and DDPM need a noise predictor). */
  fields: readonly Field['kind'][]
  /** Draws fresh noise each step (no transport map, no graph). */
  stochastic?: true
  /** Chooses its own steps (rtol/atol); on a given list of times it steps on them. */
  adaptive?: true
  /**
   * Takes its last step to the data end (σ = 0, e.g. t = 0 of a diffusion) without evaluating the network
   * there; the others stop at the model's last trainable time.
   */
  toDataEnd?: true
  /** The spacing it steps on when neither the user nor the model asks for another (default uniform). */
  spacing?: GridSpacing
  /** One step from c.t to c.s: the new state. */
  step<R>(ops: Ops<R>, x: R, c: StepContext<R>): R
}

/** The velocity dx/dt = a·x + b·net(x, t) at (x, t): one network evaluation. */
export function velocity<R>(ops: Ops<R>, c: Pick<StepContext<R>, 'field'>, x: R, t: number): R {
  return velocityOf(ops, c.field, x, ops.net(x, t), t)
}

/** The velocity a·x + b·e of a network output e = net(x, t) already evaluated. */
export function velocityOf<R>(ops: Ops<R>, field: Field, x: R, e: R, t: number): R {
  const { a, b } = field.ode(t)
  return a === 0 && b === 1
    ? e
    : ops.lin([
        [x, a],
        [e, b]
      ])
}

/** The data prediction x̂ = cx·x + cn·net(x, t) of a network output e = net(x, t). */
export function dataPrediction<R>(ops: Ops<R>, field: Field, x: R, e: R, t: number): R {
  const { cx, cn } = field.data(t)
  return ops.lin([
    [x, cx],
    [e, cn]
  ])
}

/**
 * The noise prediction ε̂ = (x − α·x̂)/σ of a network output e at (x, t), σ_t > 0: an ε-network's own output,
 * or what a velocity or data prediction implies about the noise on the path x_t = α·data + σ·noise.
 */
export function noisePrediction<R>(ops: Ops<R>, field: Field, x: R, e: R, t: number): R {
  if (field.kind === 'eps') return e
  const { cx, cn } = field.data(t)
  const [a, s] = [field.alpha(t), field.sigma(t)]
  return ops.lin([
    [x, (1 - a * cx) / s],
    [e, (-a * cn) / s]
  ])
}

/**
 * Whether a step ends on the data end (σ(s) = 0) of a field whose ODE divides by σ there: a data prediction's
 * (x̂ − x)/(1 − t) (clamped at DATA_FIELD_MIN_GAP) or a noise prediction's ε̂/σ. A velocity field is regular
 * there and is integrated to the end as it is.
 */
export function endsOnData(c: Pick<StepContext<unknown>, 'field' | 's'>): boolean {
  return c.field.kind !== 'velocity' && c.field.sigma(c.s) === 0
}

/**
 * An explicit sampler's step `update` from x, whose first evaluation was e = net(x, t) — or, on a step that
 * ends on the data end of a singular field (`endsOnData`), DDIM's landing on the data prediction x̂(x, t)
 * itself. That is EDM's rule (Karras et al. 2022, Algorithm 1; diffusers' Heun scheduler): the last step onto
 * σ = 0 is taken to first order, since the field cannot be evaluated there — the clamped field would relax
 * toward x̂ over its last 1 − t = 0.05 and stop about e⁻¹ of the way short, keeping a trace of the noise.
 * `update` stays in the result with coefficient 0 (and x̂ in the other steps'), so that the last step records
 * the same ops as the others (the Loop form) and the evaluations it made still count.
 */
export function landOrStep<R>(ops: Ops<R>, c: StepContext<R>, x: R, e: R, update: R): R {
  if (c.field.kind === 'velocity') return update
  // every step of a singular field records both terms, one of them with coefficient 0
  const land = endsOnData(c)
  return ops.lin([
    [update, land ? 0 : 1],
    [dataPrediction(ops, c.field, x, e, c.t), land ? 1 : 0]
  ])
}
