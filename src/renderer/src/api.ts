/**
 * The renderer's only door to the host. Picks the bridge that exists — `window.lab` from the Electron preload,
 * else the web host's HTTP bridge when the page was served over http(s) by `pfm serve` — and turns its
 * `Result`s back into values or `ApiError`s. Stores call this module; components never touch `window`.
 */
import type { Api, ApiErrorInfo, Bridge, Events, Result, UploadInfo } from '../../shared/api'
import type { ErrorCode } from '../../shared/errors'
import { METHODS } from '../../shared/methods'
import { createHttpBridge } from '../../shared/http-bridge'

/** A failed call, with the host's code (`CONFIG`, `INVALID_REQUEST`, `NO_HOST`, …) and its sentence. */
export class ApiError extends Error {
  readonly code: ErrorCode
  constructor({ code, message }: ApiErrorInfo) {
    super(message)
    this.name = 'ApiError'
    this.code = code
  }
}

/** Which host the page talks to: the Electron preload, the web host, or nothing. */
export type HostKind = 'electron' | 'web' | 'none'

/** What {@link pickBridge} reads from the page: the preload's bridge and where the page was loaded from. */
export interface HostPage {
  lab?: Bridge
  location?: { protocol: string; origin: string; search: string }
}

/** The web bridge is created once per page (it holds the event connection). */
let webBridge: { origin: string; bridge: Bridge } | null = null

/**
 * Chooses the bridge for a page: the preload's `lab` when present; the web host's HTTP bridge when the page
 * came over http(s) (same origin; the access token from `?token=` in the page URL); otherwise none.
 */
export function pickBridge(
  page: HostPage | undefined,
  makeHttp: (baseUrl: string, token?: string) => Bridge = createHttpBridge
): { kind: HostKind; bridge: Bridge | null } {
  if (page?.lab) return { kind: 'electron', bridge: page.lab }
  const loc = page?.location
  if (!loc || (loc.protocol !== 'http:' && loc.protocol !== 'https:')) return { kind: 'none', bridge: null }
  if (webBridge?.origin !== loc.origin) {
    const token = new URLSearchParams(loc.search).get('token') ?? undefined
    webBridge = { origin: loc.origin, bridge: makeHttp(loc.origin, token) }
  }
  return { kind: 'web', bridge: webBridge.bridge }
}

/** Forgets the cached web bridge (tests). */
export function resetBridge(): void {
  webBridge = null
}

function currentPage(): HostPage | undefined {
  return typeof window === 'undefined' ? undefined : window
}

/** The bridge in use, or null when the page runs with no host. Read on every call, so tests can swap it. */
export function bridge(): Bridge | null {
  return pickBridge(currentPage()).bridge
}

/** The kind of host the page talks to (native dialogs exist only in Electron). */
export function hostKind(): HostKind {
  return pickBridge(currentPage()).kind
}

async function call<T>(invoke: (lab: Bridge) => Promise<Result<T>>): Promise<T> {
  const lab = bridge()
  if (!lab) {
    throw new ApiError({
      code: 'NO_HOST',
      message:
        'No engine is connected: open Pushforward Lab as the desktop app (npm start) or with pfm serve.'
    })
  }
  let result: Result<T>
  try {
    result = await invoke(lab)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    throw new ApiError({ code: 'NETWORK', message: `Cannot reach the engine: ${message}` })
  }
  if (!result.ok) throw new ApiError(result.error)
  return result.value
}

type AnyMethod = (...args: unknown[]) => Promise<Result<unknown>>

function buildApi(): Api {
  const out: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {}
  for (const [domain, methods] of Object.entries(METHODS)) {
    const fns: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
    for (const method of Object.keys(methods)) {
      fns[method] = (...args) =>
        call((lab) => {
          const fn = (lab as unknown as Record<string, Record<string, AnyMethod>>)[domain]?.[method]
          if (!fn) {
            const error: ApiErrorInfo = {
              code: 'NOT_SUPPORTED',
              message: `This host does not offer ${domain}:${method}.`
            }
            return Promise.resolve({ ok: false, error })
          }
          return fn(...args)
        })
    }
    out[domain] = fns
  }
  return out as unknown as Api
}

/** The contract as plain promises that reject with {@link ApiError}. */
export const api: Api = buildApi()

/** Streams a file to the web host for `api.datasets.import({ uploadId, fileName })`. */
export function uploadFile(file: Blob): Promise<UploadInfo> {
  return call((lab) =>
    lab.upload
      ? lab.upload(file)
      : Promise.resolve({
          ok: false as const,
          error: {
            code: 'NOT_SUPPORTED',
            message: 'This host does not take uploads: choose the file instead.'
          }
        })
  )
}

/** Subscribes to a host event; a no-op when no host is connected. Returns the unsubscribe function. */
export function onEvent<E extends keyof Events>(
  event: E,
  listener: (payload: Events[E]) => void
): () => void {
  const lab = bridge()
  if (!lab) return () => {}
  return lab.on(event, listener)
}

/** The message of anything thrown, for display. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** An `ApiErrorInfo` for anything thrown: keeps an `ApiError`'s code. */
export function errorInfo(e: unknown): ApiErrorInfo {
  return e instanceof ApiError
    ? { code: e.code, message: e.message }
    : { code: 'INTERNAL', message: errorMessage(e) }
}
