/**
 * The web host: the same lab and handlers as the Electron main process, over HTTP and a WebSocket, plus the
 * built renderer as static files. Plain Node (`http` + `ws`).
 *
 * ```
 * POST /api/<domain>/<method>   body: JSON array of arguments → 200 with a `Result` (errors inside it);
 *                               the body is at most MAX_BODY_BYTES (413 beyond, before it is read)
 * POST /api/uploads             body: a file's raw bytes (application/octet-stream), streamed to disk up to
 *                               MAX_UPLOAD_BYTES → a `Result<UploadInfo>` for `datasets:import({ uploadId })`
 * GET  /api/events              WebSocket: every host event as { event, payload }
 * GET  /api/exports/<file>.onnx an ONNX file the lab exported (download)
 * GET  /…                       the renderer (out/renderer), index.html for unknown extension-less paths
 * ```
 *
 * Security: bound to loopback by default, where requests must name a loopback `Host` (no DNS rebinding).
 * Bound to any other address, every API call, download and WebSocket needs the random token printed at start
 * (`Authorization: Bearer <token>` or `?token=`). The WebSocket and API calls that carry an `Origin` must come
 * from this host's own page; API calls must be `application/json` (so a cross-site form cannot post).
 * Static paths never leave the renderer folder; every response carries strict security headers. Text assets go
 * out Brotli- or gzip-compressed as the browser accepts (compress.ts), content-hashed ones cached for good.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Result } from '../shared/api'
import type { ErrorCode } from '../shared/errors'
import { createLab, dispatch, type HostOptions, type Lab } from '../host/handlers'
import { MAX_API_BODY_BYTES, MAX_UPLOAD_BYTES } from '../host/schemas'
import { cacheControl, CompressedFiles, pickEncoding } from './compress'

/** Where `electron-vite build` writes the renderer. */
export const DEFAULT_RENDERER_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../out/renderer'
)
export const EVENTS_PATH = '/api/events'
export const EXPORTS_PATH = '/api/exports/'
export const UPLOADS_PATH = '/api/uploads'
/** Largest body of an API call (a small inline import and room for the rest); files go to {@link UPLOADS_PATH}. */
export const MAX_BODY_BYTES = MAX_API_BODY_BYTES
export { MAX_UPLOAD_BYTES }

export interface ServerOptions {
  version: string
  dataDir: string
  /** Default 7070; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. A non-loopback address turns on the token. */
  host?: string
  /** The built renderer (default out/renderer); null serves the API only. */
  rendererDir?: string | null
  /** The token (tests); generated when the host is not loopback, absent otherwise. */
  token?: string | null
  /** Largest upload in bytes (default {@link MAX_UPLOAD_BYTES}; tests lower it). */
  maxUploadBytes?: number
  /** Passed to the lab (job workers, concurrency, grace). */
  lab?: Pick<HostOptions, 'spawnWorker' | 'maxConcurrentJobs' | 'cancelGraceMs'>
}

export interface WebHost {
  /** The page's address (with `?token=` when a token is needed). */
  url: string
  /** The base address, without the token. */
  origin: string
  port: number
  host: string
  token: string | null
  lab: Lab
  close(): Promise<void>
}

// ── Authentication and origin checks (exported for tests) ─────────────────────────────────────────────────

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1'
}

/** A fresh random token (192 bits, URL-safe). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url')
}

/** The token a request carries: `Authorization: Bearer …`, else `?token=…`; null when none. */
export function requestToken(req: {
  headers: http.IncomingHttpHeaders
  url?: string | undefined
}): string | null {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]!
  }
  try {
    return new URL(req.url ?? '/', 'http://x').searchParams.get('token')
  } catch {
    return null
  }
}

/** Whether a request may pass: always when no token is required, else only with the same token. */
export function checkToken(expected: string | null, given: string | null): boolean {
  if (expected === null) return true
  if (given === null) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The Host header values a loopback-bound server answers (anything else may be a DNS-rebinding page). */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const bracket = (h: string): string => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h)
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bracket(bindHost)}:${port}`])
}

/** True when `origin` is this server's own page, as addressed by the request's Host header. */
export function checkOrigin(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (!origin || !hostHeader) return false
  return origin === `http://${hostHeader}`
}

// ── Responses ──────────────────────────────────────────────────────────────────────────────────────────────

const DEFAULT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
  "connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; object-src 'none'"

/** The page's own CSP (its `<meta>`, one source of truth with Electron) plus what only a header can say. */
export function cspFor(indexHtml: string | null): string {
  const m = indexHtml && /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(indexHtml)
  const base = (m ? m[1]! : DEFAULT_CSP).trim().replace(/;\s*$/, '')
  return `${base}; frame-ancestors 'none'`
}

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()'
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8'
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: Result<unknown>,
  extra: Record<string, string> = {}
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store'
  })
  res.end(text)
}

function sendError(res: http.ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } })
}

/** `512 KiB`, `256 MiB`. */
function sizeText(bytes: number): string {
  return bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`
}

/** Answers 413 and closes the connection (the rest of the body is not read). */
function tooLarge(res: http.ServerResponse, what: string, limit: number): void {
  sendJson(
    res,
    413,
    {
      ok: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: `${what} is over the ${sizeText(limit)} limit.` }
    },
    { Connection: 'close' }
  )
}

/** True (and a 413 sent) when the request declares a body larger than `limit`. */
function declaredTooLarge(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  what: string,
  limit: number
): boolean {
  const declared = Number(req.headers['content-length'])
  if (!(Number.isFinite(declared) && declared > limit)) return false
  tooLarge(res, what, limit)
  return true
}

/** Reads a request body up to `limit` bytes; null (and a 413 sent, the connection closed) when it is larger. */
function readBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number
): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(req, res, 'The request', limit)) {
      resolve(null)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (c: Buffer) => {
      if (over) return
      size += c.length
      if (size > limit) {
        over = true
        tooLarge(res, 'The request', limit)
        resolve(null)
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

/**
 * The file under `root` a URL path names, or null when it would leave `root` (`..`, encoded or not, a NUL, a
 * backslash, a symlink pointing outside) or cannot be decoded.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const segments = decoded.split('/')
  if (segments.some((s) => s === '..' || s === '.')) return null
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded))
  const rel = path.relative(root, full)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null
  return full
}

/** `file` if it is a regular file inside `root` once symlinks are resolved, else null. */
function realFileInside(root: string, file: string): string | null {
  try {
    const real = fs.realpathSync(file)
    const realRoot = fs.realpathSync(root)
    const rel = path.relative(realRoot, real)
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null
    return fs.statSync(real).isFile() ? real : null
  } catch {
    return null
  }
}

// ── The server ─────────────────────────────────────────────────────────────────────────────────────────────

export async function startServer(opts: ServerOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1'
  const loopback = isLoopbackHost(host)
  const token = opts.token !== undefined ? opts.token : loopback ? null : generateToken()
  if (!loopback && !token) throw new Error(`Binding to ${host} (not loopback) needs a token.`)
  const rendererDir = opts.rendererDir === undefined ? DEFAULT_RENDERER_DIR : opts.rendererDir
  const lab = createLab({
    version: opts.version,
    dataDir: opts.dataDir,
    pathAccess: 'none',
    downloadUrl: (file) => EXPORTS_PATH + encodeURIComponent(file),
    ...opts.lab
  })
  const maxUpload = opts.maxUploadBytes ?? MAX_UPLOAD_BYTES
  let hosts = new Set<string>()
  const sockets = new Set<WebSocket>()

  const indexHtml = (): string | null => {
    if (!rendererDir) return null
    try {
      return fs.readFileSync(path.join(rendererDir, 'index.html'), 'utf8')
    } catch {
      return null
    }
  }
  const csp = cspFor(indexHtml())
  const compressed = new CompressedFiles()

  /** Host header check (loopback only) and token check; sends the refusal and returns false when refused. */
  const admit = (req: http.IncomingMessage, res: http.ServerResponse, needsToken: boolean): boolean => {
    if (loopback && !hosts.has(String(req.headers.host ?? '').toLowerCase())) {
      sendError(res, 403, 'FORBIDDEN', 'This host only answers requests addressed to it by a loopback name.')
      return false
    }
    if (needsToken && !checkToken(token, requestToken(req))) {
      sendError(res, 401, 'UNAUTHORIZED', 'This host needs its access token (printed when it started).')
      return false
    }
    return true
  }

  const api = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string
  ): Promise<void> => {
    const m = /^\/api\/([A-Za-z]+)\/([A-Za-z]+)$/.exec(pathname)
    if (!m) return sendError(res, 404, 'NOT_FOUND', `There is no API endpoint ${pathname}.`)
    if (req.method !== 'POST')
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'API calls are POST requests.')
    if (
      !callAllowed(
        req,
        res,
        /^application\/json\s*(;|$)/i,
        'API calls send a JSON array (Content-Type: application/json).'
      )
    )
      return
    const body = await readBody(req, res, MAX_BODY_BYTES)
    if (body === null) return
    let args: unknown
    try {
      args = JSON.parse(body.toString('utf8'))
    } catch {
      return sendError(res, 400, 'INVALID_REQUEST', 'The request body is not valid JSON.')
    }
    if (!Array.isArray(args))
      return sendError(res, 400, 'INVALID_REQUEST', 'The request body must be a JSON array of arguments.')
    sendJson(res, 200, await dispatch(lab.handlers, `${m[1]}:${m[2]}`, args))
  }

  /** Same-origin check and content type of a call; sends the refusal and returns false when refused. */
  const callAllowed = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    type: RegExp,
    expected: string
  ): boolean => {
    const origin = req.headers.origin
    if (origin !== undefined && !checkOrigin(origin, req.headers.host)) {
      sendError(res, 403, 'FORBIDDEN', `Calls from ${origin} are not allowed.`)
      return false
    }
    if (!type.test(String(req.headers['content-type'] ?? ''))) {
      sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', expected)
      return false
    }
    return true
  }

  /** `POST /api/uploads`: the body streamed to disk, never buffered; 413 past the limit (the partial file removed). */
  const upload = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Uploads are POST requests.')
    if (
      !callAllowed(
        req,
        res,
        /^application\/octet-stream\s*(;|$)/i,
        'Uploads send the raw file (Content-Type: application/octet-stream).'
      )
    )
      return
    if (declaredTooLarge(req, res, 'The file', maxUpload)) return
    try {
      sendJson(res, 200, { ok: true, value: await lab.uploads.receive(req, maxUpload) })
    } catch (e) {
      const code = (e as { code?: unknown }).code
      if (code === 'PAYLOAD_TOO_LARGE') return tooLarge(res, 'The file', maxUpload)
      if (req.destroyed || res.destroyed) return // the sender went away; nothing is kept
      throw e
    }
  }

  const download = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void => {
    let name: string
    try {
      name = decodeURIComponent(pathname.slice(EXPORTS_PATH.length))
    } catch {
      return sendError(res, 400, 'INVALID_REQUEST', 'Bad file name.')
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.onnx$/.test(name))
      return sendError(res, 404, 'NOT_FOUND', 'There is no such export.')
    const file = realFileInside(lab.paths.exports, path.join(lab.paths.exports, name))
    if (!file) return sendError(res, 404, 'NOT_FOUND', `There is no export ${name}.`)
    const size = fs.statSync(file).size
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': size,
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store'
    })
    if (req.method === 'HEAD') res.end()
    else fs.createReadStream(file).pipe(res)
  }

  const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void => {
    if (!rendererDir || indexHtml() === null) {
      res.writeHead(503, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('The renderer is not built: run `npx electron-vite build`, then reload.\n')
      return
    }
    const target = resolveStatic(rendererDir, pathname === '/' ? '/index.html' : pathname)
    if (target === null) return sendError(res, 400, 'INVALID_REQUEST', 'Bad path.')
    let file = realFileInside(rendererDir, target)
    // Client-side routes (no extension) get the page itself.
    if (!file && path.extname(target) === '')
      file = realFileInside(rendererDir, path.join(rendererDir, 'index.html'))
    if (!file) return sendError(res, 404, 'NOT_FOUND', `Not found: ${pathname}`)
    const ext = path.extname(file).toLowerCase()
    const isHtml = ext === '.html'
    const stat = fs.statSync(file)
    const encoding = pickEncoding(req.headers['accept-encoding'])
    const body = compressed.get(file, ext, stat.size, stat.mtimeMs, encoding)
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Length': body ? body.length : stat.size,
      'Cache-Control': cacheControl(pathname, isHtml),
      Vary: 'Accept-Encoding',
      ...(body ? { 'Content-Encoding': encoding! } : {}),
      ...(isHtml ? { 'Content-Security-Policy': csp } : {})
    })
    if (req.method === 'HEAD') res.end()
    else if (body) res.end(body)
    else fs.createReadStream(file).pipe(res)
  }

  const server = http.createServer((req, res) => {
    let pathname: string
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname
    } catch {
      return sendError(res, 400, 'INVALID_REQUEST', 'Bad URL.')
    }
    const isApi = pathname === '/api' || pathname.startsWith('/api/')
    if (!admit(req, res, isApi)) return
    if (pathname.startsWith(EXPORTS_PATH)) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Downloads are GET requests.')
      return download(req, res, pathname)
    }
    if (isApi) {
      ;(pathname === UPLOADS_PATH ? upload(req, res) : api(req, res, pathname)).catch((e: unknown) => {
        console.error('[web]', e)
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'Internal error in the web host.')
        else res.destroy()
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Only GET requests here.')
    serveStatic(req, res, pathname)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    let pathname: string
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname
    } catch {
      return refuse(400, 'Bad Request')
    }
    if (pathname !== EVENTS_PATH) return refuse(404, 'Not Found')
    if (loopback && !hosts.has(String(req.headers.host ?? '').toLowerCase())) return refuse(403, 'Forbidden')
    if (!checkOrigin(req.headers.origin, req.headers.host)) return refuse(403, 'Forbidden')
    if (!checkToken(token, requestToken(req))) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      const off = lab.subscribe((e) => {
        // A client that stops reading does not make the host buffer without end.
        if (ws.readyState === ws.OPEN && ws.bufferedAmount < 16 * 2 ** 20) ws.send(JSON.stringify(e))
      })
      ws.on('message', () => {}) // events flow one way; anything sent is ignored
      ws.on('close', () => {
        off()
        sockets.delete(ws)
      })
      ws.on('error', () => ws.terminate())
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 7070, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  hosts = allowedHosts(host, port)
  const shown = host.includes(':') ? `[${host}]` : host
  const origin = `http://${shown}:${port}`
  return {
    url: `${origin}/${token ? `?token=${token}` : ''}`,
    origin,
    port,
    host,
    token,
    lab,
    close: async () => {
      for (const ws of sockets) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await lab.close()
    }
  }
}
