/**
 * MeanFlow (Geng et al. 2025, "Mean flows for one-step generative modeling"), in the flows' direction (t = 0
 * noise, t = 1 data, straight paths x_t = (1 − t) x₀ + t x₁ as in cfm). The network predicts the average
 * velocity over [t, s], u(x_t, t, s) = (1/(s − t)) ∫_t^s v(x_τ, τ) dτ. Differentiating (s − t)·u = ∫_t^s v dτ
 * in t gives the MeanFlow identity (their eq. (6), with r ↔ s and the time reversed)
 *   u(x_t, t, s) = v(x_t, t) + (s − t) · d/dt u(x_t, t, s),   d/dt u = ∂_x u · v + ∂_t u,
 * whose right-hand side, with an estimate of v and the network's own derivative, is the regression target (a
 * stop-gradient: computed off the tape). The total derivative d/dt is one forward-mode
 * Jacobian-vector product of the network along the tangent (ẋ, ṫ, ḣ) = (v, 1, −1) — exact
 * (models/mlp-jvp.ts), h = s − t being the network's second time input. Rows with s = t are plain flow
 * matching. Sampling is x = z + u(z, 0, 1): one network evaluation.
 *
 * The velocity v (`velocity`): the paper regresses on the conditional x₁ − x₀ of each row, an unbiased but
 * noisy stand-in for the marginal E[x₁ − x₀ | x_t]; the target is linear in v (through the tangent too), so a
 * lower-variance estimate of the marginal serves as well. By default it is the batch's (`batchVelocity`: the
 * posterior mean of x₁ over the batch's data rows, as in the stable target field of Xu et al. 2023), nearly
 * noise-free near the noise end where the one-step map starts and the row's own x₁ near the data end. It
 * halved the one-step error at the same cost (moons 0.22 / 0.20 → 0.10 / 0.08 at p = ½, 2 seeds × 4 draws,
 * docs/benchmarks.md) without copying training points (memorisation ratio 2.3–2.9, as before). It costs B²·d
 * per batch: `conditional` for large batches of high-dimensional data, where the posterior is the row anyway.
 *
 * Loss weighting: MeanFlow's adaptive weight w = 1/(‖Δ‖² + c)^p (p = `adaptive`, c = 10⁻³), Δ the residual
 * before the step, keeps the rare large residuals of a noisy JVP target from dominating (p = ½ is the
 * pseudo-Huber loss). It was needed with the conditional velocity (p = ½ the default then; p = 0 gave 0.46 on
 * one moons seed); with the batch's velocity the targets are tame and plain squares (p = 0, the default) do
 * best: moons 0.100 / 0.075 (p = ½) → 0.048 / 0.076 (¼) → 0.045 / 0.069 (0), 8gaussians 0.075 / 0.085 →
 * 0.055 / 0.080 → 0.052 / 0.076, 8/8 modes. Earlier defaults tuned on 8gaussians (1500 × 256, one step,
 * held-out energy / Gaussian yard-stick): time embedding ω_max 30 → 5: 0.19 → 0.09; lr 2e-3 → 5e-3:
 * 1.6 → 0.19; ratio 0.75 → 0.5: 0.78 → 0.19 (with the batch's velocity ¾ is still worse: moons 0.086 / 0.122
 * at p = ½); 3000 steps did not beat 1500 (0.21). The learning rate anneals by a cosine over the whole run down to 0
 * (`lrFactor` below) rather than the flows' hold-then-5 %: moons 0.29 → 0.21, 8gaussians 0.13 → 0.09 (mean of
 * 2 seeds × 4 evaluation draws, docs/benchmarks.md). Budget: 3000 steps. On moons, training seeds 1–4 each on data
 * of its seed (the CLI's split), 1500 steps read 0.083 / 0.054 / 0.103 / 0.053 and 3000 steps 0.049 / 0.039 /
 * 0.080 / 0.041 (8gaussians 0.020 / 0.025, 8/8 modes): with the cosine anneal over the whole run, the longer run
 * now helps, where before it (3000 steps at the flows' schedule, above) did not.
 */
import { choice, float } from '../../params'
import type { Rng } from '../../rng'
import { cosineFactor } from '../../train/schedule'
import type { JumpNet } from '../../models/jump'
import type { LossContext, ModelObjective } from '../types'
import {
  JumpModel,
  batchVelocity,
  jumpObjective,
  straightPath,
  type JumpBatch,
  jumpImageDefaults
} from './jump'

/** (t, s) pairs: t ≤ s, both U[0, 1] ordered; a share `1 − ratio` of them with s = t. */
export function drawIntervals(B: number, ratio: number, rng: Rng): { t: Float32Array; h: Float32Array } {
  const t = new Float32Array(B)
  const h = new Float32Array(B)
  for (let i = 0; i < B; i++) {
    const a = rng.uniform()
    const b = rng.uniform()
    if (rng.uniform() < ratio) {
      t[i] = Math.min(a, b)
      h[i] = Math.abs(a - b)
    } else t[i] = a
  }
  return { t, h }
}

export interface MeanFlowParams {
  ratio: number
  adaptive: number
  velocity: 'batch' | 'conditional'
}

/**
 * The MeanFlow regression batch for data x1 [B, d]: targets v + h·du/dt from the network `net` (exact JVP),
 * v the batch estimate of the marginal velocity or each row's conditional x₁ − x₀ (`velocity`).
 */
export function meanFlowBatch(
  net: JumpNet,
  x1: Float32Array,
  B: number,
  p: MeanFlowParams,
  rng: Rng
): JumpBatch {
  const d = net.spec.dim
  const x0 = rng.normals(B * d)
  const { t, h } = drawIntervals(B, p.ratio, rng)
  const path = straightPath(x0, x1, t, d)
  const x = path.x
  const v = p.velocity === 'batch' ? batchVelocity(x, t, x1, path.v, d) : path.v
  const { u, du } = net.jvp(x, t, h, v, 1, -1)
  const target = new Float32Array(B * d)
  const weight = p.adaptive > 0 ? new Float32Array(B) : undefined
  for (let i = 0; i < B; i++) {
    let sq = 0
    for (let j = 0; j < d; j++) {
      const k = i * d + j
      target[k] = v[k]! + h[i]! * du[k]!
      sq += (u[k]! - target[k]!) ** 2
    }
    if (weight) weight[i] = 1 / Math.pow(sq / d + 1e-3, p.adaptive)
  }
  if (weight) {
    // Normalised to mean 1 so the learning rate keeps its meaning.
    const mean = weight.reduce((s, w) => s + w, 0) / B
    for (let i = 0; i < B; i++) weight[i]! /= mean
  }
  return weight ? { x, t, h, target, weight } : { x, t, h, target }
}

export class MeanFlowModel extends JumpModel {
  readonly kind = 'meanflow'

  constructor(
    net: JumpNet,
    lr: number,
    ema: number,
    private readonly p: MeanFlowParams
  ) {
    super(net, lr, ema)
  }

  /**
   * A cosine over the whole run down to 0, not the flows' hold-half-then-decay-to-5 %: the JVP target is the
   * noisiest of the regressions, and the longer, deeper anneal averages it out (docs/benchmarks.md).
   */
  protected override lrFactor(step: number, steps: number): number {
    return cosineFactor(step, steps, { floor: 0 })
  }

  protected batch(y: Float32Array, B: number, ctx: LossContext): JumpBatch {
    return meanFlowBatch(this.net, y, B, this.p, ctx.rng)
  }

  protected override extraJSON(): Record<string, unknown> {
    return { ...this.p }
  }
}

export const meanflow: ModelObjective = jumpObjective({
  id: 'meanflow',
  title: 'MeanFlow (average-velocity regression)',
  paper: '§4, eq. (7); Geng et al. 2025',
  summary:
    'Regress the average velocity u(x_t, t, s) over [t, s] on v + (s − t)·du/dt (the MeanFlow identity, du/dt by\n' +
    'an exact forward-mode derivative of the network): x = z + u(z, 0, 1) samples in one network evaluation.',
  params: {
    ratio: float(0.5, 0, 1, 'Share of the batch with s > t (the rest is plain flow matching, s = t).'),
    adaptive: float(0, 0, 2, 'Power p of the adaptive loss weight 1/(‖Δ‖² + c)^p (0: plain squares).'),
    velocity: choice(
      'batch',
      ['batch', 'conditional'],
      "Velocity of the target and the JVP tangent: the batch's estimate of E[x₁ − x₀ | x_t] or the row's x₁ − x₀."
    )
  },
  defaults: { steps: 3000, batch: 256, lr: 5e-3 },
  imageDefaults: jumpImageDefaults(2000, 'data'),
  build: (net, lr, p) =>
    new MeanFlowModel(net, lr, Number(p.ema ?? 0), {
      ratio: Number(p.ratio ?? 0.5),
      adaptive: Number(p.adaptive ?? 0),
      velocity: p.velocity === 'conditional' ? 'conditional' : 'batch'
    })
})
