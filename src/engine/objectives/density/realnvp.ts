/**
 * `realnvp` (§3, eq. (4)): a normalising flow trained by exact maximum likelihood. The pushforward map is
 * ψ: z ↦ x (sampling direction), an invertible stack whose inverse ψ⁻¹: x ↦ z and log-determinant are cheap,
 * so p(x) = p₀(ψ⁻¹(x)) |det Dψ⁻¹(x)| (eq. (4)) with p₀ = N(0, I_d).
 *
 * d ≥ 2 — affine coupling layers (Dinh et al. 2017). Layer k keeps the coordinates j with (j + k) even
 * (mask m, alternating between layers) and transforms the others, in the density direction x → z:
 *   [ŝ, t] = g_k(m ⊙ x),  s = (1 − m) ⊙ c·tanh(ŝ / c),  z = x ⊙ e^s + (1 − m) ⊙ t,  log|det| = Σ_j s_j,
 * and in the sampling direction x = (z − (1 − m) ⊙ t) ⊙ e^{−s} with the same s, t (g_k reads only kept
 * coordinates, which the layer leaves unchanged). The log-scale is tanh-bounded by c (`logScaleBound`) so a
 * single layer never scales by more than e^{±c}; each g_k is an MLP (`couplingWidth` × `couplingDepth`, the
 * run's activation) whose last layer starts at zero, so training starts from ψ = id.
 *
 * d = 1 — a coupling layer needs at least two coordinates, so the 1-D flow is a stack of monotone
 * elementwise maps (no spline, no conditioning):
 *   z = a x + Σ_k c_k tanh(w_k x + b_k) + e,   a, c_k, w_k > 0 (softplus),   dz/dx = a + Σ_k c_k w_k sech²(w_k x + b_k),
 * strictly increasing, so log|det| = log dz/dx in closed form. Each sech² bump lets the density grow a mode.
 * The sampling direction inverts each layer by bisection in float64 (z − e lies within a x ± Σ c_k).
 *
 * Training (d ≥ 2) runs each coupling's elementwise part, and the input mask, as one op with a hand-written
 * gradient in plain JS (affineCoupling, maskColumns): on wasm a kernel launch costs more than the arithmetic
 * of a [B, 2] array, and tfjs would also differentiate the constant masks. The sampling direction uses plain
 * tensor ops; the tests check both directions against each other and against numerical Jacobians. The
 * learning rate decays by a cosine over the run by default (`schedule`): a constant one leaves the final
 * weights noisier (8gaussians: 0.10–0.13 against 0.056 × the Gaussian yard-stick).
 *
 * `evaluate` returns the held-out NLL in nats per dimension, in the standardised coordinates the model is
 * trained in (add Σ_j log σ_j / d for the data's own units, σ_j the standardisation scales).
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { Mlp, type MlpWeights } from '../../models/mlp'
import { choice, float, int, type ParamValues } from '../../params'
import type { Rng } from '../../rng'
import type {
  LossContext,
  ModelExport,
  ModelObjective,
  ModelSpec,
  SampleOptions,
  TrainableModel
} from '../types'
import {
  checkKind,
  checkOnestep,
  logStdNormal,
  num,
  ONESTEP,
  readMlp,
  restoreVars,
  snapshotVars,
  jsAdamStep,
  lrFactor,
  LR_SCHEDULES,
  type LrSchedule,
  JsAdam,
  zeroLastLayer
} from '../map-model'

/** Rows per chunk when sampling or evaluating. */
const CHUNK = 4096

/** One monotone 1-D layer's raw parameters (softplus gives a, c_k, w_k). */
export interface MonoLayerWeights {
  ra: number
  rc: number[]
  rw: number[]
  b: number[]
  e: number
}

export interface RealNvpWeights {
  kind: 'realnvp'
  dim: number
  logScaleBound: number
  /** d ≥ 2: the coupling networks g_k (input d, output 2d), in density order x → z. */
  couplings?: MlpWeights[]
  /** d = 1: the monotone layers, in density order x → z. */
  mono?: MonoLayerWeights[]
  step: number
  [k: string]: unknown
}

const softplusJs = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)))
const invSoftplus = (v: number): number => Math.log(Math.expm1(v))

/** The coupling mask of layer k (1 = kept coordinate): j kept where (j + k) is even. */
export function couplingMask(d: number, k: number): Float32Array {
  const m = new Float32Array(d)
  for (let j = 0; j < d; j++) m[j] = (j + k) % 2 === 0 ? 1 : 0
  return m
}

type CustomFn = Parameters<typeof tf.customGrad>[0]
type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]

/**
 * x ⊙ m for a 0/1 column mask m, forward and gradient in plain JS (a broadcast multiply would also
 * differentiate the constant mask, a reduction over the batch on every backward pass).
 */
function maskColumns(x: tf.Tensor2D, mask: Float32Array): tf.Tensor2D {
  const apply = (v: Float32Array, n: number, d: number): Float32Array => {
    const out = new Float32Array(n * d)
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = mask[j] ? v[i * d + j]! : 0
    return out
  }
  const op = tf.customGrad(((a: tf.Tensor2D) => {
    const [n, d] = a.shape
    return {
      value: tf.tensor2d(apply(a.dataSync() as Float32Array, n, d), [n, d]),
      gradFunc: ((dy: tf.Tensor2D) => [
        tf.tensor2d(apply(dy.dataSync() as Float32Array, n, d), [n, d])
      ]) as Grad
    }
  }) as unknown as CustomFn)
  return op(x) as tf.Tensor2D
}

/**
 * One affine coupling in the density direction as a single op with a hand-written gradient (plain JS: the
 * arrays are [B, d] and the per-element work is a handful of flops, far below a kernel launch on wasm).
 * Inputs x [B, d] and the coupling net's output o = [ŝ | t] [B, 2d]; output [z | Σ_j s_j] [B, d + 1] with
 *   s = (1 − m) ⊙ c·tanh(ŝ / c),  z = x ⊙ e^s + (1 − m) ⊙ t.
 * Gradient: ∂x = ∂z ⊙ e^s,  ∂ŝ = (1 − m) ⊙ (∂z ⊙ x ⊙ e^s + ∂ℓ) ⊙ (1 − tanh²(ŝ/c)),  ∂t = (1 − m) ⊙ ∂z.
 */
function affineCoupling(x: tf.Tensor2D, o: tf.Tensor2D, mask: Float32Array, c: number): tf.Tensor2D {
  const op = tf.customGrad(((xa: tf.Tensor2D, oa: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const [n, d] = xa.shape
    const xv = xa.dataSync() as Float32Array
    const ov = oa.dataSync() as Float32Array
    const out = new Float32Array(n * (d + 1))
    for (let i = 0; i < n; i++) {
      let ld = 0
      for (let j = 0; j < d; j++) {
        const xi = xv[i * d + j]!
        if (mask[j]) {
          out[i * (d + 1) + j] = xi
          continue
        }
        const sj = c * Math.tanh(ov[i * 2 * d + j]! / c)
        out[i * (d + 1) + j] = xi * Math.exp(sj) + ov[i * 2 * d + d + j]!
        ld += sj
      }
      out[i * (d + 1) + d] = ld
    }
    save([xa, oa])
    const gradFunc = (dy: tf.Tensor2D, [sx, so]: tf.Tensor[]): tf.Tensor[] => {
      const g = dy.dataSync() as Float32Array
      const x2 = sx!.dataSync() as Float32Array
      const o2 = so!.dataSync() as Float32Array
      const dx = new Float32Array(n * d)
      const dO = new Float32Array(n * 2 * d)
      for (let i = 0; i < n; i++) {
        const dl = g[i * (d + 1) + d]!
        for (let j = 0; j < d; j++) {
          const dz = g[i * (d + 1) + j]!
          if (mask[j]) {
            dx[i * d + j] = dz
            continue
          }
          const th = Math.tanh(o2[i * 2 * d + j]! / c)
          const e = Math.exp(c * th)
          dx[i * d + j] = dz * e
          dO[i * 2 * d + j] = (dz * x2[i * d + j]! * e + dl) * (1 - th * th)
          dO[i * 2 * d + d + j] = dz
        }
      }
      return [tf.tensor2d(dx, [n, d]), tf.tensor2d(dO, [n, 2 * d])]
    }
    return { value: tf.tensor2d(out, [n, d + 1]), gradFunc }
  }) as unknown as CustomFn)
  return op(x, o) as tf.Tensor2D
}

interface MonoLayer {
  ra: tf.Variable<tf.Rank.R0>
  rc: tf.Variable<tf.Rank.R1>
  rw: tf.Variable<tf.Rank.R1>
  b: tf.Variable<tf.Rank.R1>
  e: tf.Variable<tf.Rank.R0>
}

let uid = 0

function monoFromJSON(w: MonoLayerWeights): MonoLayer {
  const id = uid++
  return tf.tidy(() => ({
    ra: tf.variable(tf.scalar(w.ra), true, `mono/ra_${id}`),
    rc: tf.variable(tf.tensor1d(w.rc), true, `mono/rc_${id}`),
    rw: tf.variable(tf.tensor1d(w.rw), true, `mono/rw_${id}`),
    b: tf.variable(tf.tensor1d(w.b), true, `mono/b_${id}`),
    e: tf.variable(tf.scalar(w.e), true, `mono/e_${id}`)
  }))
}

function monoInit(units: number, rng: Rng): MonoLayerWeights {
  // a = 1, c_k ≈ 0.007, w_k ≈ 1, bumps b_k spread over [−3, 3]: close to the identity.
  return {
    ra: invSoftplus(1),
    rc: Array.from({ length: units }, () => -5 + 0.1 * rng.normal()),
    rw: Array.from({ length: units }, () => invSoftplus(1) + 0.1 * rng.normal()),
    b: Array.from({ length: units }, () => rng.uniform(-3, 3)),
    e: 0
  }
}

function monoToJSON(l: MonoLayer): MonoLayerWeights {
  return {
    ra: l.ra.dataSync()[0]!,
    rc: Array.from(l.rc.dataSync()),
    rw: Array.from(l.rw.dataSync()),
    b: Array.from(l.b.dataSync()),
    e: l.e.dataSync()[0]!
  }
}

const monoVars = (l: MonoLayer): tf.Variable[] => [l.ra, l.rc, l.rw, l.b, l.e]

export class RealNvpModel implements TrainableModel {
  readonly samplers = ONESTEP
  readonly defaultSteps = 1
  private readonly optimizer: JsAdam
  private readonly schedule: LrSchedule
  /** Std of the Gaussian noise added to each training batch (`dequantize`; 0 or absent in older runs: none). */
  private readonly dequantize: number
  private readonly masks: tf.Tensor1D[]
  private readonly maskArrays: Float32Array[]

  private constructor(
    readonly dim: number,
    readonly logScaleBound: number,
    private readonly couplings: Mlp[],
    private readonly mono: MonoLayer[],
    lr: number,
    params: ParamValues,
    private steps = 0
  ) {
    this.schedule = params.schedule === 'cosine' ? 'cosine' : 'constant'
    this.dequantize = Number(params.dequantize ?? 0)
    this.optimizer = new JsAdam(lr)
    this.maskArrays = couplings.map((_, k) => couplingMask(dim, k))
    this.masks = this.maskArrays.map((m) => tf.tensor1d(m))
  }

  static create(spec: ModelSpec): RealNvpModel {
    checkFlowSpec(spec)
    const d = spec.dim
    const K = num(spec.params, 'couplings')
    const bound = num(spec.params, 'logScaleBound')
    if (d === 1) {
      const units = num(spec.params, 'monoUnits')
      const layers = Array.from({ length: K }, () => monoFromJSON(monoInit(units, spec.rng)))
      return new RealNvpModel(1, bound, [], layers, spec.lr, spec.params)
    }
    const width = num(spec.params, 'couplingWidth')
    const depth = num(spec.params, 'couplingDepth')
    const activation = spec.model.activation
    const nets = Array.from({ length: K }, (_, k) => {
      const net = Mlp.create({ inDim: d, outDim: 2 * d, width, depth, activation }, spec.rng, `coupling${k}`)
      zeroLastLayer(net)
      return net
    })
    return new RealNvpModel(d, bound, nets, [], spec.lr, spec.params)
  }

  static restore(
    w: { kind: string } & Record<string, unknown>,
    spec: Omit<ModelSpec, 'rng' | 'loadRun'>
  ): RealNvpModel {
    checkKind('realnvp', w, 'realnvp')
    const d = spec.dim
    if (w.dim !== d) throw new ConfigError(`These realnvp weights model ${String(w.dim)}-D data, not ${d}-D.`)
    const bound = typeof w.logScaleBound === 'number' ? w.logScaleBound : num(spec.params, 'logScaleBound')
    const step = typeof w.step === 'number' ? w.step : 0
    if (d === 1) {
      const mono = w.mono as MonoLayerWeights[] | undefined
      if (!Array.isArray(mono) || mono.length === 0)
        throw new ConfigError('These 1-D realnvp weights hold no layers ("mono").')
      return new RealNvpModel(1, bound, [], mono.map(monoFromJSON), spec.lr, spec.params, step)
    }
    const list = w.couplings as unknown[] | undefined
    if (!Array.isArray(list) || list.length === 0)
      throw new ConfigError('These realnvp weights hold no coupling layers.')
    const nets = list.map((_, k) =>
      Mlp.fromJSON(readMlp('realnvp', { net: list[k] }, 'net', { inDim: d, outDim: 2 * d }), `coupling${k}`)
    )
    return new RealNvpModel(d, bound, nets, [], spec.lr, spec.params, step)
  }

  /** Number of layers (couplings for d ≥ 2, monotone layers for d = 1). */
  get layers(): number {
    return this.dim === 1 ? this.mono.length : this.couplings.length
  }

  /** s (bounded, zero on kept coordinates) and t (zero there) of coupling k at the kept input h = m ⊙ x. */
  private scaleShift(k: number, h: tf.Tensor2D): { s: tf.Tensor2D; t: tf.Tensor2D } {
    const d = this.dim
    const free = tf.sub(1, this.masks[k]!)
    const [rs, rt] = tf.split(this.couplings[k]!.apply(h), [d, d], 1) as [tf.Tensor2D, tf.Tensor2D]
    const c = this.logScaleBound
    return { s: tf.mul(tf.mul(tf.tanh(tf.div(rs, c)), c), free), t: tf.mul(rt, free) }
  }

  /** The monotone layer's parameters as tensors: a (scalar), c [K], w [K]. */
  private monoParams(l: MonoLayer): { a: tf.Scalar; c: tf.Tensor1D; w: tf.Tensor1D } {
    return { a: tf.softplus(l.ra), c: tf.softplus(l.rc), w: tf.softplus(l.rw) }
  }

  /**
   * ψ⁻¹: x [n, d] ↦ z, with log|det Dψ⁻¹(x)| [n] (differentiable: the training direction).
   */
  inverse(x: tf.Tensor2D): { z: tf.Tensor2D; logdet: tf.Tensor1D } {
    return tf.tidy(() => {
      let h = x
      let logdet: tf.Tensor1D = tf.zeros([x.shape[0]])
      if (this.dim === 1) {
        for (const l of this.mono) {
          const { a, c, w } = this.monoParams(l)
          const th = tf.tanh(tf.add(tf.mul(h, w), l.b)) // [n, K]
          const z = tf.add(tf.add(tf.mul(h, a), tf.sum(tf.mul(th, c), 1, true)), l.e) as tf.Tensor2D
          const deriv = tf.add(a, tf.sum(tf.mul(tf.sub(1, tf.square(th)), tf.mul(c, w)), 1))
          logdet = tf.add(logdet, tf.log(deriv))
          h = z
        }
        return { z: h, logdet }
      }
      const d = this.dim
      const n = x.shape[0]
      const parts: tf.Tensor2D[] = []
      this.couplings.forEach((net, k) => {
        const mask = this.maskArrays[k]!
        const packed = affineCoupling(h, net.apply(maskColumns(h, mask)), mask, this.logScaleBound)
        const [z, ld] = tf.split(packed, [d, 1], 1) as [tf.Tensor2D, tf.Tensor2D]
        h = z
        parts.push(ld)
      })
      logdet = tf.reshape(parts.length === 1 ? parts[0]! : tf.addN(parts), [n])
      return { z: h, logdet }
    })
  }

  /**
   * ψ: z [n, d] ↦ x, with log|det Dψ(z)| [n] (the sampling direction; not differentiated in training).
   */
  forward(z: tf.Tensor2D): { x: tf.Tensor2D; logdet: tf.Tensor1D } {
    if (this.dim === 1) return this.forwardMono(z)
    return tf.tidy(() => {
      let h = z
      let logdet: tf.Tensor1D = tf.zeros([z.shape[0]])
      for (let k = this.couplings.length - 1; k >= 0; k--) {
        const { s, t } = this.scaleShift(k, tf.mul(h, this.masks[k]!) as tf.Tensor2D)
        h = tf.mul(tf.sub(h, t), tf.exp(tf.neg(s))) as tf.Tensor2D
        logdet = tf.sub(logdet, tf.sum(s, 1))
      }
      return { x: h, logdet }
    })
  }

  /** 1-D sampling direction: each monotone layer inverted by bisection (float64), then log|det| = −log dz/dx. */
  private forwardMono(z: tf.Tensor2D): { x: tf.Tensor2D; logdet: tf.Tensor1D } {
    const n = z.shape[0]
    const v = Float64Array.from(z.dataSync())
    const layers = this.mono.map(monoToJSON)
    for (let li = layers.length - 1; li >= 0; li--) {
      const l = layers[li]!
      const a = softplusJs(l.ra)
      const c = l.rc.map(softplusJs)
      const w = l.rw.map(softplusJs)
      const csum = c.reduce((s, q) => s + q, 0)
      const f = (x: number): number => {
        let s = a * x + l.e
        for (let k = 0; k < c.length; k++) s += c[k]! * Math.tanh(w[k]! * x + l.b[k]!)
        return s
      }
      for (let i = 0; i < n; i++) {
        const target = v[i]!
        let lo = (target - l.e - csum) / a
        let hi = (target - l.e + csum) / a
        for (let it = 0; it < 80 && hi - lo > 1e-12 * (1 + Math.abs(lo)); it++) {
          const mid = 0.5 * (lo + hi)
          if (f(mid) < target) lo = mid
          else hi = mid
        }
        v[i] = 0.5 * (lo + hi)
      }
    }
    return tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(v), [n, 1])
      return { x, logdet: tf.neg(this.inverse(x).logdet) as tf.Tensor1D }
    })
  }

  /** −log p(x) per row [n] by eq. (4). */
  nll(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { z, logdet } = this.inverse(x)
      return tf.neg(tf.add(logStdNormal(z), logdet)) as tf.Tensor1D
    })
  }

  step(y: tf.Tensor2D, ctx: LossContext): { loss: number } {
    const d = this.dim
    const s = this.dequantize
    const x = s > 0 ? tf.tidy(() => tf.add(y, tf.mul(tf.tensor(ctx.rng.normals(y.size), y.shape), s))) : y
    const loss = jsAdamStep(
      this.optimizer,
      this.vars(),
      () => tf.div(tf.mean(this.nll(x as tf.Tensor2D)), d) as tf.Scalar,
      lrFactor(this.schedule, ctx.step, ctx.steps)
    )
    if (x !== y) x.dispose()
    this.steps++
    return { loss }
  }

  sample(n: number, rng: Rng, opts: SampleOptions): Float32Array {
    checkOnestep('realnvp', opts)
    const d = this.dim
    const out = new Float32Array(n * d)
    for (let start = 0; start < n; start += CHUNK) {
      const m = Math.min(CHUNK, n - start)
      const z = tf.tensor2d(rng.normals(m * d), [m, d])
      const { x, logdet } = this.forward(z)
      out.set(x.dataSync() as Float32Array, start * d)
      tf.dispose([z, x, logdet])
    }
    return out
  }

  /** Held-out negative log-likelihood, nats per dimension (standardised coordinates). */
  evaluate(heldout: { n: number; d: number; data: Float32Array }): Record<string, number> {
    const d = this.dim
    let total = 0
    for (let start = 0; start < heldout.n; start += CHUNK) {
      const m = Math.min(CHUNK, heldout.n - start)
      const s = tf.tidy(() =>
        tf.sum(this.nll(tf.tensor2d(heldout.data.subarray(start * d, (start + m) * d), [m, d])))
      )
      total += s.dataSync()[0]!
      s.dispose()
    }
    return { nllNatsPerDim: total / heldout.n / d }
  }

  /** Exports its sampling direction ψ (the couplings; the 1-D model's monotone layers have no graph). */
  exportAs(): ModelExport {
    return {
      kind: 'realnvp',
      weights: this.toJSON(),
      forward: (z, n) => {
        const zt = tf.tensor2d(z, [n, z.length / n])
        const { x, logdet } = this.forward(zt)
        const out = x.dataSync() as Float32Array
        tf.dispose([zt, x, logdet])
        return out
      }
    }
  }

  toJSON(): RealNvpWeights {
    return {
      kind: 'realnvp',
      dim: this.dim,
      logScaleBound: this.logScaleBound,
      ...(this.dim === 1
        ? { mono: this.mono.map(monoToJSON) }
        : { couplings: this.couplings.map((c) => c.toJSON()) }),
      step: this.steps
    }
  }

  vars(): tf.Variable[] {
    return this.dim === 1 ? this.mono.flatMap(monoVars) : this.couplings.flatMap((c) => c.variables())
  }

  snapshot(): tf.Tensor[] {
    return snapshotVars(this.vars())
  }

  restore(snap: tf.Tensor[]): void {
    restoreVars(this.vars(), snap)
  }

  dispose(): void {
    tf.dispose(this.masks)
    this.couplings.forEach((c) => c.dispose())
    tf.dispose(this.mono.flatMap(monoVars))
  }
}

/** A flow transports N(0, I_d) noise of the data dimension. */
function checkFlowSpec(spec: Pick<ModelSpec, 'dim' | 'model'>): void {
  if (spec.model.latentDim !== spec.dim)
    throw new ConfigError(
      `realnvp is invertible, so its noise has the data dimension ${spec.dim}; a latent dimension of ${spec.model.latentDim} does not apply (leave it unset).`
    )
  if (spec.model.base !== 'normal')
    throw new ConfigError(`realnvp's density p₀ is N(0, I); the "${spec.model.base}" base does not apply.`)
}

export const realnvp: ModelObjective = {
  kind: 'model',
  id: 'realnvp',
  family: 'density',
  title: 'RealNVP normalising flow',
  paper: '§3, eq. (4)',
  summary:
    'Exact maximum likelihood by the change of variables p(x) = p₀(ψ⁻¹(x))|det Dψ⁻¹(x)| (eq. (4)), ψ invertible.\n' +
    'Affine coupling layers with alternating masks (d ≥ 2) or monotone tanh layers (d = 1); sampling is x = ψ(z).',
  params: {
    couplings: int(8, 1, 64, 'Coupling layers (d ≥ 2; alternating masks) or monotone layers (d = 1).'),
    couplingWidth: int(
      64,
      2,
      4096,
      'Hidden width of each coupling network g_k (the run’s activation; its width/depth do not apply).'
    ),
    couplingDepth: int(2, 1, 16, 'Hidden layers of each coupling network g_k.'),
    logScaleBound: float(2, 0.1, 10, 'Bound c of each layer’s log-scale, s = c·tanh(ŝ/c).'),
    dequantize: float(
      0,
      0,
      1,
      'Std of Gaussian noise added to each training batch (standardised units; 0: none). Pixels sit on few ' +
        'values (the background on one): without noise the flow squeezes them to a point, and its inverse ' +
        'blows samples up.'
    ),
    schedule: choice(
      'cosine',
      LR_SCHEDULES,
      'Learning-rate schedule over the run: constant, or cosine decay to 5%.'
    ),
    monoUnits: int(16, 1, 512, 'tanh units per monotone layer of the 1-D flow (d = 1 only).')
  },
  defaults: { steps: 1500, batch: 256, lr: 3e-3 },
  // A flow keeps z 784-D (no latent budget); wider couplings, a smaller rate, noise on the pixels, and a
  // tighter log-scale bound: each pixel passes 4 of the 8 couplings, so c = 2 lets a sample grow e⁸ ≈ 3 000×
  // (measured: |x| up to 3.5e3 after 30 steps on mnist), c = 1 at most e⁴ ≈ 55× (the 0.05 noise needs e³).
  imageDefaults: {
    steps: 1000,
    batch: 128,
    lr: 5e-4,
    params: { couplingWidth: 256, dequantize: 0.05, logScaleBound: 1 }
  },
  async create(spec) {
    return RealNvpModel.create(spec)
  },
  restore(weights, spec) {
    return RealNvpModel.restore(weights, spec)
  }
}
