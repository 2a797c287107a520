/**
 * Consistency training without a teacher, improved-CT style (Song & Dhariwal 2024) on the straight path
 * (consistency.ts): the target f_θ(x_{t_{i+1}}, t_{i+1}) is the online network under a stop-gradient, at the
 * same (x₀, x₁) one grid step later; the grid doubles from `s0` to `s1` intervals over training
 * (N(k) = min(s0·2^⌊k/K′⌋, s1), K′ = ⌊K/(log₂⌊s1/s0⌋ + 1)⌋) and the interval is drawn lognormally.
 * Batch 1024 by default: each row's target is one noisy two-point estimate, and the larger batch is what
 * brought the one-step map down (× the Gaussian yard-stick, 2 seeds × 4 evaluation draws: moons 0.21 → 0.12,
 * 8gaussians 0.08–0.10 → 0.03); a wider network, a longer or no average, a deeper anneal and 750 steps at
 * batch 1024 did not (docs/benchmarks.md).
 * The default curriculum is Easy Consistency Tuning's (`curriculum=ect`, Geng et al. 2024) rather than the
 * grid: a first stage of plain data-prediction flow matching (the target is the clean sample), then targets
 * at σ_r closing in on σ by q per stage (`ectSigmaR`), times drawn lognormally in σ. On moons it read 0.09–0.15
 * × the yard-stick over 4 training seeds against the grid's 0.12–0.25, at the same cost (8gaussians: 0.030 /
 * 0.059, 8/8 modes; grid 0.029 / 0.026).
 * The default coupling is mini-batch optimal transport (`coupling=ot`: OT-CFM's coupling, Tong et al. 2024 and
 * Pooladian et al. 2023, applied to consistency training): each block of `otBlock` rows of the batch pairs its
 * noise with its data by the exact assignment, so a row's path lies close to the marginal flow's trajectory and
 * the consistency target varies far less — from ECT's stage 0 on, where the target at the noise end is the data
 * row the assignment gives z. On moons (mean of 4 draws) it read 0.02–0.07 × the yard-stick over training seeds
 * 1–4 against the independent coupling's 0.08–0.17; blocks of 16 to 256 rows scored alike on the worst seed
 * (0.068–0.079), so 64 (≈ 9 ms of assignments per 1 024-row batch here, against 25 ms for 128 and 1.3 s for one
 * assignment of the whole batch).
 */
import { choice, float, int, onlyWhen } from '../../params'
import type { JumpNet } from '../../models/jump'
import type { LossContext, ModelObjective } from '../types'
import {
  COUPLING_BEFORE,
  COUPLING_PARAMS,
  coupledData,
  couplingJSON,
  readCoupling,
  type Coupling
} from './coupling'
import { jumpObjective, straightPath, type JumpBatch, jumpImageDefaults } from './jump'
import {
  CONSISTENCY_PARAMS,
  ConsistencyModel,
  consistencyBatch,
  consistencyFn,
  consistencyGrid,
  drawIntervalIndices,
  lognormalWeights,
  SIGMA_MAX
} from './consistency'

/** N(k): the number of grid intervals at step k of K. */
export function ctIntervals(k: number, K: number, s0: number, s1: number): number {
  const Kp = Math.max(1, Math.floor(K / (Math.log2(Math.floor(s1 / s0)) + 1)))
  return Math.min(s0 * Math.pow(2, Math.floor(k / Kp)), s1)
}

/**
 * The stage a of ECT's continuous curriculum at step k of K, split into `stages` equal parts (Geng et al. 2024,
 * "Consistency models made easy"): stage 0 is the pretraining phase, stage a ≥ 1 shrinks the gap by q^a.
 */
export function ectStage(k: number, K: number, stages: number): number {
  return Math.max(0, Math.min(stages - 1, Math.floor((k * stages) / K)))
}

/** Slope k and scale b of ECT's gap adjustment n(σ) = 1 + k·sigmoid(−b·σ) (their defaults). */
const ECT_K = 8
const ECT_B = 1

/**
 * ECT's mapping from the noise level σ of the trained point to the target's σ_r ≤ σ at stage a, in EDM's σ
 * (x_t / t = x₁ + σ·ε, σ = (1 − t)/t): σ_r = σ·max(0, 1 − n(σ)/q^a) with n(σ) = 1 + k·sigmoid(−b·σ), which
 * widens the gap near the data (small σ) where one grid step moves the sample least. Stage 0 gives σ_r = 0: the
 * target is the clean sample itself (data-prediction flow matching — the "diffusion pretraining").
 */
export function ectSigmaR(sigma: number, stage: number, q: number): number {
  if (stage <= 0) return 0
  const n = 1 + ECT_K / (1 + Math.exp(ECT_B * sigma))
  return sigma * Math.max(0, 1 - n / Math.pow(q, stage))
}

export type CtCurriculum = 'grid' | 'ect'

/** A batch's times under a curriculum: the trained point's t0, the target's t1, and what to log of it. */
interface CtTimes {
  t0: Float32Array
  t1: Float32Array
  extra: Record<string, number>
}

export class CtModel extends ConsistencyModel {
  readonly kind = 'ct'
  private grids = new Map<number, { t: Float64Array; p: Float64Array }>()

  constructor(
    net: JumpNet,
    lr: number,
    ema: number,
    private readonly p: {
      s0: number
      s1: number
      huber: number
      curriculum: CtCurriculum
      stages: number
      q: number
      coupling: Coupling
    }
  ) {
    super(net, lr, ema)
  }

  private grid(N: number): { t: Float64Array; p: Float64Array } {
    let g = this.grids.get(N)
    if (!g) {
      const t = consistencyGrid(N)
      this.grids.set(N, (g = { t, p: lognormalWeights(t) }))
    }
    return g
  }

  /** The grid curriculum's pairs (t_i, t_{i+1}): lognormally drawn intervals of a grid that doubles. */
  private gridTimes(B: number, ctx: LossContext): CtTimes {
    const N = ctIntervals(ctx.step, ctx.steps, this.p.s0, this.p.s1)
    const g = this.grid(N)
    const idx = drawIntervalIndices(g.p, N, B, ctx.rng)
    const t0 = Float32Array.from(idx, (i) => g.t[i]!)
    const t1 = Float32Array.from(idx, (i) => g.t[i + 1]!)
    return { t0, t1, extra: { intervals: N } }
  }

  /**
   * ECT's pairs (t, r): ln σ ~ N(−1.1, 2²) (σ ≥ σ_max is the noise end t = 0), σ_r by `ectSigmaR` at this
   * step's stage, both mapped to t = 1/(1 + σ).
   */
  private ectTimes(B: number, ctx: LossContext): CtTimes {
    const stage = ectStage(ctx.step, ctx.steps, this.p.stages)
    const t0 = new Float32Array(B)
    const t1 = new Float32Array(B)
    const n = ctx.rng.normals(B)
    for (let i = 0; i < B; i++) {
      const sigma = Math.min(SIGMA_MAX, Math.exp(-1.1 + 2 * n[i]!))
      t0[i] = sigma >= SIGMA_MAX ? 0 : 1 / (1 + sigma)
      t1[i] = 1 / (1 + ectSigmaR(sigma, stage, this.p.q))
    }
    return { t0, t1, extra: { stage } }
  }

  protected batch(data: Float32Array, B: number, ctx: LossContext): JumpBatch {
    const d = this.dim
    const { t0, t1, extra } = this.p.curriculum === 'ect' ? this.ectTimes(B, ctx) : this.gridTimes(B, ctx)
    const x0 = ctx.rng.normals(B * d)
    const x1 = coupledData(this.p.coupling, x0, data, B, d)
    const a = straightPath(x0, x1, t0, d).x
    const b = straightPath(x0, x1, t1, d).x
    // f(x, 1) = x: a batch whose targets all sit at the data end (ECT's stage 0) needs no network pass.
    const fTarget = t1.every((t) => t === 1) ? b : consistencyFn(this.net, b, t1)
    const out = consistencyBatch(this.net, a, t0, fTarget, this.p.huber)
    return { ...out, extra: { ...out.extra, ...extra } }
  }

  protected override extraJSON(): Record<string, unknown> {
    const { coupling, ...rest } = this.p
    return { ...rest, ...couplingJSON(coupling) }
  }
}

export const ct: ModelObjective = jumpObjective({
  id: 'ct',
  title: 'Consistency training (improved CT)',
  paper: '§4, eq. (7); Song et al. 2023, Song & Dhariwal 2024',
  summary:
    'Train f(x_t, t) = x_t + (1 − t)·u(x_t, t) to agree with itself nearer the data on the same path (no teacher;\n' +
    'noise paired with data by mini-batch OT; the gap shrinks over training): f(z, 0) samples in one evaluation.',
  params: {
    ...CONSISTENCY_PARAMS,
    s0: onlyWhen(int(10, 1, 10_000, 'Grid intervals at the start of training.'), 'curriculum', 'grid'),
    s1: onlyWhen(
      int(320, 1, 100_000, 'Grid intervals at the end of training (doubling from s0).'),
      'curriculum',
      'grid'
    ),
    curriculum: choice(
      'ect',
      ['grid', 'ect'],
      'How the gap to the target shrinks: grid (iCT: a grid doubling from s0 to s1 intervals) or ect (ECT: the clean sample in stage 0, then σ_r = σ·(1 − n(σ)/q^a)).'
    ),
    stages: onlyWhen(
      int(3, 1, 100, 'Equal stages of training, the first the pretraining (target: the clean sample).'),
      'curriculum',
      'ect'
    ),
    q: onlyWhen(float(4, 1.01, 1e6, 'The factor by which each stage shrinks the gap.'), 'curriculum', 'ect'),
    ...COUPLING_PARAMS
  },
  defaults: { steps: 1500, batch: 1024, lr: 5e-3 },
  // Not `predict=data`: ECT draws a fifth of its rows at 1 − t < 0.05, where the bounded span of a
  // data-predicting net makes the consistency target's end point ever farther (it diverged on mnist).
  imageDefaults: jumpImageDefaults(3000, 'velocity'),
  // runs stored before the OT coupling (2026-12-04) trained with the independent one
  storedDefaults: COUPLING_BEFORE,
  build: (net, lr, p) =>
    new CtModel(net, lr, Number(p.ema ?? 0), {
      s0: Number(p.s0 ?? 10),
      s1: Math.max(Number(p.s0 ?? 10), Number(p.s1 ?? 320)),
      huber: Number(p.huber ?? 0.03),
      curriculum: p.curriculum === 'ect' ? 'ect' : 'grid',
      stages: Number(p.stages ?? 3),
      q: Number(p.q ?? 4),
      coupling: readCoupling(p)
    })
})
