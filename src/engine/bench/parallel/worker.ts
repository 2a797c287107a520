/**
 * A data-parallel replica (one worker thread): its own TensorFlow.js instance, a copy of the network and
 * an Adam identical to rank 0's. Loops on the shared control array until told to exit (protocol.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../backend'
import { Mlp } from '../../models/mlp'
import { computeGradients } from '../../train/step'
import { PARALLEL_LOSSES } from './losses'
import {
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
  setLearningRate,
  shards,
  waitAtLeast,
  weightedAverage,
  type WorkerInit
} from './protocol'

async function main(init: WorkerInit): Promise<void> {
  await initBackend(init.backend)
  const lossFn = PARALLEL_LOSSES[init.loss]
  if (!lossFn) throw new Error(`unknown data-parallel loss "${init.loss}"`)
  const phi = Mlp.fromJSON(init.weights, `replica${init.rank}`)
  const vars = phi.variables()
  const optimizer = tf.train.adam(init.lr)
  const P = paramCount(vars)
  const { threads, batch, inDim, outDim, rank } = init
  const ctrl = new Int32Array(init.buffers.ctrl)
  const data = new Float32Array(init.buffers.data)
  const slots = new Float32Array(init.buffers.grads)
  const losses = new Float64Array(init.buffers.losses)
  const hyper = new Float64Array(init.buffers.hyper)
  const mine = slots.subarray(rank * P, (rank + 1) * P)
  const avg = new Float32Array(P)
  const parts = shards(batch, threads)
  const weights = parts.map((s) => s.rows / batch)
  const { offset, rows } = parts[rank]!
  const xs = data.subarray(offset * inDim, (offset + rows) * inDim)
  const ys = data.subarray(batch * inDim + offset * outDim, batch * inDim + (offset + rows) * outDim)
  parentPort!.postMessage({ type: 'ready' })

  let seq = 0
  for (;;) {
    const now = Atomics.load(ctrl, SEQ)
    if (now === seq) {
      if (Atomics.load(ctrl, ERROR) !== 0) break
      Atomics.wait(ctrl, SEQ, seq)
      continue
    }
    seq = now
    const cmd = Atomics.load(ctrl, CMD)
    if (cmd === CMD_EXIT) break
    if (cmd === CMD_WEIGHTS) {
      flattenValues(vars, mine)
      arrive(ctrl, DONE)
      continue
    }
    // Copies of the shared rows: backends that keep the array (cpu) must not see the next batch.
    const { loss, grads } = computeGradients(
      () => lossFn(phi, tf.tensor2d(xs.slice(), [rows, inDim]), tf.tensor2d(ys.slice(), [rows, outDim])),
      vars
    )
    flattenGrads(vars, grads, mine)
    tf.dispose(grads)
    losses[rank] = loss
    arrive(ctrl, GRADS)
    if (!waitAtLeast(ctrl, GRADS, threads, init.timeoutMs)) break
    let total = 0
    for (let k = 0; k < threads; k++) total += weights[k]! * losses[k]!
    if (cmd === CMD_STEP && Number.isFinite(total)) {
      weightedAverage(slots, weights, avg)
      setLearningRate(optimizer, hyper[0]!)
      applyFlat(optimizer, vars, avg)
    } else if (cmd !== CMD_GRADIENT && cmd !== CMD_STEP) throw new Error(`unknown command ${cmd}`)
    arrive(ctrl, DONE)
  }
  optimizer.dispose()
  phi.dispose()
}

const init = workerData as WorkerInit & { errorPort: MessagePort }
main(init).then(
  () => init.errorPort.close(),
  (e: unknown) => {
    // Rank 0 may be blocked in Atomics.wait: raise the flag, wake it, and leave the reason where it can
    // read it synchronously (receiveMessageOnPort).
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e)
    init.errorPort.postMessage({ message })
    parentPort!.postMessage({ type: 'error', message })
    const ctrl = new Int32Array(init.buffers.ctrl)
    Atomics.store(ctrl, ERROR, 1)
    for (const i of [GRADS, DONE]) Atomics.notify(ctrl, i)
  }
)
