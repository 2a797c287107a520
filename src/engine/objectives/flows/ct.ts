/**
 * Consistency training without a teacher, improved-CT style (Song & Dhariwal 2024) on the straight path
 * (consistency.ts): the target f_θ(x_{t_{i+1}}, t_{i+1}) is the online network under a stop-gradient, at the
 * same (x₀, x₁) one grid step later; the grid doubles from `s0` to `s1` intervals over training
 * (N(k) = min(s0·2^⌊k/K′⌋, s1), K′ = ⌊K/(log₂⌊s1/s0⌋ + 1)⌋) and the interval is drawn lognormally.
 * Batch 1024 by default: each row's target is one noisy two-point estimate, and the larger batch is what
 * brought the one-step map down (× the Gaussian yard-stick, 2 seeds × 4 evaluation draws: moons 0.21 → 0.12,
 * 8gaussians 0.08–0.10 → 0.03); a wider network, a longer or no average, a deeper anneal and 750 steps at
 * batch 1024 did not (docs/benchmarks.md).
 */
import { int } from '../../params'
import type { JumpNet } from '../../models/jump'
import type { LossContext, ModelObjective } from '../types'
import { jumpObjective, straightPath, type JumpBatch } from './jump'
import {
  CONSISTENCY_PARAMS,
  ConsistencyModel,
  consistencyBatch,
  consistencyFn,
  consistencyGrid,
  drawIntervalIndices,
  lognormalWeights
} from './consistency'

/** N(k): the number of grid intervals at step k of K. */
export function ctIntervals(k: number, K: number, s0: number, s1: number): number {
  const Kp = Math.max(1, Math.floor(K / (Math.log2(Math.floor(s1 / s0)) + 1)))
  return Math.min(s0 * Math.pow(2, Math.floor(k / Kp)), s1)
}

export class CtModel extends ConsistencyModel {
  readonly kind = 'ct'
  private grids = new Map<number, { t: Float64Array; p: Float64Array }>()

  constructor(
    net: JumpNet,
    lr: number,
    ema: number,
    private readonly p: { s0: number; s1: number; huber: number }
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

  protected batch(x1: Float32Array, B: number, ctx: LossContext): JumpBatch {
    const d = this.dim
    const N = ctIntervals(ctx.step, ctx.steps, this.p.s0, this.p.s1)
    const g = this.grid(N)
    const idx = drawIntervalIndices(g.p, N, B, ctx.rng)
    const t0 = Float32Array.from(idx, (i) => g.t[i]!)
    const t1 = Float32Array.from(idx, (i) => g.t[i + 1]!)
    const x0 = ctx.rng.normals(B * d)
    const a = straightPath(x0, x1, t0, d).x
    const b = straightPath(x0, x1, t1, d).x
    const fTarget = consistencyFn(this.net, b, t1)
    const out = consistencyBatch(this.net, a, t0, fTarget, this.p.huber)
    return { ...out, extra: { ...out.extra, intervals: N } }
  }

  protected override extraJSON(): Record<string, unknown> {
    return { ...this.p }
  }
}

export const ct: ModelObjective = jumpObjective({
  id: 'ct',
  title: 'Consistency training (improved CT)',
  paper: '§4, eq. (7); Song et al. 2023, Song & Dhariwal 2024',
  summary:
    'Train f(x_t, t) = x_t + (1 − t)·u(x_t, t) to agree with itself one grid step later on the same straight path\n' +
    '(no teacher; the grid grows over training): f(z, 0) samples in one network evaluation.',
  params: {
    ...CONSISTENCY_PARAMS,
    s0: int(10, 1, 10_000, 'Grid intervals at the start of training.'),
    s1: int(320, 1, 100_000, 'Grid intervals at the end of training (doubling from s0).')
  },
  defaults: { steps: 1500, batch: 1024, lr: 5e-3 },
  build: (net, lr, p) =>
    new CtModel(net, lr, Number(p.ema ?? 0), {
      s0: Number(p.s0 ?? 10),
      s1: Math.max(Number(p.s0 ?? 10), Number(p.s1 ?? 320)),
      huber: Number(p.huber ?? 0.03)
    })
})
