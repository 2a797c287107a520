/**
 * `vae` (§3, variational auto-encoder): the joint model p(z) = N(0, I_k), p(x | z) = N(φ(z), σ² I_d), trained by
 * maximising the evidence lower bound (ELBO, footnote 6) with a Gaussian encoder q(z | x) = N(μ(x), diag e^{v(x)}):
 *   ELBO(x) = E_{z∼q} log p(x | z) − KL(q(· | x) ‖ N(0, I)),
 * the expectation by one reparameterised draw z = μ + e^{v/2} ⊙ ε per point, the KL in closed form.
 *
 * The decoder mean φ: Z → X is the pushforward map: `sample` returns φ(s·z), z ~ N(0, I), *without* the
 * decoder noise σε (the paper's reading of a VAE as a one-step map; set `sampleNoise` for draws of the full
 * model p(x) instead). σ is fixed (`sigma`) or learned per coordinate (`learnSigma`, initialised at `sigma`,
 * floored at `sigmaMin`). `beta` ≠ 1 weights the KL term (β-VAE): the objective is then no longer the ELBO;
 * `klWarmup` ramps the KL weight from 0 over the first part of the run (the usual warm-up).
 *
 * The latent scale s (`sampleScale`; default 0 = matched): the decoder mean is E[x | z] under the posterior,
 * an average over the points a posterior covers, so φ#N(0, I) is a contracted copy of the data (8gaussians:
 * a smaller ring; moons: shorter arcs). By default s is set at the last training step so that φ(s·z) has the
 * total variance of the training batches seen (bisection, fixed draws); s ≈ 1.1–1.2 on the toys. Measured
 * (seed 1, 2000 steps, σ = 0.2, latent 2, held-out energy / Gaussian yard-stick): moons 0.17 (s = 1, no
 * warm-up) → 0.10 (matched s) → 0.044 (matched s, klWarmup 0.3); 8gaussians 0.082 → 0.061 → 0.076.
 * The stored `phi` is the sampling map z ↦ φ(s·z) (s folded into its first layer) so exporters see an
 * ordinary one-step map; `latentScale` records s.
 *
 * `evaluate` returns, per data point in nats (standardised coordinates), the ELBO and the importance-weighted
 * bound IWAE_K = E log (1/K) Σ_k p(x, z_k)/q(z_k | x) (Burda et al. 2016) on the same K draws z_k ~ q(· | x),
 * so ELBO ≤ IWAE_K ≤ log p(x) (the first inequality holds draw by draw, the second in expectation).
 *
 * The decoder is stored as `phi` (MlpWeights) so ONNX export treats a trained VAE as a one-step map.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { Mlp, type MlpWeights } from '../../models/mlp'
import { bool, choice, float, int } from '../../params'
import { Rng } from '../../rng'
import type { ModelConfig } from '../../train/config'
import type { LossContext, ModelObjective, ModelSpec, SampleOptions, TrainableModel } from '../types'
import {
  JsAdam,
  jsAdamStep,
  lrFactor,
  LR_SCHEDULES,
  type LrSchedule,
  checkKind,
  checkOnestep,
  createGenerator,
  logMeanExpRows,
  mean,
  num,
  ONESTEP,
  readMlp,
  restoreVars,
  sampleOneStep,
  snapshotVars
} from '../map-model'
import { mapImageDefaults } from '../image-budget'

const LOG_2PI = Math.log(2 * Math.PI)
/** Points per chunk in `evaluate` (× K draws each). */
const EVAL_POINTS = 512

export interface VaeWeights {
  kind: 'vae'
  /** The decoder mean φ: latentDim → d, a one-step map. */
  phi: MlpWeights
  /** The encoder: d → 2·latentDim (μ, log-variance). */
  encoder: MlpWeights
  /** log σ per data coordinate. */
  logSigma: number[]
  /**
   * The latent scale s of the map: `phi` above is z ↦ φ(s·z) (s folded into its first layer, so that it
   * samples from z ~ N(0, I) like every stored one-step map); the decoder mean φ is `phi` with its first
   * layer divided by s. Absent: 1.
   */
  latentScale?: number
  step: number
  [k: string]: unknown
}

interface VaeSettings {
  beta: number
  klWarmup: number
  sigmaMin: number
  sampleScale: number
  sampleNoise: boolean
  iwaeSamples: number
  schedule: LrSchedule
}

export class VaeModel implements TrainableModel {
  readonly samplers = ONESTEP
  readonly defaultSteps = 1
  private readonly optimizer: JsAdam
  readonly latentDim: number
  readonly dim: number
  /** The latent scale s of the one-step map φ(s·z) (calibrated at the end of training, or fixed). */
  latentScale: number
  /** Streaming sums of the training batches (count, Σy, Σy²) for the calibration. */
  private readonly seen: { n: number; sum: Float64Array; sq: Float64Array }

  constructor(
    readonly phi: Mlp,
    readonly encoder: Mlp,
    readonly logSigma: tf.Variable<tf.Rank.R1>,
    private readonly learnSigma: boolean,
    private readonly model: ModelConfig,
    private readonly s: VaeSettings,
    lr: number,
    private steps = 0,
    latentScale = 1
  ) {
    this.optimizer = new JsAdam(lr)
    this.latentDim = phi.spec.inDim
    this.dim = phi.spec.outDim
    this.latentScale = s.sampleScale > 0 ? s.sampleScale : latentScale
    this.seen = { n: 0, sum: new Float64Array(this.dim), sq: new Float64Array(this.dim) }
  }

  static create(spec: ModelSpec): VaeModel {
    checkVaeSpec(spec)
    const p = spec.params
    const latent = num(p, 'latentDim')
    const m: ModelConfig = latent > 0 ? { ...spec.model, latentDim: latent } : spec.model
    const phi = createGenerator({ ...spec, model: m })
    const encoder = Mlp.create(
      { inDim: spec.dim, outDim: 2 * m.latentDim, width: m.width, depth: m.depth, activation: m.activation },
      spec.rng,
      'encoder'
    )
    const learn = p.learnSigma === true
    const logSigma = tf.tidy(() =>
      tf.variable(
        tf.fill([spec.dim], Math.log(num(p, 'sigma'))) as tf.Tensor1D,
        learn,
        `vae/logSigma_${uid++}`
      )
    )
    return new VaeModel(phi, encoder, logSigma, learn, m, settingsOf(spec), spec.lr)
  }

  static restore(
    w: { kind: string } & Record<string, unknown>,
    spec: Omit<ModelSpec, 'rng' | 'loadRun'>
  ): VaeModel {
    checkKind('vae', w, 'vae')
    const phiW = readMlp('vae', w, 'phi', { outDim: spec.dim })
    const k = phiW.spec.inDim
    const encW = readMlp('vae', w, 'encoder', { inDim: spec.dim, outDim: 2 * k })
    const ls = w.logSigma as number[] | undefined
    if (!Array.isArray(ls) || ls.length !== spec.dim)
      throw new ConfigError(`These vae weights need logSigma with ${spec.dim} values.`)
    const learn = spec.params.learnSigma === true
    const logSigma = tf.tidy(() => tf.variable(tf.tensor1d(ls), learn, `vae/logSigma_${uid++}`))
    const model: ModelConfig = { ...spec.model, latentDim: k, base: 'normal' }
    const step = typeof w.step === 'number' ? w.step : 0
    const scale = typeof w.latentScale === 'number' && w.latentScale > 0 ? w.latentScale : 1
    return new VaeModel(
      Mlp.fromJSON(scaleInput(phiW, 1 / scale), 'phi'),
      Mlp.fromJSON(encW, 'encoder'),
      logSigma,
      learn,
      model,
      settingsOf(spec),
      spec.lr,
      step,
      scale
    )
  }

  /** μ(x), v(x) = log-variance, each [n, k]. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const k = this.latentDim
    const [mu, logvar] = tf.split(this.encoder.apply(x, { inputGrad: false }), [k, k], 1) as [
      tf.Tensor2D,
      tf.Tensor2D
    ]
    return { mu, logvar }
  }

  /** log σ as used by the likelihood: floored at log `sigmaMin` when learned. */
  private effLogSigma(): tf.Tensor1D {
    return this.learnSigma && this.s.sigmaMin > 0
      ? (tf.maximum(this.logSigma, Math.log(this.s.sigmaMin)) as tf.Tensor1D)
      : this.logSigma
  }

  /** log p(x | z) per row [n] for decoder means m [n, d]. */
  private logLik(x: tf.Tensor2D, m: tf.Tensor2D): tf.Tensor1D {
    const ls = this.effLogSigma()
    const r = tf.mul(tf.sub(x, m), tf.exp(tf.neg(ls)))
    return tf.sub(
      tf.mul(tf.sum(tf.square(r), 1), -0.5),
      tf.add(tf.sum(ls), 0.5 * this.dim * LOG_2PI)
    ) as tf.Tensor1D
  }

  /** −ELBO (β-weighted KL) per point, averaged over the batch, with ε [n, k] given. */
  negElbo(x: tf.Tensor2D, eps: tf.Tensor2D, beta = this.s.beta): tf.Scalar {
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x)
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D
      const rec = this.logLik(x, this.phi.apply(z))
      const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), tf.add(logvar, 1)), 1), 0.5)
      return tf.mean(tf.sub(tf.mul(kl, beta), rec)) as tf.Scalar
    })
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number } {
    const n = y.shape[0]
    const eps = ctx.rng.normals(n * this.latentDim)
    const vars = [
      ...this.phi.variables(),
      ...this.encoder.variables(),
      ...(this.learnSigma ? [this.logSigma] : [])
    ]
    const loss = jsAdamStep(
      this.optimizer,
      vars,
      () =>
        this.negElbo(y, tf.tensor2d(eps, [n, this.latentDim]), this.s.beta * klWeight(this.s.klWarmup, ctx)),
      lrFactor(this.s.schedule, ctx.step, ctx.steps)
    )
    this.steps++
    this.observe(y)
    if (this.s.sampleScale === 0 && ctx.step + 1 === ctx.steps) this.calibrate()
    return { loss }
  }

  /** Adds a training batch to the streaming moments. */
  private observe(y: tf.Tensor2D): void {
    const v = y.dataSync() as Float32Array
    const d = this.dim
    const { sum, sq } = this.seen
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!
      sum[i % d] = sum[i % d]! + x
      sq[i % d] = sq[i % d]! + x * x
    }
    this.seen.n += v.length / d
  }

  /** Total variance Σ_j Var(x_j) of the map's samples at latent scale s, on fixed draws z [m, k]. */
  private sampleVariance(z: tf.Tensor2D, s: number): number {
    const x = tf.tidy(() => {
      const out = this.phi.apply(tf.mul(z, s) as tf.Tensor2D)
      const { variance } = tf.moments(out, 0)
      return tf.sum(variance)
    })
    const v = x.dataSync()[0]!
    x.dispose()
    return v
  }

  /**
   * Matches the map's spread to the data's: picks s so that φ(s·z), z ~ N(0, I), has the total variance of
   * the training batches seen. The decoder mean is E[x | z] under the posterior, which averages the points
   * a posterior covers: φ#N(0, I) is contracted towards the data's "spine" (8gaussians: the ring's radius
   * shrinks; moons: the arcs shorten), and s ≈ 1.05–1.2 undoes it (held-out energy on moons 0.13 → 0.07 of
   * the Gaussian yard-stick at s = 1.1). Bisection on s ∈ [¼, 4] with 4096 fixed draws.
   */
  calibrate(): number {
    const { n, sum, sq } = this.seen
    if (n < 2) return this.latentScale
    let target = 0
    for (let j = 0; j < this.dim; j++) target += sq[j]! / n - (sum[j]! / n) ** 2
    const z = tf.tensor2d(new Rng(CALIBRATION_SEED).normals(CALIBRATION_DRAWS * this.latentDim), [
      CALIBRATION_DRAWS,
      this.latentDim
    ])
    try {
      let lo = 0.25
      let hi = 4
      if (this.sampleVariance(z, lo) >= target) return (this.latentScale = lo)
      if (this.sampleVariance(z, hi) <= target) return (this.latentScale = hi)
      for (let it = 0; it < 30; it++) {
        const mid = 0.5 * (lo + hi)
        if (this.sampleVariance(z, mid) < target) lo = mid
        else hi = mid
      }
      return (this.latentScale = 0.5 * (lo + hi))
    } finally {
      z.dispose()
    }
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    checkOnestep('vae', opts)
    const out = sampleOneStep(this.phi, this.model, n, rng, this.latentScale)
    if (this.s.sampleNoise) {
      const sig = Array.from(this.effLogSigma().dataSync(), Math.exp)
      const d = this.dim
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + sig[i % d]! * rng.normal()
    }
    return out
  }

  /**
   * Per held-out point (nats): the ELBO (mean over K draws of log p(x, z)/q(z | x)) and IWAE_K (log of their
   * mean), K = `iwaeSamples`.
   */
  evaluate(heldout: { n: number; d: number; data: Float32Array }, rng: Rng): Record<string, number> {
    const K = this.s.iwaeSamples
    const d = this.dim
    const k = this.latentDim
    const elbos: number[] = []
    const iwaes: number[] = []
    for (let start = 0; start < heldout.n; start += EVAL_POINTS) {
      const m = Math.min(EVAL_POINTS, heldout.n - start)
      const eps = rng.normals(m * K * k)
      const lw = tf.tidy(() => {
        const x = tf.tensor2d(heldout.data.subarray(start * d, (start + m) * d), [m, d])
        const { mu, logvar } = this.encode(x)
        const rep = (t: tf.Tensor2D): tf.Tensor2D =>
          tf.reshape(tf.tile(tf.expandDims(t, 1), [1, K, 1]), [m * K, t.shape[1]])
        const e = tf.tensor2d(eps, [m * K, k])
        const lv = rep(logvar)
        const z = tf.add(rep(mu), tf.mul(tf.exp(tf.mul(lv, 0.5)), e)) as tf.Tensor2D
        const logPxz = this.logLik(rep(x), this.phi.apply(z))
        const logPz = tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * k * LOG_2PI)
        const logQ = tf.sub(tf.mul(tf.sum(tf.add(tf.square(e), lv), 1), -0.5), 0.5 * k * LOG_2PI)
        return tf.sub(tf.add(logPxz, logPz), logQ)
      })
      const v = lw.dataSync() as Float32Array
      lw.dispose()
      const iw = logMeanExpRows(v, m, K)
      for (let i = 0; i < m; i++) {
        let s = 0
        for (let j = 0; j < K; j++) s += v[i * K + j]!
        elbos.push(s / K)
        iwaes.push(iw[i]!)
      }
    }
    return { elbo: mean(elbos), iwae: mean(iwaes) }
  }

  toJSON(): VaeWeights {
    return {
      kind: 'vae',
      phi: scaleInput(this.phi.toJSON(), this.latentScale),
      encoder: this.encoder.toJSON(),
      logSigma: Array.from(this.logSigma.dataSync()),
      latentScale: this.latentScale,
      sampleNoise: this.s.sampleNoise,
      step: this.steps
    }
  }

  private vars(): tf.Variable[] {
    return [...this.phi.variables(), ...this.encoder.variables(), this.logSigma]
  }

  /** The variables, then the latent scale (calibrated at the last step, so a rollback must undo it too). */
  snapshot(): tf.Tensor[] {
    return [...snapshotVars(this.vars()), tf.tensor1d([this.latentScale])]
  }

  restore(snap: tf.Tensor[]): void {
    const vars = this.vars()
    restoreVars(vars, snap.slice(0, vars.length))
    this.latentScale = snap[vars.length]!.dataSync()[0]!
  }

  dispose(): void {
    this.phi.dispose()
    this.encoder.dispose()
    this.logSigma.dispose()
  }
}

let uid = 0
const CALIBRATION_SEED = 0x5ca1e
const CALIBRATION_DRAWS = 4096

/** An MLP's weights with its input scaled by s: x ↦ f(s·x) (the first layer's W times s). */
export function scaleInput(w: MlpWeights, s: number): MlpWeights {
  if (s === 1) return w
  const [first, ...rest] = w.layers
  return { ...w, layers: [{ ...first!, w: first!.w.map((v) => v * s) }, ...rest] }
}

/** The KL weight's warm-up factor: linear from 0 to 1 over the first `warmup` fraction of the run. */
export function klWeight(warmup: number, ctx: Pick<LossContext, 'step' | 'steps'>): number {
  if (!(warmup > 0) || ctx.steps <= 1) return 1
  return Math.min(1, (ctx.step + 1) / (warmup * ctx.steps))
}

function settingsOf(spec: Pick<ModelSpec, 'params'>): VaeSettings {
  const p = spec.params
  return {
    beta: num(p, 'beta'),
    klWarmup: num(p, 'klWarmup'),
    sigmaMin: num(p, 'sigmaMin'),
    sampleScale: num(p, 'sampleScale'),
    sampleNoise: p.sampleNoise === true,
    iwaeSamples: num(p, 'iwaeSamples'),
    schedule: p.schedule === 'cosine' ? 'cosine' : 'constant'
  }
}

function checkVaeSpec(spec: Pick<ModelSpec, 'model'>): void {
  if (spec.model.base !== 'normal')
    throw new ConfigError(`vae's prior p(z) is N(0, I); the "${spec.model.base}" base does not apply.`)
}

export const vae: ModelObjective = {
  kind: 'model',
  id: 'vae',
  family: 'density',
  title: 'Variational auto-encoder',
  paper: '§3 (ELBO, footnote 6)',
  summary:
    'Maximises the ELBO E_q log p(x|z) − KL(q(z|x) ‖ N(0, I)) with p(x|z) = N(φ(z), σ²I) and a Gaussian encoder q.\n' +
    'The decoder mean φ is the one-step map: samples are φ(z), z ~ N(0, I), without decoder noise by default.',
  params: {
    latentDim: int(0, 0, 256, "Latent dimension k of z (0: the run's latent dimension)."),
    sigma: float(
      0.2,
      1e-3,
      10,
      'Decoder standard deviation σ (standardised units; the initial value if learned). Larger σ weights the ' +
        'KL term more, so fewer prior regions decode between modes (8gaussians, matched scale, 2000 steps: ' +
        '0.15 → 0.14–0.17, 0.2 → 0.05–0.08 × the Gaussian yard-stick).',
      true
    ),
    learnSigma: bool(false, 'Learn σ per coordinate instead of keeping it fixed.'),
    beta: float(1, 0, 100, 'Weight of the KL term (1 = the ELBO; other values give a β-VAE).'),
    klWarmup: float(
      0.3,
      0,
      1,
      'Fraction of the run over which the KL weight ramps linearly from 0 to beta (KL warm-up; 0: off). ' +
        'Moons: 0.3 → 0.044 × the Gaussian yard-stick, 0 → 0.10 (σ = 0.2, matched scale, 2000 steps).'
    ),
    sigmaMin: float(0, 0, 10, 'Floor of the learned σ (learnSigma; 0: none).'),
    sampleScale: float(
      0,
      0,
      4,
      'Latent scale s of the one-step map φ(s·z), z ~ N(0, I). 0: matched — chosen at the end of training ' +
        "so that the samples' total variance equals the data's (the decoder mean contracts the data)."
    ),
    sampleNoise: bool(false, 'Add the decoder noise σε to samples (draws of p(x) rather than the map φ).'),
    iwaeSamples: int(64, 1, 4096, 'Importance samples K of the IWAE bound reported by evaluation.'),
    schedule: choice(
      'constant',
      LR_SCHEDULES,
      'Learning-rate schedule over the run: constant, or cosine decay to 5%.'
    )
  },
  defaults: { steps: 2000, batch: 256, lr: 3e-3 },
  imageDefaults: mapImageDefaults(3000, 256),
  async create(spec) {
    return VaeModel.create(spec)
  },
  restore(weights, spec) {
    return VaeModel.restore(weights, spec)
  }
}
