/**
 * Pieces shared by the model objectives that train a one-step map — adversarial (statistics/gan, wgan-gp),
 * density (density/realnvp, vae) and annealed (flows/anneal): building the MLPs from the run's model
 * configuration, reading stored networks back, one-step sampling, snapshots, and the checks each makes on its
 * specification.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'
import { Mlp, type Activation, type MlpWeights } from '../models/mlp'
import type { ParamValues } from '../params'
import type { Rng } from '../rng'
import type { ModelConfig } from '../train/config'
import { sampleMap } from '../train/sampling'
import type { ModelSpec, SampleOptions, SamplerId } from './types'
import { cosineFactor } from '../train/schedule'
import { emaDecay, emaUpdate } from '../train/ema'

/** The generator φ: Z → X of a one-step model: latentDim → dim with the run's width, depth and activation. */
export function createGenerator(spec: Pick<ModelSpec, 'dim' | 'model' | 'rng'>, name = 'phi'): Mlp {
  const m = spec.model
  return Mlp.create(
    { inDim: m.latentDim, outDim: spec.dim, width: m.width, depth: m.depth, activation: m.activation },
    spec.rng,
    name
  )
}

/** An auxiliary network (critic, encoder, coupling net) with its own shape. */
export function createNet(
  rng: Rng,
  inDim: number,
  outDim: number,
  width: number,
  depth: number,
  activation: Activation,
  name: string
): Mlp {
  return Mlp.create({ inDim, outDim, width, depth, activation }, rng, name)
}

/** Zeroes the last layer of a network in place (coupling layers and decoders then start at the identity / 0). */
export function zeroLastLayer(net: Mlp): void {
  const last = net.weights[net.weights.length - 1]!
  tf.tidy(() => {
    last.w.assign(tf.zerosLike(last.w))
    last.b.assign(tf.zerosLike(last.b))
  })
}

/** A stored MLP under `key`, checked for shape, naming the objective in the error. */
export function readMlp(
  id: string,
  w: Record<string, unknown>,
  key: string,
  expect?: { inDim?: number; outDim?: number }
): MlpWeights {
  const net = w[key] as MlpWeights | undefined
  if (!net || typeof net !== 'object' || !net.spec || !Array.isArray(net.layers) || net.layers.length === 0)
    throw new ConfigError(`These ${id} weights hold no network "${key}".`)
  if (expect?.inDim !== undefined && net.spec.inDim !== expect.inDim)
    throw new ConfigError(
      `The stored ${id} network "${key}" reads ${net.spec.inDim} inputs, not ${expect.inDim}.`
    )
  if (expect?.outDim !== undefined && net.spec.outDim !== expect.outDim)
    throw new ConfigError(
      `The stored ${id} network "${key}" writes ${net.spec.outDim} outputs, not ${expect.outDim}.`
    )
  return net
}

/** Checks that stored weights are of the kind this objective writes. */
export function checkKind(id: string, w: { kind: string }, kind: string): void {
  if (w.kind !== kind)
    throw new ConfigError(`These weights are of kind "${w.kind}", not the "${kind}" that ${id} stores.`)
}

/** One-step models sample with `onestep` only. */
export const ONESTEP: readonly SamplerId[] = ['onestep']

export function checkOnestep(id: string, opts: SampleOptions): void {
  if (opts.sampler !== 'onestep')
    throw new ConfigError(`${id} is a one-step map: it samples with "onestep", not "${opts.sampler}".`)
}

/** n samples φ(z), z ~ ν (the run's base), in standardised coordinates, [n, d] row-major. */
export function sampleOneStep(phi: Mlp, model: ModelConfig, n: number, rng: Rng, scale = 1): Float32Array {
  if (scale === 1) return sampleMap(phi, model, n, rng).data
  const out = new Float32Array(n * phi.spec.outDim)
  const CHUNK = 4096
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s)
    const x = tf.tidy(() => phi.apply(tf.mul(baseTensor(model, rng, m), scale) as tf.Tensor2D))
    out.set(x.dataSync() as Float32Array, s * phi.spec.outDim)
    x.dispose()
  }
  return out
}

/** The model configuration a stored generator implies (its own spec overrides the run's width/depth/activation). */
export function modelOf(phi: MlpWeights, base: ModelConfig['base']): ModelConfig {
  const s = phi.spec
  return { latentDim: s.inDim, base, width: s.width, depth: s.depth, activation: s.activation }
}

export { restoreVars, snapshotVars } from '../train/variables'

/** A number parameter. */
export const num = (p: ParamValues, k: string): number => Number(p[k])

/** N(0, I) draws of shape [n, k] as a tensor. */
export function normalTensor(rng: Rng, n: number, k: number): tf.Tensor2D {
  return tf.tensor2d(rng.normals(n * k), [n, k])
}

/** A base-measure draw z ~ ν of the run's model configuration as a tensor [n, latentDim]. */
export function baseTensor(model: ModelConfig, rng: Rng, n: number): tf.Tensor2D {
  const k = model.latentDim
  return tf.tensor2d(model.base === 'uniform' ? rng.uniforms(n * k) : rng.normals(n * k), [n, k])
}

/** log N(z; 0, I) summed over the last axis: −½‖z‖² − (d/2) log 2π. [n, d] → [n]. */
export function logStdNormal(z: tf.Tensor2D): tf.Tensor1D {
  const d = z.shape[1]
  return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * d * Math.log(2 * Math.PI)) as tf.Tensor1D
}

/** Row-wise log-mean-exp in float64 (JS): [n, k] row-major → n values. */
export function logMeanExpRows(v: Float32Array | Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let m = -Infinity
    for (let j = 0; j < k; j++) m = Math.max(m, v[i * k + j]!)
    let s = 0
    for (let j = 0; j < k; j++) s += Math.exp(v[i * k + j]! - m)
    out[i] = m + Math.log(s / k)
  }
  return out
}

export function mean(v: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]!
  return s / v.length
}

/**
 * An exponential moving average of a network's weights (train/ema.ts), the usual cure for the last iterate of
 * a min–max game wandering around the solution.
 */
export class WeightAverage {
  private t = 0
  constructor(
    readonly avg: Mlp,
    private readonly decay: number
  ) {}

  static of(src: Mlp, decay: number, name: string): WeightAverage {
    return new WeightAverage(Mlp.fromJSON(src.toJSON(), name), decay)
  }

  update(src: Mlp): void {
    emaUpdate(this.avg.variables(), src.variables(), emaDecay(this.decay, this.t++))
  }
}

/**
 * Adam with its moment estimates in JS (float32 arrays), the update computed in a plain loop and written back
 * with one `assign` per variable. Same update as `tf.train.adam` (bias-corrected moments, ε = 1e-7), but
 * 2 tensor ops per variable instead of ~12: on the wasm backend, where a kernel launch costs tens of µs, that
 * is most of a step for the small networks of these objectives (8 coupling nets × 6 variables: 12 ms → ~1 ms).
 */
export class JsAdam {
  private readonly m = new Map<tf.Variable, Float32Array>()
  private readonly v = new Map<tf.Variable, Float32Array>()
  private t = 0

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7
  ) {}

  /**
   * One update of `vars` with their gradients (keyed by variable name; a missing one is skipped), the learning
   * rate scaled by `lrScale` (a schedule).
   */
  apply(vars: tf.Variable[], grads: tf.NamedTensorMap, lrScale = 1): void {
    this.t++
    const c1 = 1 - this.beta1 ** this.t
    const c2 = 1 - this.beta2 ** this.t
    const { beta1: b1, beta2: b2, epsilon } = this
    const lr = this.lr * lrScale
    for (const variable of vars) {
      const gt = grads[variable.name]
      if (!gt) continue
      const g = gt.dataSync() as Float32Array
      const w = Float32Array.from(variable.dataSync() as Float32Array)
      let m = this.m.get(variable)
      let v = this.v.get(variable)
      if (!m || !v) {
        m = new Float32Array(w.length)
        v = new Float32Array(w.length)
        this.m.set(variable, m)
        this.v.set(variable, v)
      }
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!
        const mi = b1 * m[i]! + (1 - b1) * gi
        const vi = b2 * v[i]! + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] = w[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon)
      }
      tf.tidy(() => variable.assign(tf.tensor(w, variable.shape)))
    }
  }
}

/**
 * One optimisation step with `JsAdam`: gradients of `lossFn` (inside a tidy) with respect to `vars`, then the
 * update unless the loss is not finite. Returns the loss.
 */
export function jsAdamStep(
  optimizer: JsAdam,
  vars: tf.Variable[],
  lossFn: () => tf.Scalar,
  lrScale = 1
): number {
  const { value, grads } = tf.variableGrads(() => tf.tidy(lossFn), vars)
  const loss = value.dataSync()[0]!
  value.dispose()
  if (Number.isFinite(loss)) optimizer.apply(vars, grads, lrScale)
  tf.dispose(grads)
  return loss
}

export const LR_SCHEDULES = ['constant', 'cosine'] as const
export type LrSchedule = (typeof LR_SCHEDULES)[number]

/** The learning-rate factor at a step: 1, or a cosine decay from 1 to 0.05 over the run. */
export function lrFactor(schedule: LrSchedule, step: number, steps: number): number {
  return schedule === 'constant' ? 1 : cosineFactor(step, steps)
}
