/**
 * Teachers for `reflow`, `distill` and `cd` (§4, "the need to speed up inference"): the run store hands over a
 * trained flow run rebuilt by its own objective (`spec.restoreRun`, train.ts `runRestorer`), which is
 * integrated once to a pool of pairs (z, χ(z)), z ~ N(0, I), χ the teacher's deterministic flow map (eq. (7)).
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../../errors'
import { choice, int, str, type ParamSpecs } from '../../params'
import type { ModelSpec, SampleOptions, SamplerId } from '../types'
import { VelocityModel, isFlowModel, type FlowModel } from './common'
import { Mlp, foldInputs, type MlpWeights } from '../../models/mlp'
import { timeEmbedding } from '../../models/velocity'
import { Rng } from '../../rng'
import { DIVERGED, OrtSampler, maxAbs, samplingEngine } from '../../onnx/live-sampler'
import { ortThreads } from '../../threads'
import type { RunConfig } from '../../train/config'
import { duration } from '../../../shared/duration'

export const TEACHER_PARAMS: ParamSpecs = {
  teacher: str(
    '',
    'Run id of the trained flow to learn from (a run of an objective that can teach: cfm, ddpm, …).'
  ),
  teacherSampler: choice(
    'auto',
    ['auto', 'heun', 'euler', 'ddim'],
    "Deterministic sampler that integrates the teacher (auto: the teacher's best one)."
  ),
  teacherSteps: int(32, 1, 1000, 'Integration steps K of the teacher for each pair.'),
  pool: int(8192, 64, 1_000_000, 'Number of (z, teacher(z)) pairs generated at the start.')
}

export interface Teacher {
  runId: string
  objective: string
  model: FlowModel
  /** The sampler and K that generate the pairs. */
  opts: SampleOptions
  /** The teacher run's configuration (its graph's metadata; absent: the pairs come from the engine). */
  config?: RunConfig
}

/** A pool of pairs: z [n, d] base noise and x [n, d] = teacher(z), row-major. */
export interface PairPool {
  n: number
  d: number
  z: Float32Array
  x: Float32Array
  /** Pairs drawn but left out because the teacher's sample diverged (`keepSane`). */
  dropped?: number
}

/**
 * The pairs of z [n, d] → x [n, d] whose teacher sample is sane: every coordinate finite and within ±DIVERGED
 * standardised units (the live sampler's bound). A data-predicting teacher at 784-D sends a rare sample to
 * infinity (the bench's seed-1 mnist cfm, Heun K = 16: 2 of 131 072 at 1e23–1e24, every other within ±5), and
 * one such target makes the student's loss infinite on the step that draws it (distill diverged at step 1 350
 * after a steady loss of ≈ 31). Rows are compacted in place; `dropped` counts the rest.
 */
export function keepSane(z: Float32Array, x: Float32Array, d: number): PairPool {
  const n = x.length / d
  let kept = 0
  for (let i = 0; i < n; i++) {
    if (!(maxAbs(x.subarray(i * d, (i + 1) * d)) <= DIVERGED)) continue
    if (kept !== i) {
      z.copyWithin(kept * d, i * d, (i + 1) * d)
      x.copyWithin(kept * d, i * d, (i + 1) * d)
    }
    kept++
  }
  if (kept === 0)
    throw new ConfigError(
      `Every one of the teacher's ${n} samples diverged (a value not finite or beyond ±${DIVERGED}): ` +
        'it cannot teach. Train the teacher longer or at a smaller learning rate, or choose another run.'
    )
  if (kept === n) return { n, d, z, x }
  return { n: kept, d, z: z.subarray(0, kept * d), x: x.subarray(0, kept * d), dropped: n - kept }
}

/** Says in the run's log how many pairs `keepSane` left out of a pool (nothing when none). */
export function logDropped(who: string, pool: PairPool, log?: (line: string) => void): void {
  if (pool.dropped)
    log?.(
      `${who}: left out ${pool.dropped} of ${pool.n + pool.dropped} teacher pairs whose sample diverged ` +
        `(a value not finite or beyond ±${DIVERGED}).`
    )
}

/** The teacher named by the `teacher` parameter, restored by the run store (`spec.restoreRun`). */
export async function loadTeacher(who: string, spec: ModelSpec): Promise<Teacher> {
  const runId = String(spec.params.teacher ?? '').trim()
  if (!runId)
    throw new ConfigError(`${who} learns from a trained flow: name its run with --set teacher=<runId>.`)
  if (!spec.restoreRun)
    throw new ConfigError(`${who} needs the run store to load its teacher run ${runId}; none is open here.`)
  const run = await spec.restoreRun(runId, 'teacher')
  const model = run.model
  if (!isFlowModel(model)) {
    model.dispose()
    throw new ConfigError(
      `Run ${runId} (${run.objective.id}) defines no deterministic transport to learn from.`
    )
  }
  if (model.dim !== spec.dim) {
    model.dispose()
    throw new ConfigError(
      `Teacher run ${runId} transports ${model.dim}-dimensional data; this run's data have dimension ${spec.dim}.`
    )
  }
  const wanted = String(spec.params.teacherSampler ?? 'auto')
  const sampler: SamplerId | undefined =
    wanted === 'auto' ? model.samplers.find((s) => s !== 'ddpm') : (wanted as SamplerId)
  if (!sampler || !model.samplers.includes(sampler) || sampler === 'ddpm') {
    model.dispose()
    throw new ConfigError(
      `Teacher run ${runId} (${run.objective.id}) integrates with ${model.samplers.filter((s) => s !== 'ddpm').join(', ')}; ` +
        `"${wanted}" does not apply.`
    )
  }
  return {
    runId,
    objective: run.objective.id,
    model,
    opts: { sampler, steps: Number(spec.params.teacherSteps ?? 32) },
    config: run.config
  }
}

/** n fresh pairs (z, teacher(z)), z ~ N(0, I) from `rng`. */
export function makePairs(teacher: Teacher, n: number, rng: Rng): PairPool {
  const d = teacher.model.dim
  const z = rng.normals(n * d)
  return keepSane(z, teacher.model.transport(z, teacher.opts), d)
}

/** Who asks for a first pool (`label` in its log lines), where its progress goes, and what stops it. */
export interface PoolWatch {
  label?: string
  log?(message: string): void
  signal?: AbortSignal
}

/** A model spec's log and cancel signal, for its first pool. */
export function poolWatch(label: string, spec: Pick<ModelSpec, 'log' | 'signal'>): PoolWatch {
  return { label, ...(spec.log ? { log: spec.log } : {}), ...(spec.signal ? { signal: spec.signal } : {}) }
}

/** How often a long pool's generation logs its progress. */
export const POOL_PROGRESS_MS = 30_000

/**
 * A chunk callback that logs `label: teacher pairs k of n (p %) after T, about R left` at most every
 * POOL_PROGRESS_MS (nothing for a pool that takes less): at 784-D a 524 288-pair pool takes a quarter of an hour.
 */
export function poolProgress(
  label: string,
  log: (message: string) => void,
  now: () => number = () => performance.now()
): (done: number, total: number) => void {
  const t0 = now()
  let last = t0
  return (done, total) => {
    const t = now()
    if (t - last < POOL_PROGRESS_MS || done >= total) return
    last = t
    const left = ((t - t0) * (total - done)) / done
    log(
      `${label}: teacher pairs ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ` +
        `(${Math.floor((100 * done) / total)} %) after ${duration(t - t0)}, about ${duration(left)} left`
    )
  }
}

/**
 * The first pool, drawn as `makePairs` draws it, the teacher integrated through onnxruntime for image-size
 * data (onnx/live-sampler.ts, checked against the engine on a few rows first): at 784-D an 8192-pair
 * Heun K = 32 pool is ≈ 3.6 TFLOP, minutes in TensorFlow.js.
 */
export async function firstPool(
  teacher: Teacher,
  n: number,
  rng: Rng,
  watch: PoolWatch = {}
): Promise<PairPool> {
  const d = teacher.model.dim
  const config = teacher.config
  if (!config || samplingEngine('auto', d) !== 'onnxruntime') return makePairs(teacher, n, rng)
  const z = rng.normals(n * d)
  const ort = new OrtSampler(() => ({ config, model: teacher.model, weights: { kind: 'live' } }), {
    threads: ortThreads()
  })
  try {
    const r = await ort.transport(z, teacher.opts, 0, {
      ...(watch.signal ? { signal: watch.signal } : {}),
      ...(watch.log ? { onChunk: poolProgress(watch.label ?? 'teacher', watch.log) } : {})
    })
    return keepSane(z, r ? r.data : teacher.model.transport(z, teacher.opts), d)
  } finally {
    await ort.dispose()
  }
}

/** Rows `idx` of a pool: z [B, d] and x [B, d]. */
export function gatherPairs(pool: PairPool, idx: ArrayLike<number>): { z: Float32Array; x: Float32Array } {
  const d = pool.d
  const z = new Float32Array(idx.length * d)
  const x = new Float32Array(idx.length * d)
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!
    for (let j = 0; j < d; j++) {
      z[i * d + j] = pool.z[r * d + j]!
      x[i * d + j] = pool.x[r * d + j]!
    }
  }
  return { z, x }
}

/** B uniform indices into a pool of n. */
export function drawIndices(n: number, B: number, rng: Rng): Uint32Array {
  const idx = new Uint32Array(B)
  for (let i = 0; i < B; i++) idx[i] = rng.int(n)
  return idx
}

/** Rows on which a folded start map is checked against the teacher's own network. */
const START_CHECK_ROWS = 4

/**
 * The teacher's clean-sample prediction at the noise end t₀ of its path as a one-step MLP on z,
 *   x̂(z) = cx(t₀)·z + cn(t₀)·net(z, t₀)   (the field's data prediction, samplers/field.ts),
 * with emb(t₀) folded into the first layer's bias and cn into the last layer: a plain map where cx = 0 (a
 * clean-sample or preconditioned network, x̂ = net(z, 0)) and a residual one, z + MLP(z), where cx = 1 (a
 * velocity network on the straight path, x̂ = z + v(z, 0) — the teacher's one Euler step). The start of a
 * distilled map (distill's `init=teacher`): at t₀ the prediction is about the data mean, but the features
 * are the teacher's. Null with the reason where no such map exists: a teacher without an MLP
 * time-conditioned network (a U-Net), or one whose prediction at t₀ scales z otherwise (ε-prediction at the
 * noise end of a VP diffusion divides by α(t₀) ≈ 0). The folded map is checked against the teacher's network
 * on a few rows, so a network that conditions its input otherwise is refused, not mis-read.
 */
export function teacherStartMap(teacher: Teacher): { map: MlpWeights } | { reason: string } {
  const m = teacher.model
  if (!(m instanceof VelocityModel))
    return { reason: `a ${teacher.objective} teacher has no time-conditioned network to start from` }
  const w = m.velocityWeights()
  if (!('mlp' in w)) return { reason: "the teacher's network is a U-Net, not an MLP" }
  const t0 = m.timeGrid(teacher.opts.sampler, 1)[0]!
  const { cx, cn } = m.flowField.data(t0)
  if ((cx !== 0 && cx !== 1) || !Number.isFinite(cn) || cn === 0)
    return {
      reason: `the teacher's clean-sample prediction at t = ${t0} is ${cx.toPrecision(3)}·z + ${cn.toPrecision(3)}·net, not a plain or residual map of z`
    }
  const { dim: d, timeDim, maxFreq } = w.spec
  const map = foldInputs(w.mlp, d, timeEmbedding([t0], timeDim, maxFreq), { scale: cn, residual: cx === 1 })
  const z = new Rng(START_CHECK_ROWS).normals(START_CHECK_ROWS * d)
  const net = m.predict(z, t0)
  const mlp = Mlp.fromJSON(map, 'teacher-start')
  try {
    const got = tf.tidy(() => mlp.apply(tf.tensor2d(z, [START_CHECK_ROWS, d])).dataSync())
    let err = 0
    let scale = 1
    for (let i = 0; i < got.length; i++) {
      const want = cx * z[i]! + cn * net[i]!
      err = Math.max(err, Math.abs(got[i]! - want))
      scale = Math.max(scale, Math.abs(want))
    }
    if (!(err <= 1e-3 * scale))
      return { reason: `the folded map differs from the teacher's network by ${err.toPrecision(3)}` }
  } finally {
    mlp.dispose()
  }
  return { map }
}
