/**
 * The browser's bridge to the web host (`pfm serve`): the same {@link Bridge} as the Electron preload's
 * `window.lab`, over `fetch` (one POST per call: `/api/<domain>/<method>` with the argument array) and one
 * WebSocket for events (`/api/events`, opened on the first `on()` and re-opened after a drop).
 *
 * The one file of src/shared with run-time code: it imports types only, and uses nothing but `fetch`,
 * `WebSocket` and `URL`, so it runs in the renderer and, with injected transports, under Node in tests.
 */
import type { Bridge, Events, ExportReport, Result, UploadInfo } from './api'
import { METHODS } from './methods'

/** The part of a WebSocket this bridge uses (the browser's, or `ws` in Node). */
export interface SocketLike {
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  close(): void
}

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | Blob }
) => Promise<{ status: number; json(): Promise<unknown> }>

export interface HttpBridgeOptions {
  /** Default: the global `fetch`. */
  fetch?: FetchLike
  /** Opens the event socket (default: `new WebSocket(url)`). */
  webSocket?: (url: string) => SocketLike
  /** First delay before re-opening a dropped event socket, ms (default 500; doubles up to 10 s). */
  reconnectMs?: number
}

const NO_HOST = (message: string): Result<never> => ({ ok: false, error: { code: 'NO_HOST', message } })

function isResult(v: unknown): v is Result<unknown> {
  if (typeof v !== 'object' || v === null) return false
  const r = v as { ok?: unknown; error?: { code?: unknown; message?: unknown } }
  if (r.ok === true) return true
  return r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string'
}

/**
 * A {@link Bridge} to the web host at `baseUrl` (e.g. `location.origin`). `token` is the host's access token
 * when it has one (the page's `?token=`); it goes in an `Authorization` header, and in the query of the event
 * socket and of download URLs, which cannot carry headers.
 */
export function createHttpBridge(
  baseUrl: string,
  token?: string | null,
  opts: HttpBridgeOptions = {}
): Bridge {
  const base = baseUrl.replace(/\/+$/, '')
  const doFetch: FetchLike | undefined =
    opts.fetch ?? (typeof fetch === 'function' ? (fetch as unknown as FetchLike) : undefined)
  const withToken = (url: string): string =>
    token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url

  /** One POST; the host's `Result`, or a `NO_HOST` one when it cannot be reached. */
  const post = async (
    what: string,
    url: string,
    type: string,
    payload: string | Blob
  ): Promise<{ status: number; body: unknown } | Result<never>> => {
    if (!doFetch) return NO_HOST('This page has no fetch: it cannot reach the web host.')
    const headers: Record<string, string> = { 'Content-Type': type }
    if (token) headers['Authorization'] = `Bearer ${token}`
    try {
      const res = await doFetch(url, { method: 'POST', headers, body: payload })
      return { status: res.status, body: await res.json().catch(() => null) }
    } catch (e) {
      return NO_HOST(
        `The web host at ${base} cannot be reached for ${what} (${e instanceof Error ? e.message : String(e)}).`
      )
    }
  }
  const httpError = (status: number, what: string): Result<never> => ({
    ok: false,
    error: { code: `HTTP_${status}`, message: `The web host answered ${status} to ${what}.` }
  })

  const call = async (domain: string, method: string, args: unknown[]): Promise<Result<unknown>> => {
    // Trailing `undefined`s are absent arguments; JSON would turn them into nulls.
    let n = args.length
    while (n > 0 && args[n - 1] === undefined) n--
    const what = `${domain}:${method}`
    const r = await post(
      what,
      `${base}/api/${domain}/${method}`,
      'application/json',
      JSON.stringify(args.slice(0, n))
    )
    if ('ok' in r) return r
    const { status, body } = r
    if (isResult(body)) {
      if (body.ok && domain === 'export' && method === 'onnx')
        return { ok: true, value: absoluteDownload(body.value) }
      return body
    }
    return httpError(status, what)
  }

  /** Streams a file to `POST /api/uploads` (the body is the file itself, never base64). */
  const upload = async (file: Blob): Promise<Result<UploadInfo>> => {
    const r = await post('the upload', `${base}/api/uploads`, 'application/octet-stream', file)
    if ('ok' in r) return r
    return isResult(r.body) ? (r.body as Result<UploadInfo>) : httpError(r.status, 'the upload')
  }

  /** Makes an export's `downloadUrl` absolute, with the token. */
  const absoluteDownload = (value: unknown): unknown => {
    const r = value as ExportReport | null
    if (!r || typeof r.downloadUrl !== 'string') return value
    return { ...r, downloadUrl: withToken(new URL(r.downloadUrl, base + '/').href) }
  }

  // ── Events: one socket for all listeners ──
  const listeners = new Map<string, Set<(payload: never) => void>>()
  let socket: SocketLike | null = null
  let retryMs = opts.reconnectMs ?? 500
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  const hasListeners = (): boolean => [...listeners.values()].some((s) => s.size > 0)

  const open = (): void => {
    if (socket || retryTimer) return
    const url = withToken(`${base.replace(/^http/, 'ws')}/api/events`)
    let ws: SocketLike
    try {
      ws = opts.webSocket
        ? opts.webSocket(url)
        : new (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket(url)
    } catch {
      return scheduleReopen()
    }
    socket = ws
    ws.onopen = () => (retryMs = opts.reconnectMs ?? 500)
    ws.onmessage = (ev) => {
      let msg: { event?: unknown; payload?: unknown }
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as typeof msg
      } catch {
        return
      }
      if (typeof msg.event !== 'string') return
      for (const l of listeners.get(msg.event) ?? []) {
        try {
          l(msg.payload as never)
        } catch (e) {
          console.error(e)
        }
      }
    }
    ws.onerror = () => {}
    ws.onclose = () => {
      if (socket === ws) socket = null
      scheduleReopen()
    }
  }

  const scheduleReopen = (): void => {
    if (!hasListeners() || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = null
      if (hasListeners()) open()
    }, retryMs)
    retryMs = Math.min(retryMs * 2, 10_000)
  }

  const on = <E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): (() => void) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    open()
    return () => {
      set.delete(listener as (payload: never) => void)
      if (!hasListeners()) {
        if (retryTimer) clearTimeout(retryTimer)
        retryTimer = null
        const s = socket
        socket = null
        s?.close()
      }
    }
  }

  type Invoke = (...args: unknown[]) => Promise<Result<unknown>>
  const api: Record<string, Record<string, Invoke>> = {}
  for (const [domain, methods] of Object.entries(METHODS)) {
    const fns: Record<string, Invoke> = {}
    for (const method of Object.keys(methods)) fns[method] = (...args) => call(domain, method, args)
    api[domain] = fns
  }
  return { ...api, on, upload } as unknown as Bridge
}
