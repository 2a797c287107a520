/**
 * The contract between the engine hosts (Electron main, later the web host) and the renderer.
 * This is the only place the API is described. Types only: no runtime imports, no values — every side
 * (main, preload, renderer, web host, tests) imports it with `import type`.
 *
 * Channels are named `domain:verb` (`engine:info`), one per method of {@link Api}.
 */

/** Objective families, in the order the paper presents them. */
export type ObjectiveFamily = 'statistics' | 'density' | 'flows'

/** What the engine offers, for the renderer's home screen and `pfm info`. */
export interface EngineInfo {
  /** The app's version (package.json). */
  version: string
  /** Id of the compute backend in use in the host process (`wasm`, `cpu`, …), or null if none is loaded yet. */
  backend: string | null
  /** Every registered objective, in registry order. */
  objectives: { id: string; family: ObjectiveFamily; title: string }[]
  /** Built-in datasets: id (`8gaussians`), dimension, title. */
  datasets: { id: string; dim: number; title: string }[]
}

/** The API as the renderer uses it: plain promises that reject with an `ApiError` (see renderer/src/api.ts). */
export interface Api {
  engine: {
    info(): Promise<EngineInfo>
  }
}

/** Push events from the host to the renderer, by channel name. Empty until training lands. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by later issues
export interface Events {}

/** A failure as it crosses a process boundary: a stable machine code and a sentence a researcher reads. */
export interface ApiErrorInfo {
  /** An `EngineError` code (`CONFIG`, `DATA_FORMAT`, …) or a host code (`INVALID_REQUEST`, `INTERNAL`, …). */
  code: string
  message: string
}

/**
 * Every handler returns a `Result` rather than throwing, because Electron's `invoke` keeps only the message
 * of a thrown error and drops its code.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo }

/** Domain names of the API (`engine`, …). */
export type Domain = keyof Api
/** Method names of one domain. */
export type Method<D extends Domain> = Extract<keyof Api[D], string>
/** The channel of one method: `domain:verb`. */
export type Channel = { [D in Domain]: `${D}:${Method<D>}` }[Domain]

type Fn = (...args: never[]) => Promise<unknown>
/** The resolved value of one contract method, e.g. `Returns<Api['engine']['info']>`. */
export type Returns<F> = F extends (...args: never[]) => Promise<infer R> ? R : never
/** The argument tuple of one contract method. */
export type Args<F> = F extends (...args: infer A) => Promise<unknown> ? A : never

/**
 * `window.lab`, as the preload script exposes it: the same methods as {@link Api}, resolving to a
 * {@link Result} instead of throwing. The web host implements the same shape over its transport.
 */
export type Bridge = {
  [D in Domain]: {
    [M in keyof Api[D]]: Api[D][M] extends Fn
      ? (...args: Args<Api[D][M]>) => Promise<Result<Returns<Api[D][M]>>>
      : never
  }
} & {
  /** Subscribes to a host event; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void
}

/**
 * What a host implements: one function per method, taking the method's arguments (already validated) and
 * returning its value; a missing handler is a compile error. The host wraps each into a {@link Result}.
 */
export type Handlers = {
  [D in Domain]: {
    [M in keyof Api[D]]: Api[D][M] extends Fn
      ? (...args: Args<Api[D][M]>) => Promise<Returns<Api[D][M]>> | Returns<Api[D][M]>
      : never
  }
}

/** One entry per method, to let the preload and the hosts enumerate the contract at run time. */
export type MethodTable = { [D in Domain]: { [M in keyof Api[D]]: true } }
/** One entry per event, likewise. */
export type EventTable = { [E in keyof Events]: true }
