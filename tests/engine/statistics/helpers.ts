/**
 * Test helpers for the §2 objectives: a seeded 8-Gaussians sampler, a plain-JS unbiased energy distance, a
 * Gaussian-fit yard-stick, and a tiny training loop (MLP φ, Adam) to check that an objective trains.
 */
import * as tf from '@tensorflow/tfjs-core'
import { Mlp } from '../../../src/engine/models/mlp'
import type { Activation } from '../../../src/engine/models/mlp'
import type { ParamValues } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import type { Objective } from '../../../src/engine/objectives/types'

/** 8 Gaussians (FFJORD): centres (±1,0),(0,±1),(±1,±1)/√2 times 4, plus 0.5·N noise, all / 1.414. [n·2] */
export function eightGaussians(n: number, rng: Rng): Float32Array {
  const s = Math.SQRT1_2
  const centres = [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
    [s, s],
    [s, -s],
    [-s, s],
    [-s, -s]
  ]
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(8)]!
    out[2 * i] = (4 * c[0]! + 0.5 * rng.normal()) / 1.414
    out[2 * i + 1] = (4 * c[1]! + 0.5 * rng.normal()) / 1.414
  }
  return out
}

/** Per-column mean and standard deviation of a row-major [n, d] array. */
export function columnStats(data: Float32Array, d: number): { mean: number[]; std: number[] } {
  const n = data.length / d
  const mean = Array<number>(d).fill(0)
  const sq = Array<number>(d).fill(0)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j]! += (data[i * d + j]! - mean[j]!) ** 2 / n
  return { mean, std: sq.map(Math.sqrt) }
}

export function standardise(
  data: Float32Array,
  d: number,
  st: { mean: number[]; std: number[] }
): Float32Array {
  return data.map((v, k) => (v - st.mean[k % d]!) / st.std[k % d]!)
}

/** Unbiased energy distance (U-statistic) in float64, x [n, d], y [m, d] row-major. */
export function energyU(x: Float32Array, y: Float32Array, d: number): number {
  const n = x.length / d
  const m = y.length / d
  const dist = (a: Float32Array, i: number, b: Float32Array, j: number): number => {
    let s = 0
    for (let k = 0; k < d; k++) s += (a[i * d + k]! - b[j * d + k]!) ** 2
    return Math.sqrt(s)
  }
  let xy = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) xy += dist(x, i, y, j)
  let xx = 0
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) xx += dist(x, i, x, j)
  let yy = 0
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) yy += dist(y, i, y, j)
  return (2 * xy) / (n * m) - (2 * xx) / (n * (n - 1)) - (2 * yy) / (m * (m - 1))
}

/** n samples of the Gaussian N(mean, cov) fitted to `data` [·, d] (Cholesky of the sample covariance). */
export function gaussianFitSamples(data: Float32Array, d: number, n: number, rng: Rng): Float32Array {
  const N = data.length / d
  const { mean } = columnStats(data, d)
  const cov = Array.from({ length: d }, () => Array<number>(d).fill(0))
  for (let i = 0; i < N; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        cov[a]![b]! += ((data[i * d + a]! - mean[a]!) * (data[i * d + b]! - mean[b]!)) / N
  const L = Array.from({ length: d }, () => Array<number>(d).fill(0))
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = cov[i]![j]!
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!
      L[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j]![j]!
    }
  const out = new Float32Array(n * d)
  for (let r = 0; r < n; r++) {
    const z = rng.normals(d)
    for (let i = 0; i < d; i++) {
      let v = mean[i]!
      for (let k = 0; k <= i; k++) v += L[i]![k]! * z[k]!
      out[r * d + i] = v
    }
  }
  return out
}

export interface TrainCheck {
  objective: Objective
  params?: ParamValues
  steps?: number
  batch?: number
  lr?: number
  width?: number
  depth?: number
  activation?: Activation
  seed?: number
  /** Points per side for the final energy distance. */
  evalN?: number
  /** Learning-rate schedule: constant (as the training loop does) or cosine decay to 0. */
  schedule?: 'constant' | 'cosine'
  /** Evaluate every this many steps too (0: only at the end). */
  evalEvery?: number
  log?: (msg: string) => void
}

export interface TrainCheckResult {
  /** Held-out energy distance of φ's samples, and of a Gaussian fitted to the training split. */
  energy: number
  energyGaussian: number
  /** Training wall time, evaluation excluded. */
  seconds: number
  /** CPU time of this process over the same span (less sensitive to a busy machine than wall time). */
  cpuSeconds: number
  losses: number[]
  curve: { step: number; energy: number; seconds: number; cpuSeconds: number }[]
  modes: ModeReport
}

export interface ModeReport {
  /** Share of samples nearest to each of the 8 centres, among those within 3 mode-σ of one. */
  weights: number[]
  /** Share of samples farther than 3 mode-σ from every centre (bridges, strays). */
  off: number
  /** Mean within-mode standard deviation per coordinate, relative to the true one. */
  spread: number
}

/** Where standardised 8-Gaussians samples fall: per-mode shares, strays, and within-mode spread. */
export function modeReport(x: Float32Array, st: { mean: number[]; std: number[] }): ModeReport {
  const s = Math.SQRT1_2
  const c = [
    [1, 0],
    [s, s],
    [0, 1],
    [-s, s],
    [-1, 0],
    [-s, -s],
    [0, -1],
    [s, -s]
  ].map(([a, b]) => [
    ((4 * a!) / 1.414 - st.mean[0]!) / st.std[0]!,
    ((4 * b!) / 1.414 - st.mean[1]!) / st.std[1]!
  ])
  const sigma = 0.5 / 1.414 / st.std[0]!
  const counts = Array<number>(8).fill(0)
  let off = 0
  let sq = 0
  const n = x.length / 2
  for (let i = 0; i < n; i++) {
    let best = 0
    let bd = Infinity
    c.forEach(([a, b], k) => {
      const dd = (x[2 * i]! - a!) ** 2 + (x[2 * i + 1]! - b!) ** 2
      if (dd < bd) {
        bd = dd
        best = k
      }
    })
    if (Math.sqrt(bd) > 3 * sigma) off++
    else {
      counts[best]!++
      sq += bd
    }
  }
  const inside = n - off
  return { weights: counts.map((k) => k / inside), off: off / n, spread: Math.sqrt(sq / inside / 2) / sigma }
}

/**
 * Trains φ = MLP(2 → width^depth → 2) on standardised 8 Gaussians with `objective` and Adam, the way the
 * training loop does: z ∼ N(0, I), x = φ(z), y = a random data batch.
 */
export function trainEightGaussians(opts: TrainCheck): TrainCheckResult {
  const o = opts.objective
  const steps = opts.steps ?? o.defaults.steps
  const B = opts.batch ?? o.defaults.batch
  const lr = opts.lr ?? o.defaults.lr
  const seed = opts.seed ?? 1
  const evalN = opts.evalN ?? 2000
  const dataRng = new Rng(seed + 1000)
  const raw = eightGaussians(20000, dataRng)
  const st = columnStats(raw, 2)
  const train = standardise(raw, 2, st)
  const heldout = standardise(eightGaussians(evalN, dataRng), 2, st)
  const energyGaussian = energyU(gaussianFitSamples(train, 2, evalN, new Rng(seed + 7)), heldout, 2)
  const params: ParamValues = {
    ...Object.fromEntries(Object.entries(o.params).map(([k, s]) => [k, s.default])),
    ...opts.params
  }

  const phi = Mlp.create(
    {
      inDim: 2,
      outDim: 2,
      width: opts.width ?? 128,
      depth: opts.depth ?? 3,
      activation: opts.activation ?? 'silu'
    },
    new Rng(seed),
    'phi'
  )
  const rng = new Rng(seed + 1)
  const optimizer = tf.train.adam(lr)
  const vars = phi.variables()
  const yBuf = new Float32Array(B * 2)
  const losses: number[] = []
  const curve: TrainCheckResult['curve'] = []
  const evaluate = (): number => {
    const z = tf.tensor2d(new Rng(seed + 99).normals(evalN * 2), [evalN, 2])
    const s = tf.tidy(() => phi.apply(z))
    const e = energyU(s.dataSync() as Float32Array, heldout, 2)
    tf.dispose([z, s])
    return e
  }
  let seconds = 0
  let cpuSeconds = 0
  for (let step = 0; step < steps; step++) {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    for (let i = 0; i < B; i++) {
      const r = rng.int(train.length / 2)
      yBuf[2 * i] = train[2 * r]!
      yBuf[2 * i + 1] = train[2 * r + 1]!
    }
    if (opts.schedule === 'cosine') {
      // AdamOptimizer reads its (protected) learningRate at every update.
      ;(optimizer as unknown as { learningRate: number }).learningRate =
        lr * 0.5 * (1 + Math.cos((Math.PI * step) / steps))
    }
    const z = rng.normals(B * 2)
    const ctx = { rng, step, steps }
    const cost = optimizer.minimize(
      () => tf.tidy(() => o.loss(phi.apply(tf.tensor2d(z, [B, 2])), tf.tensor2d(yBuf, [B, 2]), params, ctx)),
      true,
      vars
    )
    losses.push(cost!.dataSync()[0]!)
    cost!.dispose()
    seconds += (performance.now() - t0) / 1000
    const c1 = process.cpuUsage(c0)
    cpuSeconds += (c1.user + c1.system) / 1e6
    if (opts.evalEvery && (step + 1) % opts.evalEvery === 0 && step + 1 < steps) {
      const e = evaluate()
      curve.push({ step: step + 1, energy: e, seconds, cpuSeconds })
      opts.log?.(
        `${o.id} step ${step + 1}: energy ${e.toFixed(5)} (gaussian ${energyGaussian.toFixed(4)}), ${seconds.toFixed(1)} s, cpu ${cpuSeconds.toFixed(1)} s`
      )
    }
  }
  const energy = evaluate()
  curve.push({ step: steps, energy, seconds, cpuSeconds })
  const samples = tf.tidy(() => phi.apply(tf.tensor2d(new Rng(seed + 99).normals(evalN * 2), [evalN, 2])))
  const modes = modeReport(samples.dataSync() as Float32Array, st)
  samples.dispose()
  optimizer.dispose()
  phi.dispose()
  return { energy, energyGaussian, seconds, cpuSeconds, losses, curve, modes }
}
