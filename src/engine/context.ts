/**
 * The plain context every long engine function takes. Electron, the CLI and the web host each adapt it.
 */
export interface EngineContext<P = unknown> {
  /** Cancels the work; the engine checks it between steps. */
  signal?: AbortSignal
  /** Progress events (throttled by the engine to a few per second). */
  onProgress?(p: P): void
  /** Human-readable log lines (backend chosen, checkpoints, …). */
  log?(msg: string): void
}

/** Lets timers, signals and IPC run between compute steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
