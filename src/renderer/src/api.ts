/**
 * The renderer's only door to the host. Picks the bridge that exists (`window.lab` from the Electron preload;
 * the web host's transport comes later) and turns its `Result`s back into values or `ApiError`s.
 * Stores call this module; components never touch `window`.
 */
import type { Api, ApiErrorInfo, Bridge, Result } from '../../shared/api'

/** A failed call, with the host's code (`CONFIG`, `INVALID_REQUEST`, `NO_HOST`, …) and its sentence. */
export class ApiError extends Error {
  readonly code: string
  constructor({ code, message }: ApiErrorInfo) {
    super(message)
    this.name = 'ApiError'
    this.code = code
  }
}

/** The bridge in use, or null when the page runs with no host. Read on every call, so tests can swap it. */
export function bridge(): Bridge | null {
  return typeof window !== 'undefined' && window.lab ? window.lab : null
}

async function call<T>(invoke: (lab: Bridge) => Promise<Result<T>>): Promise<T> {
  const lab = bridge()
  if (!lab) {
    throw new ApiError({
      code: 'NO_HOST',
      message: 'No engine is connected: open Pushforward Lab as the desktop app (npm start).'
    })
  }
  const result = await invoke(lab)
  if (!result.ok) throw new ApiError(result.error)
  return result.value
}

export const api: Api = {
  engine: {
    info: () => call((lab) => lab.engine.info())
  }
}
