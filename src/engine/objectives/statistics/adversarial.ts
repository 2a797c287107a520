/**
 * Adversarial training (§2, eq. (2)): the maximum formulation D∞(μ, μ₁; F) = sup_{f∈F} ⟨f | μ − μ₁⟩ with the
 * test function f learned by a critic network, alternated with descent steps on the generator φ.
 * - `gan`: F = functions into (0, 1) through a sigmoid, the Jensen–Shannon game of Goodfellow et al. with the
 *   non-saturating generator loss −log D(φ(z)); optionally the R1 penalty γ/2·E‖∇f(y)‖² on data (`r1`),
 *   which makes the game locally convergent (Mescheder et al. 2018).
 * - `wgan-gp`: F ≈ 1-Lipschitz functions (the W₁ case of eq. (2), Kantorovich duality), the Lipschitz
 *   constraint imposed softly by the gradient penalty λ E(‖∇f(x̂)‖ − 1)² on random interpolates x̂
 *   (Gulrajani et al. 2017).
 *
 * Samples come from an exponential moving average of the generator's iterates (`ema`, Polyak averaging): the
 * last iterate of a min–max game circles around the solution (footnote 3 in miniature), its average much less.
 *
 * The penalty differentiates ∇ₓf with respect to the critic's weights: a `tf.grad` nested inside the outer
 * `tf.variableGrads`. tfjs records the inner backward pass on the outer tape, so this works — with one caveat:
 * tfjs links a saved *output* of an op back to its producer only through a clone that precedes it on the tape,
 * which the backward pass then drops, so the second-order terms that flow through a saved activation output
 * (tanh's 1 − y², SiLU's σ(z)) are silently lost — with tfjs's own ops and with models/dense.ts alike. With a
 * piecewise-linear activation the activation's derivative is locally constant and nothing is lost: the critic
 * is therefore a leaky-ReLU MLP (models/dense.ts fast path), and tests/engine/statistics/adversarial.test.ts checks
 * the penalty's weight gradient against finite differences.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { Mlp, type MlpWeights } from '../../models/mlp'
import { float, int, type ParamSpecs, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import type { ModelConfig } from '../../train/config'
import type { LossContext, ModelSpec, SampleOptions, TrainableModel } from '../types'
import {
  JsAdam,
  jsAdamStep,
  baseTensor,
  checkKind,
  checkOnestep,
  createGenerator,
  num,
  ONESTEP,
  readMlp,
  restoreVars,
  sampleOneStep,
  snapshotVars,
  WeightAverage
} from '../map-model'

export type AdversarialId = 'gan' | 'wgan-gp'

/** The critic's activation: piecewise linear, so the gradient penalty's second-order terms are exact. */
export const CRITIC_ACTIVATION = 'leaky-relu' as const

/** Parameters both adversarial objectives declare (defaults differ, so they are built per objective). */
export function adversarialParams(d: {
  criticLr: number
  criticSteps: number
  beta1: number
  beta2: number
  criticWidth: number
  criticDepth: number
  ema: number
}): ParamSpecs {
  return {
    criticLr: float(
      d.criticLr,
      1e-6,
      1,
      'Learning rate of the critic (the run lr is the generator’s): a faster critic tracks the sup of eq. (2).',
      true
    ),
    criticSteps: int(d.criticSteps, 1, 50, 'Critic updates per generator update (on the same data batch).'),
    beta1: float(d.beta1, 0, 0.999, 'Adam β₁ of both players; 0.5 damps the oscillations of the game.'),
    beta2: float(d.beta2, 0, 0.99999, 'Adam β₂ of both players.'),
    criticWidth: int(d.criticWidth, 4, 4096, 'Hidden width of the critic (leaky-ReLU MLP).'),
    criticDepth: int(d.criticDepth, 1, 16, 'Hidden layers of the critic.'),
    ema: float(
      d.ema,
      0,
      0.99999,
      'Decay of the moving average of the generator weights that samples and is stored as phi (0: the last iterate).'
    )
  }
}

/** Mean (‖∇ₓf(x̂_i)‖ − 1)² over the rows of x̂ [B, d]; differentiable in f's weights (second order). */
export function gradientPenalty(critic: (x: tf.Tensor2D) => tf.Tensor2D, xhat: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    // f acts row by row, so the gradient of Σ_i f(x̂_i) has ∇f(x̂_i) as its row i.
    const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor2D)))(xhat)
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12))
    return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar
  })
}

/** Mean ‖∇ₓf(y_i)‖² over the rows of y (the R1 penalty of Mescheder et al. 2018); second order like the above. */
export function gradientSquaredNorm(critic: (x: tf.Tensor2D) => tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor2D)))(y)
    return tf.mul(tf.sum(tf.square(g)), 1 / y.shape[0]) as tf.Scalar
  })
}

/** x̂ = ε y + (1 − ε) x with one ε ~ U(0, 1) per row. */
export function interpolate(x: tf.Tensor2D, y: tf.Tensor2D, eps: Float32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const e = tf.tensor2d(eps, [eps.length, 1])
    return tf.add(tf.mul(e, y), tf.mul(tf.sub(1, e), x)) as tf.Tensor2D
  })
}

/**
 * What runs/<id>/weights.json holds for `gan` / `wgan-gp`: the map that samples as `phi` (a one-step map: the
 * averaged generator when `ema` > 0), the raw generator iterate (to resume training) and the critic.
 */
export interface AdversarialWeights {
  kind: AdversarialId
  phi: MlpWeights
  generator?: MlpWeights
  critic?: MlpWeights
  step: number
  [k: string]: unknown
}

interface Settings {
  lr: number
  criticLr: number
  criticSteps: number
  beta1: number
  beta2: number
  lambda: number
  r1: number
}

function settingsOf(id: AdversarialId, p: ParamValues, lr: number): Settings {
  return {
    lr,
    criticLr: num(p, 'criticLr'),
    criticSteps: num(p, 'criticSteps'),
    beta1: num(p, 'beta1'),
    beta2: num(p, 'beta2'),
    lambda: id === 'wgan-gp' ? num(p, 'lambda') : 0,
    r1: id === 'gan' ? num(p, 'r1') : 0
  }
}

export class AdversarialModel implements TrainableModel {
  readonly samplers = ONESTEP
  readonly defaultSteps = 1
  private readonly optG: JsAdam
  private readonly optD: JsAdam
  private steps = 0

  /**
   * `generator` is the trained iterate; `average` (when `ema` > 0) its moving average, which samples.
   */
  constructor(
    readonly id: AdversarialId,
    readonly generator: Mlp,
    private readonly average: WeightAverage | null,
    readonly critic: Mlp | null,
    private readonly model: ModelConfig,
    private readonly s: Settings,
    steps = 0
  ) {
    this.optG = new JsAdam(s.lr, s.beta1, s.beta2)
    this.optD = new JsAdam(s.criticLr, s.beta1, s.beta2)
    this.steps = steps
  }

  /** The one-step map that samples and is stored as `phi`. */
  get phi(): Mlp {
    return this.average?.avg ?? this.generator
  }

  static create(id: AdversarialId, spec: ModelSpec): AdversarialModel {
    const p = spec.params
    const gen = createGenerator(spec, 'generator')
    const critic = Mlp.create(
      {
        inDim: spec.dim,
        outDim: 1,
        width: num(p, 'criticWidth'),
        depth: num(p, 'criticDepth'),
        activation: CRITIC_ACTIVATION
      },
      spec.rng,
      'critic'
    )
    const ema = num(p, 'ema')
    const average = ema > 0 ? WeightAverage.of(gen, ema, 'phi') : null
    return new AdversarialModel(id, gen, average, critic, spec.model, settingsOf(id, p, spec.lr))
  }

  static restore(
    id: AdversarialId,
    w: { kind: string } & Record<string, unknown>,
    spec: Omit<ModelSpec, 'rng' | 'loadRun'>
  ): AdversarialModel {
    checkKind(id, w, id)
    const phiW = readMlp(id, w, 'phi', { outDim: spec.dim })
    const critic = w.critic
      ? Mlp.fromJSON(readMlp(id, w, 'critic', { inDim: spec.dim, outDim: 1 }), 'critic')
      : null
    const model: ModelConfig = { ...spec.model, latentDim: phiW.spec.inDim }
    const step = typeof w.step === 'number' ? w.step : 0
    const ema = num(spec.params, 'ema')
    // the averaged map is `phi`; the raw iterate, when stored, resumes training
    const gen = Mlp.fromJSON(
      w.generator ? readMlp(id, w, 'generator', { outDim: spec.dim }) : phiW,
      'generator'
    )
    const average = ema > 0 || w.generator ? new WeightAverage(Mlp.fromJSON(phiW, 'phi'), ema) : null
    return new AdversarialModel(id, gen, average, critic, model, settingsOf(id, spec.params, spec.lr), step)
  }

  /** The critic's loss on generated x and data y (both constant here): the negated inner objective of eq. (2). */
  criticLoss(
    critic: Mlp,
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    eps: Float32Array | null
  ): { loss: tf.Scalar; parts: tf.Scalar[] } {
    const B = x.shape[0]
    const out = critic.apply(tf.concat([x, y], 0), { inputGrad: false })
    const [fx, fy] = tf.split(out, [B, y.shape[0]], 0) as [tf.Tensor2D, tf.Tensor2D]
    if (this.id === 'gan') {
      // −E log σ(f(y)) − E log(1 − σ(f(x))) = E softplus(−f(y)) + E softplus(f(x))
      const loss = tf.add(tf.mean(tf.softplus(tf.neg(fy))), tf.mean(tf.softplus(fx))) as tf.Scalar
      if (this.s.r1 <= 0) return { loss, parts: [] }
      const r1 = gradientSquaredNorm((t) => critic.apply(t), y)
      return { loss: tf.add(loss, tf.mul(r1, this.s.r1 / 2)) as tf.Scalar, parts: [r1] }
    }
    const w1 = tf.sub(tf.mean(fy), tf.mean(fx)) as tf.Scalar
    const gp = gradientPenalty((t) => critic.apply(t), interpolate(x, y, eps!))
    return { loss: tf.add(tf.neg(w1), tf.mul(gp, this.s.lambda)) as tf.Scalar, parts: [w1, gp] }
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number; extra?: Record<string, number> } {
    const critic = this.critic
    if (!critic)
      throw new ConfigError(`These ${this.id} weights hold no critic: the model can sample but not train.`)
    const B = y.shape[0]
    let criticLoss = NaN
    let w1 = NaN
    let gp = NaN
    for (let k = 0; k < this.s.criticSteps; k++) {
      // φ(z) off the tape: the critic's update treats generated points as data.
      const x = tf.tidy(() => this.generator.apply(baseTensor(this.model, ctx.rng, B)))
      const eps = this.id === 'wgan-gp' ? ctx.rng.uniforms(B) : null
      let parts: number[] = []
      try {
        criticLoss = jsAdamStep(this.optD, critic.variables(), () => {
          const r = this.criticLoss(critic, x, y, eps)
          // read the parts out before tidy releases them (values only, off the gradient path)
          parts = r.parts.map((t) => t.dataSync()[0]!)
          return r.loss
        })
      } finally {
        x.dispose()
      }
      // wgan-gp: [W₁ estimate, gradient penalty]; gan with R1: [R1 penalty]
      if (parts.length) [w1, gp] = [parts[0]!, parts[1] ?? NaN]
      if (!Number.isFinite(criticLoss)) return { loss: criticLoss }
    }
    const genLoss = jsAdamStep(this.optG, this.generator.variables(), () => {
      const fx = critic.apply(this.generator.apply(baseTensor(this.model, ctx.rng, B)))
      // gan: non-saturating −E log σ(f(φ(z))); wgan-gp: −E f(φ(z))
      return (this.id === 'gan' ? tf.mean(tf.softplus(tf.neg(fx))) : tf.neg(tf.mean(fx))) as tf.Scalar
    })
    if (Number.isFinite(genLoss)) this.average?.update(this.generator)
    this.steps++
    if (this.id === 'gan')
      return { loss: genLoss, extra: { criticLoss, ...(this.s.r1 > 0 ? { r1Penalty: w1 } : {}) } }
    // W₁ estimate E f(y) − E f(φ(z)) of the last critic update: the quantity eq. (2) minimises.
    return {
      loss: Number.isFinite(genLoss) ? w1 : genLoss,
      extra: { criticLoss, gradientPenalty: gp, generatorLoss: genLoss }
    }
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    checkOnestep(this.id, opts)
    return sampleOneStep(this.phi, this.model, n, rng)
  }

  toJSON(): AdversarialWeights {
    return {
      kind: this.id,
      phi: this.phi.toJSON(),
      ...(this.average ? { generator: this.generator.toJSON() } : {}),
      ...(this.critic ? { critic: this.critic.toJSON() } : {}),
      base: this.model.base,
      step: this.steps
    }
  }

  private vars(): tf.Variable[] {
    return [
      ...this.generator.variables(),
      ...(this.average?.avg.variables() ?? []),
      ...(this.critic?.variables() ?? [])
    ]
  }

  snapshot(): tf.Tensor[] {
    return snapshotVars(this.vars())
  }

  restore(snap: tf.Tensor[]): void {
    restoreVars(this.vars(), snap)
  }

  dispose(): void {
    this.generator.dispose()
    this.average?.avg.dispose()
    this.critic?.dispose()
  }
}
