/**
 * Training throughput on the reference workload (`fm-train-8g`, ../shared/bench/torch_train.py): flow
 * matching on 8 Gaussians (radius 2, std 0.1) — x₀ ~ N(0, I), x₁ ~ data, t ~ U(0, 1),
 * x_t = (1 − t)x₀ + t·x₁, target x₁ − x₀, mean squared error — with the MLP 3 → 256 → 256 → 256 → 2 (SiLU),
 * Adam lr 1e-3, batch 512. Each row runs the step the training loop runs on that backend: for the
 * TensorFlow.js backends the engine's own `Mlp`, `tf.train.adam` and the shared step of train.ts
 * (train/step.ts); for `onnxruntime` the engine's onnxruntime trainer (ort/train-step.ts, the step of
 * `--backend onnxruntime` runs). The PyTorch peer runs in the same process tree, because on a shared machine
 * only a ratio measured in one command means something.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { BACKENDS, initBackend } from '../backend'
import type { EngineContext } from '../context'
import { ConfigError } from '../errors'
import { Mlp, type MlpSpec } from '../models/mlp'
import { Rng } from '../rng'
import type { BackendId, TrainBackendId } from '../types'
import { OrtTrainStep, TFJS_ADAM } from '../ort/train-step'
import { adapterName, providerLabel, type ExecutionProvider } from '../onnx/providers'
import { defaultThreads } from '../threads'
import { mse } from './parallel/losses'
import { DataParallelTrainer } from './parallel/trainer'
import { optimizerStep } from '../train/step'
import { exec, lastLine, machine, preparePeer, sharedDir, type Machine } from './peer'

export const WORKLOAD = {
  id: 'fm-train-8g',
  batch: 512,
  lr: 1e-3,
  spec: { inDim: 3, outDim: 2, width: 256, depth: 3, activation: 'silu' } satisfies MlpSpec
} as const

/**
 * The image-size workload (`torch_train.py --workload mnist`): the same flow-matching step with the MLP
 * 785 → 1024 → 1024 → 1024 → 784 (SiLU), batch 128, x₁ = 784 pixels uniform in [0, 1] (speed does not depend
 * on the pixels).
 */
export const MNIST_WORKLOAD = {
  id: 'fm-train-mnist',
  batch: 128,
  lr: 1e-3,
  spec: { inDim: 785, outDim: 784, width: 1024, depth: 3, activation: 'silu' } satisfies MlpSpec
} as const

export type TrainWorkloadId = '8g' | 'mnist'

/** One batch of the image-size workload: rows (x_t, t) and targets x₁ − x₀, x₁ ~ U[0, 1]^784. */
export function mnistBatch(rng: Rng, input: Float32Array, target: Float32Array): void {
  const D = MNIST_WORKLOAD.spec.outDim
  const B = target.length / D
  for (let i = 0; i < B; i++) {
    const t = rng.next()
    for (let j = 0; j < D; j++) {
      const x1 = rng.next()
      const x0 = rng.normal()
      input[i * (D + 1) + j] = (1 - t) * x0 + t * x1
      target[i * D + j] = x1 - x0
    }
    input[i * (D + 1) + D] = t
  }
}

/**
 * One flow-matching batch on 8 Gaussians into `input` ([B, 3] rows (x_t, t)) and `target` ([B, 2] rows
 * x₁ − x₀), drawn from `rng` (the peer draws the same distributions with torch's generator).
 */
export function fmBatch(rng: Rng, input: Float32Array, target: Float32Array): void {
  const B = target.length / 2
  for (let i = 0; i < B; i++) {
    const a = (2 * Math.PI * rng.int(8)) / 8
    const x1a = 2 * Math.cos(a) + 0.1 * rng.normal()
    const x1b = 2 * Math.sin(a) + 0.1 * rng.normal()
    const x0a = rng.normal()
    const x0b = rng.normal()
    const t = rng.next()
    input[3 * i] = (1 - t) * x0a + t * x1a
    input[3 * i + 1] = (1 - t) * x0b + t * x1b
    input[3 * i + 2] = t
    target[2 * i] = x1a - x0a
    target[2 * i + 1] = x1b - x0b
  }
}

/** Every row the benchmark can run: the TensorFlow.js backends and onnxruntime. */
export const BENCH_BACKENDS: readonly TrainBackendId[] = [...BACKENDS, 'onnxruntime']

export interface BackendResult {
  /** Display name: the backend id, with `×N threads` for the data-parallel trainer or onnxruntime's pool. */
  name: string
  backend: TrainBackendId
  /** Threads computing a step (wasm: 1 = the engine's plain loop, >1 = bench/parallel/; onnxruntime: intra-op). */
  threads: number
  status: 'ok' | 'skipped' | 'failed'
  /** Why it was skipped or failed. */
  reason?: string
  warmup?: number
  steps?: number
  seconds?: number
  stepsPerSec?: number
  msPerStep?: number
  /** Process CPU time per step (all threads): the cost of a step, less sensitive to other load than wall time. */
  cpuMsPerStep?: number
  finalLoss?: number
  /** Data-parallel only: largest weight difference between replicas after the run (0 = lock-step). */
  replicaDrift?: number
  /** onnxruntime only: largest |w − w_tfjs| after 3 identical steps from the same weights as the tfjs step. */
  maxWeightDiff?: number
}

export interface PeerResult {
  status: 'ok' | 'unavailable'
  reason?: string
  /** Mean over the runs (one before our backends, one after). */
  stepsPerSec: number | null
  runs: number[]
  torch?: string
  blas?: string[]
  command: string
}

export interface TrainBenchReport {
  workload: string
  /** The fastest backend that ran (by steps/s), or null. */
  backend: TrainBackendId | null
  threads: number | null
  name: string | null
  stepsPerSec: number | null
  peer: PeerResult
  /** stepsPerSec / peer.stepsPerSec. */
  ratio: number | null
  backends: BackendResult[]
  machine: Machine
}

export interface TrainBenchOptions {
  /** Timed steps per fast backend (default 200; `cpu` runs a twentieth, at least 3). */
  steps?: number
  /** Untimed steps first (default 20; `cpu` 2). */
  warmup?: number
  /** Backends to try (default all of BENCH_BACKENDS). */
  backends?: readonly TrainBackendId[]
  /**
   * Threads of the data-parallel wasm row and of the multi-threaded onnxruntime row (default: available cores;
   * 1 = no such rows).
   */
  threads?: number
  /** Run the PyTorch peer (default true). */
  peer?: boolean
  /** Execution provider of the onnxruntime rows (default `cpu`). */
  provider?: ExecutionProvider
  /** The onnxruntime rows read the loss back every this many steps (default 1). */
  lossEvery?: number
  /** `8g` (fm-train-8g, default) or `mnist` (fm-train-mnist: onnxruntime rows and the peer only). */
  workload?: TrainWorkloadId
  /** Where setup-peer.sh and torch_train.py live (default $PFM_SHARED_DIR, else ../shared beside the repo). */
  sharedDir?: string
  seed?: number
}

export interface BenchProgress {
  phase: string
  done: number
  total: number
}

const SLOW: ReadonlySet<BackendId> = new Set(['cpu'])

/** Steps and warm-up for one backend. */
function budget(id: BackendId, steps: number, warmup: number): { steps: number; warmup: number } {
  return SLOW.has(id)
    ? { steps: Math.max(3, Math.round(steps / 20)), warmup: Math.min(warmup, 2) }
    : { steps, warmup }
}

interface Stepper {
  step(): number
  drift?(): number
  dispose(): Promise<void>
}

async function makeStepper(threads: number, seed: number): Promise<Stepper> {
  const { batch: B, lr, spec } = WORKLOAD
  const rng = new Rng(seed)
  const phi = Mlp.create(spec, rng.fork(), 'bench')
  const input = new Float32Array(B * spec.inDim)
  const target = new Float32Array(B * spec.outDim)
  if (threads > 1) {
    const trainer = await DataParallelTrainer.create(phi, { threads, lr, batch: B, loss: 'mse' })
    return {
      step: () => {
        fmBatch(rng, input, target)
        return trainer.step(input, target)
      },
      drift: () => trainer.replicaDrift(),
      dispose: async () => {
        await trainer.dispose()
        phi.dispose()
      }
    }
  }
  const optimizer = tf.train.adam(lr)
  const vars = phi.variables()
  return {
    // Exactly train.ts's step: data drawn in JS, tensors made inside the loss, optimizerStep.
    step: () => {
      fmBatch(rng, input, target)
      return optimizerStep(
        optimizer,
        () =>
          mse(
            phi.apply(tf.tensor2d(input, [B, spec.inDim]), { inputGrad: false }),
            tf.tensor2d(target, [B, spec.outDim])
          ),
        vars
      )
    },
    dispose: async () => {
      optimizer.dispose()
      phi.dispose()
    }
  }
}

/** Runs `run(warmup)`, then times `run(steps)`: wall seconds and the process's CPU time. */
async function timeSteps(
  run: (n: number) => void | Promise<void>,
  opts: { steps: number; warmup: number }
): Promise<{ seconds: number; cpu: NodeJS.CpuUsage }> {
  await run(opts.warmup)
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await run(opts.steps)
  return { seconds: (performance.now() - t0) / 1000, cpu: process.cpuUsage(c0) }
}

/** A timed row: steps/s, ms and CPU ms per step; failed where the last loss is not finite. */
function timedRow<B extends object, E extends object>(
  base: B,
  opts: { steps: number; warmup: number },
  { seconds, cpu }: { seconds: number; cpu: NodeJS.CpuUsage },
  loss: number,
  extra: E
) {
  if (!Number.isFinite(loss)) return { ...base, status: 'failed' as const, reason: `loss is ${loss}` }
  return {
    ...base,
    status: 'ok' as const,
    warmup: opts.warmup,
    steps: opts.steps,
    seconds: round(seconds, 3),
    stepsPerSec: round(opts.steps / seconds, 2),
    msPerStep: round((seconds * 1000) / opts.steps, 2),
    cpuMsPerStep: round((cpu.user + cpu.system) / 1000 / opts.steps, 2),
    finalLoss: round(loss, 4),
    ...extra
  }
}

/** Times `steps` steps after `warmup` on backend `id` (switching to it), with `threads` gradient threads. */
export async function benchBackend(
  id: BackendId,
  opts: { steps: number; warmup: number; threads?: number; seed?: number }
): Promise<BackendResult> {
  const threads = opts.threads ?? 1
  const name = threads > 1 ? `${id} ×${threads} threads` : id
  const base = { name, backend: id, threads }
  try {
    await initBackend(id)
  } catch (e) {
    return { ...base, status: 'skipped', reason: reasonOf(e) }
  }
  let stepper: Stepper | null = null
  try {
    stepper = await makeStepper(threads, opts.seed ?? 0)
    const s = stepper
    let loss = NaN
    const timing = await timeSteps((n) => {
      for (let i = 0; i < n; i++) loss = s.step()
    }, opts)
    return timedRow(base, opts, timing, loss, s.drift ? { replicaDrift: s.drift() } : {})
  } catch (e) {
    return { ...base, status: 'failed', reason: reasonOf(e) }
  } finally {
    await stepper?.dispose()
  }
}

/**
 * Times the engine's onnxruntime training step (ort/train-step.ts: forward, backward and Adam in one graph,
 * `threads` intra-op threads) — what `--backend onnxruntime` runs per step — after checking it against the
 * tfjs step on the same batches from the same weights.
 */
export async function benchOrt(opts: {
  steps: number
  warmup: number
  threads?: number
  seed?: number
  /** Execution provider (default `cpu`): `webgpu`, `cuda` where a session can be created on them. */
  provider?: ExecutionProvider
  /** Read the loss back every this many steps (default 1; the state stays on the device on `webgpu`). */
  lossEvery?: number
  /** The workload (default `8g`, fm-train-8g). */
  workload?: TrainWorkloadId
}): Promise<BackendResult> {
  const threads = opts.threads ?? 1
  const provider = opts.provider ?? 'cpu'
  const base = {
    name:
      (threads > 1 ? `onnxruntime ×${threads} threads` : 'onnxruntime') +
      (provider !== 'cpu' ? ` on ${providerLabel({ provider, adapter: adapterName(provider) })}` : ''),
    backend: 'onnxruntime' as const,
    threads
  }
  const mnist = opts.workload === 'mnist'
  const { batch: B, lr, spec } = mnist ? MNIST_WORKLOAD : WORKLOAD
  const draw = mnist ? mnistBatch : fmBatch
  const every = opts.lossEvery ?? 1
  let ort: OrtTrainStep | null = null
  let phi: Mlp | null = null
  let optimizer: tf.Optimizer | null = null
  try {
    await initBackend('wasm').catch(() => initBackend('cpu'))
    const rng = new Rng(opts.seed ?? 0)
    phi = Mlp.create(spec, rng.fork(), 'bench-ref')
    optimizer = tf.train.adam(lr)
    ort = await OrtTrainStep.create(
      phi.variables().map((v) => v.dataSync() as Float32Array),
      {
        sizes: [spec.inDim, ...Array<number>(spec.depth).fill(spec.width), spec.outDim],
        activation: spec.activation,
        adam: { ...TFJS_ADAM, epsilon: tf.backend().epsilon() },
        threads,
        provider
      }
    )
    const input = new Float32Array(B * spec.inDim)
    const target = new Float32Array(B * spec.outDim)
    // Same three batches through both: onnxruntime must train like the tfjs step.
    const ref = phi
    const opt = optimizer
    for (let i = 0; i < 3; i++) {
      draw(rng, input, target)
      await ort.step(input, target, lr)
      optimizerStep(
        opt,
        () =>
          mse(
            ref.apply(tf.tensor2d(input, [B, spec.inDim]), { inputGrad: false }),
            tf.tensor2d(target, [B, spec.outDim])
          ),
        ref.variables()
      )
    }
    let maxWeightDiff = 0
    const want = phi.variables().map((v) => v.dataSync())
    ;(await ort.readParams()).params.forEach((p, i) =>
      p.forEach((v, j) => (maxWeightDiff = Math.max(maxWeightDiff, Math.abs(v - want[i]![j]!))))
    )
    let loss = NaN
    const timed = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        draw(rng, input, target)
        const l = await ort!.step(input, target, lr, 0, { read: (i + 1) % every === 0 || i + 1 === n })
        if (l !== null) loss = l
      }
    }
    return timedRow(base, opts, await timeSteps(timed, opts), loss, { maxWeightDiff })
  } catch (e) {
    const why = reasonOf(e)
    return { ...base, status: /Cannot find (module|package)/.test(why) ? 'skipped' : 'failed', reason: why }
  } finally {
    await ort?.dispose()
    optimizer?.dispose()
    phi?.dispose()
  }
}

/** Runs torch_train.py once; steps/s or why not. */
export async function runPeerOnce(
  dir: string,
  steps: number,
  workload: TrainWorkloadId = '8g'
): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; reason: string }> {
  const env = await preparePeer(dir)
  if (typeof env === 'string') return { ok: false, reason: env }
  const python = '/usr/bin/python3'
  if (!fs.existsSync(python)) return { ok: false, reason: `${python} not found` }
  const r = await exec(
    python,
    [path.join(dir, 'bench', 'torch_train.py'), '--steps', String(steps), '--workload', workload],
    { ...process.env, ...env },
    10 * 60_000
  )
  if (r.code !== 0)
    return { ok: false, reason: `torch_train.py failed: ${lastLine(r.stderr) || `exit code ${r.code}`}` }
  try {
    const json = JSON.parse(lastLine(r.stdout)) as Record<string, unknown>
    if (typeof json.steps_per_s !== 'number')
      return { ok: false, reason: 'torch_train.py printed no steps_per_s' }
    return { ok: true, json }
  } catch {
    return { ok: false, reason: `torch_train.py printed no JSON: ${lastLine(r.stdout).slice(0, 120)}` }
  }
}

export function peerCommand(dir: string): string {
  return `env $(bash ${path.join(dir, 'bench/setup-peer.sh')}) /usr/bin/python3 ${path.join(dir, 'bench/torch_train.py')}`
}

/** The whole benchmark: peer, every backend, peer again. */
export async function benchTrain(
  opts: TrainBenchOptions = {},
  ctx: EngineContext<BenchProgress> = {}
): Promise<TrainBenchReport> {
  const steps = opts.steps ?? 200
  const warmup = opts.warmup ?? 20
  const ids = opts.backends ?? BENCH_BACKENDS
  const threads = opts.threads ?? defaultThreads()
  const seed = opts.seed ?? 0
  const dir = sharedDir(opts.sharedDir)
  const wantPeer = opts.peer !== false
  const workload = opts.workload ?? '8g'
  if (workload === 'mnist' && ids.some((id) => id !== 'onnxruntime'))
    throw new ConfigError(`--workload mnist times the onnxruntime step only: add --backends onnxruntime.`)
  const plan: { id: TrainBackendId; threads: number }[] = []
  for (const id of ids) {
    plan.push({ id, threads: 1 })
    if ((id === 'wasm' || id === 'onnxruntime') && threads > 1) plan.push({ id, threads })
  }
  const total = plan.length + (wantPeer ? 2 : 0)
  let done = 0
  const progress = (phase: string): void => ctx.onProgress?.({ phase, done, total })

  const peerRuns: number[] = []
  let peerInfo: Record<string, unknown> = {}
  let peerReason: string | undefined
  const peerRun = async (): Promise<void> => {
    progress('peer')
    ctx.log?.('peer: PyTorch (torch_train.py)…')
    const r = await runPeerOnce(dir, steps, workload)
    if (r.ok) {
      peerRuns.push(r.json.steps_per_s as number)
      peerInfo = r.json
    } else peerReason ??= r.reason
    done++
  }

  if (wantPeer) await peerRun()
  const results: BackendResult[] = []
  for (const { id, threads: t } of plan) {
    if (ctx.signal?.aborted) break
    progress(id)
    const b = id === 'onnxruntime' ? { steps, warmup } : budget(id, steps, warmup)
    ctx.log?.(`${t > 1 ? `${id} ×${t} threads` : id}: ${b.warmup} warm-up + ${b.steps} timed steps…`)
    const r =
      id === 'onnxruntime'
        ? await benchOrt({
            ...b,
            threads: t,
            seed,
            workload,
            ...(opts.provider ? { provider: opts.provider } : {}),
            ...(opts.lossEvery ? { lossEvery: opts.lossEvery } : {})
          })
        : await benchBackend(id, { ...b, threads: t, seed })
    // A backend that is not there is reported once, not once per thread count.
    if (!(r.status === 'skipped' && results.some((p) => p.backend === id && p.status === 'skipped')))
      results.push(r)
    done++
  }
  if (wantPeer && peerRuns.length > 0) await peerRun()

  const peerSps = peerRuns.length ? round(peerRuns.reduce((s, v) => s + v, 0) / peerRuns.length, 2) : null
  const peer: PeerResult = {
    status: peerSps !== null ? 'ok' : 'unavailable',
    ...(peerSps === null ? { reason: wantPeer ? (peerReason ?? 'no run') : 'not run: --no-peer' } : {}),
    stepsPerSec: peerSps,
    runs: peerRuns,
    ...(typeof peerInfo.torch === 'string' ? { torch: peerInfo.torch } : {}),
    ...(Array.isArray(peerInfo.blas) ? { blas: peerInfo.blas as string[] } : {}),
    command: peerCommand(dir)
  }
  const ok = results.filter((r) => r.status === 'ok')
  const best = ok.reduce<BackendResult | null>(
    (a, r) => (a === null || r.stepsPerSec! > a.stepsPerSec! ? r : a),
    null
  )
  return {
    workload: workload === 'mnist' ? MNIST_WORKLOAD.id : WORKLOAD.id,
    backend: best?.backend ?? null,
    threads: best?.threads ?? null,
    name: best?.name ?? null,
    stepsPerSec: best?.stepsPerSec ?? null,
    peer,
    ratio: best && peerSps ? round(best.stepsPerSec! / peerSps, 3) : null,
    backends: results,
    machine: machine()
  }
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e)
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
