/**
 * Data-parallel training on one machine: the calling thread plus `threads − 1` worker threads, each with its
 * own TensorFlow.js instance (tfjs-backend-wasm runs one thread per instance under Node), split every batch
 * into shards, average their gradients through shared memory and apply the average with identical Adams.
 * The calling thread's network (`phi`, passed in) is always the up-to-date one: evaluate, snapshot and save
 * it as usual.
 *
 * Only for losses that are a mean over samples (losses.ts): then the averaged gradient is the full-batch
 * gradient (tests/engine/bench/parallel-trainer.test.ts checks it against a single-thread step).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs-core'
import { currentBackend } from '../../backend'
import { defaultThreads } from '../../threads'
import type { Mlp } from '../../models/mlp'
import type { BackendId } from '../../types'
import { computeGradients } from '../../train/step'
import { PARALLEL_LOSSES, type ParallelLoss } from './losses'
import {
  allocBuffers,
  applyFlat,
  arrive,
  CMD,
  CMD_EXIT,
  CMD_GRADIENT,
  CMD_STEP,
  CMD_WEIGHTS,
  DONE,
  ERROR,
  flattenGrads,
  flattenValues,
  GRADS,
  paramCount,
  SEQ,
  setLearningRate as setOptimizerLr,
  shards,
  waitAtLeast,
  weightedAverage,
  type Shard,
  type SharedBuffers,
  type WorkerInit
} from './protocol'

export interface ParallelTrainerOptions {
  /** Threads computing gradients, the calling one included (1 = no workers). Default: available cores (≤ 8). */
  threads?: number
  /** Adam learning rate (every replica gets the same Adam). */
  lr: number
  /** Loss id in PARALLEL_LOSSES (default 'mse'). */
  loss?: string
  /** Rows per step (fixed: the shared batch buffer is sized once). */
  batch: number
  /** Backend of the worker replicas. Default: the calling thread's. Use the same one, or replicas drift. */
  backend?: BackendId
  /** Longest wait for the other threads within one step before failing (default 120 s). */
  timeoutMs?: number
}

function backendId(): BackendId {
  const cur = currentBackend()
  if (cur) return cur.id
  const name = tf.getBackend()
  if (name === 'wasm' || name === 'cpu' || name === 'tensorflow') return name
  throw new Error(`data-parallel training does not support the "${name}" backend`)
}

function workerEntry(): { file: URL; entry?: string } {
  // From the TypeScript sources (tsx, vitest) the worker needs tsx registered in its own thread.
  const here = import.meta.url
  if (here.endsWith('.ts'))
    return { file: new URL('../../worker-boot.mjs', here), entry: new URL('./worker.ts', here).href }
  return { file: new URL('./worker.js', here) }
}

interface Replica {
  worker: Worker
  errors: MessagePort
}

export class DataParallelTrainer {
  readonly threads: number
  readonly batch: number
  /** Rank 0's optimizer (the workers hold identical ones). */
  readonly optimizer: tf.Optimizer
  private readonly vars: tf.Variable[]
  private readonly P: number
  private readonly ctrl: Int32Array
  private readonly data: Float32Array
  private readonly slots: Float32Array
  private readonly losses: Float64Array
  private readonly hyper: Float64Array
  private lr: number
  private readonly avg: Float32Array
  private readonly parts: Shard[]
  private readonly weights: number[]
  private readonly lossFn: ParallelLoss
  private readonly timeoutMs: number
  private broken: string | null = null
  private disposed = false

  private constructor(
    private readonly phi: Mlp,
    opts: Required<Omit<ParallelTrainerOptions, 'backend'>>,
    buffers: SharedBuffers,
    private readonly replicas: Replica[]
  ) {
    this.threads = opts.threads
    this.batch = opts.batch
    this.timeoutMs = opts.timeoutMs
    this.lossFn = PARALLEL_LOSSES[opts.loss]!
    this.optimizer = tf.train.adam(opts.lr)
    this.vars = phi.variables()
    this.P = paramCount(this.vars)
    this.ctrl = new Int32Array(buffers.ctrl)
    this.data = new Float32Array(buffers.data)
    this.slots = new Float32Array(buffers.grads)
    this.losses = new Float64Array(buffers.losses)
    this.hyper = new Float64Array(buffers.hyper)
    this.lr = opts.lr
    this.avg = new Float32Array(this.P)
    this.parts = shards(opts.batch, opts.threads)
    this.weights = this.parts.map((s) => s.rows / opts.batch)
  }

  /** Starts the worker replicas from `phi`'s current weights (a few hundred ms each). */
  static async create(phi: Mlp, options: ParallelTrainerOptions): Promise<DataParallelTrainer> {
    const opts = {
      threads: options.threads ?? defaultThreads(),
      lr: options.lr,
      loss: options.loss ?? 'mse',
      batch: options.batch,
      timeoutMs: options.timeoutMs ?? 120_000
    }
    if (!Number.isInteger(opts.threads) || opts.threads < 1)
      throw new Error(`threads: ${opts.threads} is not a positive integer`)
    if (!Number.isInteger(opts.batch) || opts.batch < opts.threads)
      throw new Error(`batch ${opts.batch} cannot be split over ${opts.threads} threads`)
    if (!PARALLEL_LOSSES[opts.loss]) throw new Error(`unknown data-parallel loss "${opts.loss}"`)
    const backend = options.backend ?? backendId()
    const { inDim, outDim } = phi.spec
    const buffers = allocBuffers(opts.threads, opts.batch, inDim, outDim, paramCount(phi.variables()))
    const weights = phi.toJSON()
    const { file, entry } = workerEntry()
    const replicas: Replica[] = []
    const started: Promise<void>[] = []
    for (let rank = 1; rank < opts.threads; rank++) {
      const { port1, port2 } = new MessageChannel()
      const init: WorkerInit & { entry?: string; errorPort: MessagePort } = {
        rank,
        threads: opts.threads,
        batch: opts.batch,
        inDim,
        outDim,
        backend,
        lr: opts.lr,
        loss: opts.loss,
        weights,
        buffers,
        timeoutMs: opts.timeoutMs,
        errorPort: port2,
        ...(entry ? { entry } : {})
      }
      const worker = new Worker(file, { workerData: init, transferList: [port2] })
      replicas.push({ worker, errors: port1 })
      started.push(
        new Promise<void>((resolve, reject) => {
          const fail = (why: string): void =>
            reject(new Error(`data-parallel worker ${rank} failed to start: ${why}`))
          worker.on('message', (m: { type: string; message?: string }) => {
            if (m.type === 'ready') resolve()
            else if (m.type === 'error') fail(m.message ?? 'unknown error')
          })
          worker.once('error', (e) => fail(e.message))
          worker.once('exit', (code) => fail(`exited with code ${code}`))
        })
      )
    }
    try {
      await Promise.all(started)
    } catch (e) {
      await Promise.all(replicas.map((r) => r.worker.terminate()))
      throw e
    }
    for (const r of replicas) {
      r.worker.removeAllListeners('exit')
      r.worker.unref()
      r.errors.unref()
    }
    const trainer = new DataParallelTrainer(phi, opts, buffers, replicas)
    Atomics.store(trainer.ctrl, DONE, opts.threads - 1)
    return trainer
  }

  /**
   * One Adam step on a batch (input [batch, inDim] and target [batch, outDim], row-major). Returns the
   * full-batch loss; when it is not finite no replica updates (as optimizerStep). Blocks until done.
   */
  step(input: Float32Array, target: Float32Array): number {
    return this.run(CMD_STEP, input, target)
  }

  /**
   * Sets every replica's learning rate from the next step on (for schedules; rank 0's `optimizer` too).
   */
  setLearningRate(lr: number): void {
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`learning rate ${lr} is not a positive number`)
    this.lr = lr // published with the next command, once every replica has finished the current one
  }

  /** The averaged full-batch gradient (in `phi.variables()` order) and loss, without updating anything. */
  gradient(input: Float32Array, target: Float32Array): { loss: number; grad: Float32Array } {
    const loss = this.run(CMD_GRADIENT, input, target)
    const grad = new Float32Array(this.P)
    weightedAverage(this.slots, this.weights, grad)
    return { loss, grad }
  }

  /** Largest |w_replica − w_rank0| over all weights and replicas (0 while they stay in lock-step). */
  replicaDrift(): number {
    this.post(CMD_WEIGHTS)
    this.wait(DONE, this.threads - 1)
    const own = new Float32Array(this.P)
    flattenValues(this.vars, own)
    let drift = 0
    for (let k = 1; k < this.threads; k++) {
      const slot = this.slots.subarray(k * this.P, (k + 1) * this.P)
      for (let i = 0; i < this.P; i++) drift = Math.max(drift, Math.abs(slot[i]! - own[i]!))
    }
    return drift
  }

  /** Stops the workers and frees rank 0's optimizer (not `phi`, which belongs to the caller). */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    try {
      if (!this.broken) {
        this.waitDone()
        Atomics.store(this.ctrl, CMD, CMD_EXIT)
        Atomics.add(this.ctrl, SEQ, 1)
        Atomics.notify(this.ctrl, SEQ)
      }
    } catch {
      /* a worker is stuck: terminate below */
    }
    await Promise.all(
      this.replicas.map(
        (r) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(
              () => void r.worker.terminate().then(() => resolve()),
              this.broken ? 0 : 2000
            )
            r.worker.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
          })
      )
    )
    for (const r of this.replicas) r.errors.close()
    this.optimizer.dispose()
  }

  private run(cmd: number, input: Float32Array, target: Float32Array): number {
    const { inDim, outDim } = this.phi.spec
    const B = this.batch
    if (input.length !== B * inDim || target.length !== B * outDim)
      throw new Error(`data-parallel step: expected ${B}×${inDim} inputs and ${B}×${outDim} targets`)
    this.post(cmd, input, target)
    try {
      const { rows } = this.parts[0]!
      const { loss, grads } = computeGradients(
        () =>
          this.lossFn(
            this.phi,
            tf.tensor2d(input.slice(0, rows * inDim), [rows, inDim]),
            tf.tensor2d(target.slice(0, rows * outDim), [rows, outDim])
          ),
        this.vars
      )
      flattenGrads(this.vars, grads, this.slots.subarray(0, this.P))
      tf.dispose(grads)
      this.losses[0] = loss
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e))
    }
    arrive(this.ctrl, GRADS)
    this.wait(GRADS, this.threads)
    let total = 0
    for (let k = 0; k < this.threads; k++) total += this.weights[k]! * this.losses[k]!
    if (cmd === CMD_STEP && Number.isFinite(total)) {
      weightedAverage(this.slots, this.weights, this.avg)
      setOptimizerLr(this.optimizer, this.hyper[0]!)
      applyFlat(this.optimizer, this.vars, this.avg)
    }
    return total
  }

  /** Waits for the previous command to finish everywhere, writes the batch, then starts `cmd`. */
  private post(cmd: number, input?: Float32Array, target?: Float32Array): void {
    if (this.disposed) throw new Error('data-parallel trainer is disposed')
    if (this.broken) throw new Error(`data-parallel trainer failed earlier: ${this.broken}`)
    this.waitDone()
    this.hyper[0] = this.lr
    if (input && target) {
      this.data.set(input, 0)
      this.data.set(target, input.length)
    }
    Atomics.store(this.ctrl, GRADS, 0)
    Atomics.store(this.ctrl, DONE, 0)
    Atomics.store(this.ctrl, CMD, cmd)
    Atomics.add(this.ctrl, SEQ, 1)
    Atomics.notify(this.ctrl, SEQ)
  }

  private waitDone(): void {
    this.wait(DONE, this.threads - 1)
  }

  private wait(index: number, target: number): void {
    let ok: boolean
    try {
      ok = waitAtLeast(this.ctrl, index, target, this.timeoutMs)
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e))
    }
    if (!ok) {
      const why = this.replicas
        .map((r) => (receiveMessageOnPort(r.errors)?.message as { message?: string } | undefined)?.message)
        .find((m) => m !== undefined)
      this.fail(why ?? 'a worker failed')
    }
  }

  private fail(why: string): never {
    this.broken = why
    Atomics.store(this.ctrl, ERROR, 1)
    for (const i of [SEQ, GRADS, DONE]) Atomics.notify(this.ctrl, i)
    throw new Error(`data-parallel training failed: ${why}`)
  }
}
