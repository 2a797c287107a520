/** Threads a CPU computation uses by default: the cores this process may use, at most 8. */
import * as os from 'node:os'

export function defaultThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  return Math.max(1, Math.min(8, n))
}
