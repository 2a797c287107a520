/**
 * Run-time choice of the TensorFlow.js backend. `auto` takes the first that loads of:
 * `tensorflow-gpu` (@tensorflow/tfjs-node-gpu) → `tensorflow` (@tensorflow/tfjs-node) → `wasm` → `cpu`.
 * The native packages are optional dependencies: where they did not install, the loader falls through.
 * `wasm` is the default fallback: measured ~14× faster than `cpu` on the reference workload (docs/benchmarks.md).
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs-core'
// tfjs-core's Node bundle ships no gradients; the union package registers them (globally) on import.
import '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'
import type { BackendChoice, BackendId, TrainBackendId } from './types'
import { ConfigError } from './errors'

// Not named `require`: electron-vite's ESM shim declares its own `require` in a bundle that calls `require(…)`,
// and two declarations of one name are a SyntaxError when the bundled main process or job worker loads.
const requireNode = createRequire(import.meta.url)

export const BACKENDS: readonly BackendId[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']

export interface BackendInfo {
  /** Our id of the backend that runs. */
  id: BackendId
  /** tfjs's own name of it (`tensorflow`, `wasm`, `cpu`). */
  tfName: string
  /** Why each earlier candidate was passed over (auto mode), e.g. "tensorflow: package not installed". */
  skipped: string[]
}

let current: BackendInfo | null = null

function loadNative(pkg: string): string | null {
  try {
    requireNode(pkg)
    return null
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e)
    return /Cannot find module/.test(msg) ? 'package not installed' : msg
  }
}

async function tryBackend(id: BackendId): Promise<string | null> {
  if (id === 'tensorflow-gpu' || id === 'tensorflow') {
    const why = loadNative(id === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node')
    if (why) return why
    if (id === 'tensorflow-gpu' && !hasCudaDevice()) return 'no CUDA device visible'
    return (await tf.setBackend('tensorflow')) ? null : 'backend failed to initialise'
  }
  try {
    return (await tf.setBackend(id)) ? null : 'backend failed to initialise'
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

function hasCudaDevice(): boolean {
  // tfjs-node-gpu silently runs on the CPU where no GPU is present; report that honestly.
  try {
    const fs = requireNode('node:fs') as typeof import('node:fs')
    return fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/nvidiactl')
  } catch {
    return false
  }
}

/**
 * Every `--backend` a run accepts: the TensorFlow.js backends and `onnxruntime`, which trains the objectives
 * that have an onnxruntime step (src/engine/ort/) while TensorFlow.js (chosen as `auto`) samples and evaluates.
 */
export const TRAIN_BACKENDS: readonly TrainBackendId[] = [...BACKENDS, 'onnxruntime']

/**
 * Selects (once per process) the TensorFlow.js backend and reports which one runs. `onnxruntime` selects as
 * `auto`: TensorFlow.js still runs sampling and metrics of an onnxruntime-trained run.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (choice === 'onnxruntime') choice = 'auto'
  if (current && (choice === 'auto' || choice === current.id)) return current
  if (choice !== 'auto' && !BACKENDS.includes(choice))
    throw new ConfigError(
      `Unknown backend "${String(choice)}" (choose one of auto, ${TRAIN_BACKENDS.join(', ')}).`
    )
  const candidates = choice === 'auto' ? BACKENDS : [choice]
  const skipped: string[] = []
  for (const id of candidates) {
    const why = await tryBackend(id)
    if (why === null) {
      await tf.ready()
      current = { id, tfName: tf.getBackend(), skipped }
      return current
    }
    skipped.push(`${id}: ${why}`)
  }
  throw new ConfigError(`Backend ${choice} is not available here (${skipped.join('; ')}).`)
}

export function currentBackend(): BackendInfo | null {
  return current
}

export { tf }
