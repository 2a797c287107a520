/**
 * Shortcut models (Frans et al. 2025, "One step diffusion via shortcut models"), in the flows' direction
 * (t = 0 noise, t = 1 data, straight paths as in cfm). One network u(x, t, h) takes the step size h:
 * - h = 0 is flow matching: u(x_t, t, 0) regresses x₁ − x₀ (the rows `1 − selfShare` of the batch);
 * - h = 2d > 0 is self-consistency: one jump of 2d equals two jumps of d,
 *     target = ½ (u(x_t, t, d) + u(x_t + d·u(x_t, t, d), t + d, d))
 *   computed with the moving average off the tape, d = 2^{−j} ≤ ½ drawn uniformly over the levels, t on the
 *   grid of multiples of d with t + 2d ≤ 1; the smallest half step (d = 1/levels) reads the flow (h = 0).
 * Samples in 1, 2, 4, … jumps of the same network (`onestep`, or `euler` with K jumps).
 * The batch's noise meets its data by mini-batch OT in blocks (coupling.ts) by default, and the budget is 6 000
 * steps: on moons (mean of 4 evaluation draws, training seeds 1–4) the independent coupling at 3 000 steps read
 * 0.15 / 0.13 / 0.17 / 0.13 × the Gaussian yard-stick, the OT coupling 0.08 / 0.07 / 0.13 / 0.06 at 3 000 steps
 * and 0.035 / 0.034 / 0.096 / 0.019 at 6 000 (docs/benchmarks.md).
 */
import { ConfigError } from '../../errors'
import { float, int } from '../../params'
import type { Rng } from '../../rng'
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
import { JumpModel, jumpObjective, straightPath, type JumpBatch, jumpImageDefaults } from './jump'

export interface ShortcutParams {
  /** Share of the batch with self-consistency targets. */
  selfShare: number
  /** Number of the smallest steps in [0, 1] (a power of two): the finest level. */
  levels: number
  /** How the batch's noise meets its data (absent: independent). */
  coupling?: Coupling
}

/**
 * The shortcut regression batch for data [B, d] (paired with the noise by `p.coupling`): flow-matching rows
 * first, then self-consistency rows whose targets come from `teacher` (the moving average).
 */
export function shortcutBatch(
  teacher: JumpNet,
  data: Float32Array,
  B: number,
  p: ShortcutParams,
  rng: Rng
): JumpBatch {
  const d = teacher.spec.dim
  const nSelf = Math.round(B * p.selfShare)
  const x0 = rng.normals(B * d)
  const x1 = p.coupling ? coupledData(p.coupling, x0, data, B, d) : data
  const t = new Float32Array(B)
  const h = new Float32Array(B)
  const half = new Float32Array(B)
  const levels = Math.log2(p.levels)
  for (let i = 0; i < B; i++) {
    if (i < B - nSelf) {
      t[i] = rng.uniform()
      continue
    }
    // d = 2^{-j}, j = 1 … log2(levels): full jumps 2d ∈ {2/levels, …, 1}.
    const dj = Math.pow(2, -(1 + rng.int(levels)))
    half[i] = dj
    h[i] = 2 * dj
    t[i] = dj * rng.int(Math.round(1 / dj) - 1)
  }
  const { x, v } = straightPath(x0, x1, t, d)
  const target = v
  if (nSelf > 0) {
    const s = B - nSelf
    const xs = x.slice(s * d)
    const ts = t.slice(s)
    const hs = half.slice(s)
    const q = hs.map((dj) => (dj * p.levels <= 1 ? 0 : dj))
    const u1 = teacher.predict(xs, ts, q)
    const x2 = xs.map((xi, k) => xi + hs[Math.floor(k / d)]! * u1[k]!)
    const u2 = teacher.predict(
      x2,
      ts.map((ti, i) => ti + hs[i]!),
      q
    )
    for (let k = 0; k < u1.length; k++) target[s * d + k] = 0.5 * (u1[k]! + u2[k]!)
  }
  return { x, t, h, target }
}

export class ShortcutModel extends JumpModel {
  readonly kind = 'shortcut'

  constructor(
    net: JumpNet,
    lr: number,
    ema: number,
    private readonly p: ShortcutParams
  ) {
    super(net, lr, ema)
  }

  protected batch(y: Float32Array, B: number, ctx: LossContext): JumpBatch {
    return shortcutBatch(this.field, y, B, this.p, ctx.rng)
  }

  protected override extraJSON(): Record<string, unknown> {
    const { selfShare, levels, coupling } = this.p
    return { selfShare, levels, ...couplingJSON(coupling ?? { kind: 'independent' }) }
  }
}

export const shortcut: ModelObjective = jumpObjective({
  id: 'shortcut',
  title: 'Shortcut model (step-size-conditioned flow)',
  paper: '§4, eq. (7); Frans et al. 2025',
  summary:
    'One network u(x, t, h) of the jump over [t, t + h]: flow matching at h = 0, and two half jumps = one full jump\n' +
    'for h > 0; samples in 1, 2, 4, … network evaluations.',
  params: {
    selfShare: float(
      0.25,
      0,
      1,
      'Share of the batch with self-consistency targets (the rest: flow matching).'
    ),
    levels: int(128, 2, 4096, 'Number of the smallest steps in [0, 1] (a power of two).'),
    ...COUPLING_PARAMS
  },
  defaults: { steps: 6000, batch: 256, lr: 2e-3 },
  imageDefaults: jumpImageDefaults(3000, 'data'),
  storedDefaults: COUPLING_BEFORE,
  build: (net, lr, p) => {
    const levels = Number(p.levels ?? 128)
    if (!Number.isInteger(Math.log2(levels)))
      throw new ConfigError(`shortcut: levels must be a power of two, got ${levels}.`)
    return new ShortcutModel(net, lr, Number(p.ema ?? 0), {
      selfShare: Number(p.selfShare ?? 0.25),
      levels,
      coupling: readCoupling(p)
    })
  }
})
