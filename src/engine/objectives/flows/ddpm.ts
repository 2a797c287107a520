/**
 * Denoising diffusion (§4, eqs. (5)–(7); Ho et al. 2020, Song et al. 2021): the variance-preserving OU
 * diffusion of eq. (5) with E(x) = ‖x‖²/2 under a noise schedule (schedule.ts), learnt by ε-prediction and
 * reversed by the probability-flow ODE or by ancestral sampling. Diffusion time t runs from 0 (data) to 1
 * (noise), the reverse of the flow time of `cfm`. Pieces:
 *   μ_t(x₀) = √ᾱ(t) x₀,   σ_t = √(1 − ᾱ(t)),   x_t = μ_t + σ_t ε,   target ε,
 *   L = E_{t~U[t_min,1]} ‖ε̂_θ(x_t, t) − ε‖²,
 *   score ∇log r_t(x) ≈ −ε̂/σ_t,   PF-ODE velocity (eq. (7) with v = −U − ∇log r in diffusion time)
 *   dx/dt = −½β(t) (x + ∇log r_t(x)) = −½β(t) (x − ε̂/σ_t), integrated from t = 1 down to t_min.
 * Samplers: `ddim` (η = 0, the PF-ODE in x/√ᾱ), `heun` / `euler` on the PF-ODE, `ddpm` (ancestral, DDIM η = 1).
 */
import { ConfigError } from '../../errors'
import type { TimeNet } from '../../models/nets'
import { choice, float, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import type { GridSpec } from '../../../shared/samplers'
import {
  GridError,
  SamplerError,
  checkGridList,
  epsField,
  findSampler,
  spacedGrid,
  type Field
} from '../../samplers'
import type { LossContext, ModelObjective, ModelSpec, SampleOptions, SamplerId } from '../types'
import {
  VELOCITY_PARAMS,
  VelocityModel,
  checkNoiseSpec,
  createVelocityNet,
  readVelocityNet,
  type FlowBatch
} from './common'
import { VP_SCHEDULES, karrasGrid, vpSchedule, vpStd, type VpSchedule, type VpScheduleId } from './schedule'

export { ouMarginal, ouTime, vpSchedule, type VpSchedule, type VpScheduleId } from './schedule'

/** μ_t(x₀) = √ᾱ(t_i) x0_i. x0 [B, d], t [B] → [B, d]. */
export function vpMean(s: VpSchedule, x0: Float32Array, t: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(x0.length)
  for (let i = 0; i < t.length; i++) {
    const a = Math.sqrt(s.alphaBar(t[i]!))
    for (let j = 0; j < d; j++) out[i * d + j] = a * x0[i * d + j]!
  }
  return out
}

/** x_t = √ᾱ(t) x₀ + √(1 − ᾱ(t)) ε (the forward marginal of eq. (5)). x0, eps [B, d], t [B] → [B, d]. */
export function vpSampleXt(
  s: VpSchedule,
  x0: Float32Array,
  t: ArrayLike<number>,
  eps: Float32Array,
  d: number
): Float32Array {
  const x = vpMean(s, x0, t, d)
  for (let i = 0; i < t.length; i++) {
    const sd = vpStd(s, t[i]!)
    for (let j = 0; j < d; j++) x[i * d + j]! += sd * eps[i * d + j]!
  }
  return x
}

/** The score ∇log r_t(x) = −ε̂/σ_t. epsHat [n, d] → [n, d]. */
export function scoreFromEps(s: VpSchedule, epsHat: Float32Array, t: number): Float32Array {
  const k = -1 / vpStd(s, t)
  return epsHat.map((e) => k * e)
}

/** Probability-flow velocity in diffusion time, dx/dt = −½β(t)(x + score). x, score [n, d] → [n, d]. */
export function probabilityFlow(
  s: VpSchedule,
  x: Float32Array,
  score: Float32Array,
  t: number
): Float32Array {
  const hb = -0.5 * s.beta(t)
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = hb * (x[i]! + score[i]!)
  return out
}

/** One ε-prediction batch: data y [B, d] as x₀, t ~ U[tMin, 1], fresh ε. */
export function ddpmBatch(
  s: VpSchedule,
  y: Float32Array,
  B: number,
  d: number,
  tMin: number,
  rng: Rng
): FlowBatch {
  const t = rng.uniforms(B, tMin, 1)
  const eps = rng.normals(B * d)
  return { x: vpSampleXt(s, y, t, eps, d), t, target: eps }
}

export const DDPM_SAMPLERS: readonly SamplerId[] = [
  'heun',
  'ddpm',
  'ddim',
  'euler',
  'rk4',
  'dopri5',
  'dpmpp-2m'
]

export type DdpmGrid = 'karras' | 'uniform'
export const DDPM_GRIDS: readonly DdpmGrid[] = ['karras', 'uniform']

/**
 * The K + 1 diffusion times a sampler visits, from t = 1 down. The ODE samplers (euler, heun, rk4, dopri5)
 * stop at tMin; those that never evaluate at the data end (`toDataEnd`: ddim, ddpm, dpmpp-2m) take their last
 * step to t = 0 (ᾱ = 1), the rest on the same spacing. `grid` spaces the deterministic samplers (the run's
 * karras/uniform, or any spacing or list of times); the ancestral `ddpm` sampler steps uniformly in t unless
 * told otherwise, which measured better for it (its injected noise already corrects errors made at low
 * noise), while the Karras spacing made heun at K = 20 as good as at K = 100 (8gaussians and moons, cosine).
 */
export function ddpmGrid(
  s: VpSchedule,
  sampler: SamplerId,
  K: number,
  tMin: number,
  grid: GridSpec
): number[] {
  const record = findSampler(sampler)
  const end = record.toDataEnd ? 0 : tMin
  if (typeof grid !== 'string') return checkGridList(grid, 1, end)
  if (grid !== 'karras') return spacedGrid(grid, 1, end, K, epsField(s.alphaBar, s.beta))
  if (!record.toDataEnd) return karrasGrid(s, K, 1, tMin)
  return K === 1 ? [1, 0] : [...karrasGrid(s, K - 1, 1, tMin), 0]
}

export class DdpmModel extends VelocityModel {
  readonly kind = 'ddpm'
  readonly samplers = DDPM_SAMPLERS
  readonly schedule: VpSchedule
  readonly tMin: number

  readonly grid: DdpmGrid

  constructor(net: TimeNet, lr: number, ema: number, schedule: VpScheduleId, tMin: number, grid: DdpmGrid) {
    super(net, lr, ema)
    this.schedule = vpSchedule(schedule)
    this.tMin = tMin
    this.grid = grid
  }

  protected batch(y: Float32Array, B: number, ctx: LossContext): FlowBatch {
    return ddpmBatch(this.schedule, y, B, this.dim, this.tMin, ctx.rng)
  }

  get flowField(): Field {
    return epsField(this.schedule.alphaBar, this.schedule.beta)
  }

  timeGrid(sampler: SamplerId, K: number, grid?: GridSpec): number[] {
    const spacing = grid ?? (sampler === 'ddpm' ? 'uniform' : this.grid)
    try {
      return ddpmGrid(this.schedule, sampler, K, this.tMin, spacing)
    } catch (e) {
      throw e instanceof GridError || e instanceof SamplerError ? new ConfigError(e.message) : e
    }
  }

  protected override integrate(z: Float32Array, opts: SampleOptions, rng: Rng | null): Float32Array {
    if (opts.sampler === 'ddpm' && !rng)
      throw new ConfigError('The ddpm sampler is stochastic: it needs a random stream.')
    return super.integrate(z, opts, rng)
  }

  protected override extraJSON(): Record<string, unknown> {
    return { schedule: this.schedule.id, tMin: this.tMin, grid: this.grid }
  }
}

export const DDPM_PARAMS = {
  ...VELOCITY_PARAMS,
  schedule: choice(
    'cosine',
    VP_SCHEDULES,
    'Noise schedule ᾱ(t): linear β (0.1 → 20) or cosine (Nichol–Dhariwal).'
  ),
  tMin: float(
    1e-3,
    1e-5,
    0.1,
    'Smallest diffusion time trained on and reached by the euler/heun samplers.',
    true
  ),
  grid: choice(
    'karras',
    DDPM_GRIDS,
    'Time steps of the deterministic samplers: Karras σ^(1/7) spacing (crowded at low noise) or uniform in t.'
  )
}

function build(net: TimeNet, lr: number, p: ParamValues): DdpmModel {
  const schedule = String(p.schedule ?? 'cosine') as VpScheduleId
  if (!VP_SCHEDULES.includes(schedule)) throw new ConfigError(`Unknown ddpm schedule "${schedule}".`)
  const grid = String(p.grid ?? 'karras') as DdpmGrid
  if (!DDPM_GRIDS.includes(grid)) throw new ConfigError(`Unknown ddpm sampling grid "${grid}".`)
  return new DdpmModel(net, lr, Number(p.ema ?? 0), schedule, Number(p.tMin ?? 1e-3), grid)
}

export const ddpm: ModelObjective = {
  kind: 'model',
  id: 'ddpm',
  family: 'flows',
  title: 'Denoising diffusion (VP, ε-prediction)',
  paper: '§4, eqs. (5)–(7)',
  summary:
    'Noise data by the OU process (5) and regress the added noise ε̂(x_t, t); its score −ε̂/σ_t gives the\n' +
    'probability-flow ODE (7) from N(0, I) back to the data (ddim/heun/euler), or the reverse SDE (ddpm).',
  params: DDPM_PARAMS,
  defaults: { steps: 3000, batch: 256, lr: 5e-3 },
  capabilities: { ortTrain: true, teacher: true, archs: ['unet'] },
  async create(spec: ModelSpec) {
    checkNoiseSpec('ddpm', spec)
    return build(createVelocityNet(spec, spec.params, 'ddpm'), spec.lr, spec.params)
  },
  restore(weights, spec) {
    if (weights.kind !== 'ddpm') throw new ConfigError(`These are ${weights.kind} weights, not ddpm weights.`)
    const net = readVelocityNet('ddpm', weights)
    return build(net, spec.lr, {
      schedule: String(weights.schedule ?? 'cosine'),
      tMin: Number(weights.tMin ?? 1e-3),
      grid: String(weights.grid ?? 'karras'),
      ema: Number(weights.ema ?? 0)
    })
  }
}
