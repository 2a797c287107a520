/** Threads a CPU computation uses by default: the cores this process may use, at most 8. */
import * as os from 'node:os'

export function defaultThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  return Math.max(1, Math.min(8, n))
}

/** Intra-op threads of an onnxruntime session: $PFM_ORT_THREADS, else one per core (at most 8). */
export function ortThreads(): number {
  const env = Number(process.env.PFM_ORT_THREADS)
  return Number.isInteger(env) && env >= 1 ? env : defaultThreads()
}
