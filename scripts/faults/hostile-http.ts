/**
 * Hostile requests against a real web host (`startServer` on a free loopback port, a throw-away data folder and
 * renderer): oversized bodies, path traversal, foreign Host/Origin, bad tokens and malformed payloads on every
 * channel of the contract. Each category starts its own host, so one that breaks it does not hide the next.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import { WebSocket } from 'ws'
import { channels } from '../../src/host/handlers'
import type { SpawnWorker } from '../../src/host/jobs'
import {
  MAX_BODY_BYTES,
  MAX_UPLOAD_BYTES,
  UPLOADS_PATH,
  startServer,
  type WebHost
} from '../../src/web/server'
import { oneLine, type FaultCategory, type FaultContext, type Trial } from './types'

const SECRET = 'FAULT-SECRET-7f3a'

/** A worker that must never start: no hostile request may queue a job. */
let spawned = 0
const noSpawn: SpawnWorker = () => {
  spawned++
  throw new Error('a hostile request started a job worker')
}

interface Answer {
  status: number
  body: string
}

/** One request with a raw path and exactly the headers given (`Host` included, or none). */
export function request(
  port: number,
  method: string,
  rawPath: string,
  headers: Record<string, string | number>,
  body?: string | Buffer | ((req: http.ClientRequest) => void)
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false, setHost: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        )
        res.on('error', () => resolve({ status: res.statusCode ?? -1, body: '' }))
      }
    )
    req.on('error', (e) => resolve({ status: -1, body: e.message }))
    if (typeof body === 'function') body(req)
    else req.end(body)
  })
}

/** A host on a free port with a renderer folder, a secret beside it and a symlink pointing at the secret. */
async function host(ctx: FaultContext, token: string | null = null): Promise<WebHost> {
  const root = ctx.tmpDir()
  const renderer = path.join(root, 'renderer')
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>')
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)\n')
  fs.writeFileSync(path.join(root, 'secret.txt'), SECRET)
  fs.writeFileSync(path.join(root, 'secret.onnx'), SECRET)
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'link.txt'))
  fs.mkdirSync(path.join(root, 'data', 'exports'), { recursive: true })
  fs.symlinkSync(path.join(root, 'secret.onnx'), path.join(root, 'data', 'exports', 'link.onnx'))
  return startServer({
    version: 'faults',
    dataDir: path.join(root, 'data'),
    port: 0,
    host: '127.0.0.1',
    rendererDir: renderer,
    token,
    lab: { spawnWorker: noSpawn }
  })
}

const json = { 'Content-Type': 'application/json' }
const hostHeader = (web: WebHost): Record<string, string> => ({ Host: `127.0.0.1:${web.port}` })

/** The host still answers a plain call. */
async function alive(web: WebHost, token?: string): Promise<boolean> {
  const r = await request(
    web.port,
    'POST',
    '/api/engine/info',
    { ...hostHeader(web), ...json, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    '[]'
  )
  return r.status === 200
}

function describeAnswer(a: Answer): string {
  let code = ''
  try {
    const r = JSON.parse(a.body) as { ok?: boolean; error?: { code?: string; message?: string } }
    code =
      r.ok === true ? ' ok' : r.error?.code ? ` ${r.error.code}: ${oneLine(r.error.message ?? '', 90)}` : ''
  } catch {
    code = a.body ? ` ${oneLine(a.body, 60)}` : ''
  }
  return `${a.status}${code}`
}

/** Runs `fn` against a fresh host and closes it; adds a final "still answering" check. */
async function withHost(
  ctx: FaultContext,
  fn: (web: WebHost) => Promise<Trial[]>,
  token: string | null = null
): Promise<Trial[]> {
  const web = await host(ctx, token)
  try {
    const trials = await fn(web)
    const ok = await alive(web, token ?? undefined)
    trials.push({ case: 'afterwards: a plain call', held: ok, outcome: ok ? 'answered 200' : 'no answer' })
    return trials
  } finally {
    await web.close()
  }
}

// ── Oversized bodies ───────────────────────────────────────────────────────────────────────────────────────

async function oversized(web: WebHost): Promise<Trial[]> {
  const out: Trial[] = []
  const h = { ...hostHeader(web), ...json }
  // Declared too large: refused before any byte is read, on every channel.
  for (const ch of channels(web.lab.handlers)) {
    const [d, m] = ch.split(':')
    const a = await request(
      web.port,
      'POST',
      `/api/${d}/${m}`,
      { ...h, 'Content-Length': MAX_BODY_BYTES + 1 },
      (req) => {
        req.on('response', () => req.destroy())
        req.write(' ')
      }
    )
    out.push({
      case: `${ch}: Content-Length ${MAX_BODY_BYTES + 1} (limit + 1)`,
      held: a.status === 413,
      outcome: describeAnswer(a)
    })
  }
  // An upload declared over its own (larger) limit.
  const up = await request(
    web.port,
    'POST',
    UPLOADS_PATH,
    {
      ...hostHeader(web),
      'Content-Type': 'application/octet-stream',
      'Content-Length': MAX_UPLOAD_BYTES + 1
    },
    (req) => {
      req.on('response', () => req.destroy())
      req.write(' ')
    }
  )
  out.push({
    case: `upload: Content-Length ${MAX_UPLOAD_BYTES + 1} (limit + 1)`,
    held: up.status === 413,
    outcome: describeAnswer(up)
  })
  // Streamed without a length, past the limit: cut off once over it.
  const chunk = Buffer.alloc(1 << 20, 0x20)
  const streamed = await request(
    web.port,
    'POST',
    '/api/runs/list',
    { ...h, 'Transfer-Encoding': 'chunked' },
    (req) => {
      let sent = 0
      let answered = false
      req.on('response', () => (answered = true))
      const pump = (): void => {
        while (!answered && sent <= MAX_BODY_BYTES + chunk.length) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        req.end()
      }
      req.write('[')
      pump()
    }
  )
  out.push({
    case: `runs:list: ${((MAX_BODY_BYTES + 2 ** 20) / 2 ** 20).toFixed(0)} MiB streamed without a length`,
    held: streamed.status === 413 || streamed.status === -1,
    outcome: streamed.status === -1 ? 'connection closed by the host' : describeAnswer(streamed)
  })
  // A WebSocket message over the socket's limit.
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api/events`, {
    origin: `http://127.0.0.1:${web.port}`
  })
  const closed = await new Promise<string>((resolve) => {
    ws.on('open', () => ws.send(Buffer.alloc(1 << 20)))
    ws.on('close', (code) => resolve(`closed with ${code}`))
    ws.on('error', (e) => resolve(`error ${e.message}`))
    setTimeout(() => resolve('still open after 5 s'), 5000)
  })
  ws.terminate()
  out.push({
    case: 'events socket: a 1 MiB message',
    held: closed.startsWith('closed with 1009'),
    outcome: closed
  })
  return out
}

// ── Path traversal ─────────────────────────────────────────────────────────────────────────────────────────

const TRAVERSALS = [
  '/../secret.txt',
  '/../../../../etc/passwd',
  '/%2e%2e/secret.txt',
  '/%2E%2E%2Fsecret.txt',
  '/..%2fsecret.txt',
  '/assets/../../secret.txt',
  '/assets/%2e%2e/%2e%2e/secret.txt',
  '/%252e%252e/secret.txt',
  '/..%5csecret.txt',
  '/%5c..%5csecret.txt',
  '/index.html%00.js',
  '/link.txt',
  '//etc/passwd',
  '/.%2e/secret.txt',
  '/assets/..;/..;/secret.txt',
  '/api/exports/..%2fsecret.onnx',
  '/api/exports/%2e%2e%2f%2e%2e%2fsecret.onnx',
  '/api/exports/link.onnx',
  '/api/exports/..\\secret.onnx'
]

async function traversal(web: WebHost): Promise<Trial[]> {
  const out: Trial[] = []
  for (const p of TRAVERSALS) {
    const a = await request(web.port, 'GET', p, hostHeader(web))
    const leaked = a.body.includes(SECRET) || /root:.*:0:0:/.test(a.body)
    out.push({
      case: `GET ${p}`,
      held: !leaked,
      outcome: `${a.status}${leaked ? ' — returned the file outside the root' : ''}`
    })
  }
  return out
}

// ── Host and Origin ────────────────────────────────────────────────────────────────────────────────────────

async function hostOrigin(web: WebHost): Promise<Trial[]> {
  const out: Trial[] = []
  const port = web.port
  const api = (headers: Record<string, string>): Promise<Answer> =>
    request(port, 'POST', '/api/engine/info', { ...json, ...headers }, '[]')
  const hosts = [
    `evil.example:${port}`,
    `127.0.0.1.evil.example:${port}`,
    `localhost:${port + 1}`,
    'localhost',
    `0.0.0.0:${port}`
  ]
  for (const h of hosts) {
    const a = await api({ Host: h })
    out.push({ case: `API call with Host: ${h}`, held: a.status === 403, outcome: describeAnswer(a) })
    const page = await request(port, 'GET', '/', { Host: h })
    out.push({ case: `page with Host: ${h}`, held: page.status === 403, outcome: describeAnswer(page) })
  }
  const none = await api({})
  out.push({
    case: 'API call without a Host header',
    held: none.status === 403 || none.status === 400,
    outcome: describeAnswer(none)
  })
  for (const o of [
    'http://evil.example',
    'null',
    `http://127.0.0.1:${port + 1}`,
    `https://127.0.0.1:${port}`,
    `http://localhost:${port}.evil.example`
  ]) {
    const a = await api({ Host: `127.0.0.1:${port}`, Origin: o })
    out.push({ case: `API call with Origin: ${o}`, held: a.status === 403, outcome: describeAnswer(a) })
  }
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    ''
  ]) {
    const a = await request(
      port,
      'POST',
      '/api/engine/info',
      { Host: `127.0.0.1:${port}`, ...(type ? { 'Content-Type': type } : {}) },
      '[]'
    )
    out.push({
      case: `API call as Content-Type "${type}" (a cross-site form)`,
      held: a.status === 415,
      outcome: describeAnswer(a)
    })
  }
  for (const origin of [undefined, 'http://evil.example', 'null']) {
    const status = await wsStatus(`ws://127.0.0.1:${port}/api/events`, origin)
    out.push({
      case: `events socket with Origin: ${origin ?? '(none)'}`,
      held: status !== 101,
      outcome: String(status)
    })
  }
  return out
}

/** The HTTP status of a WebSocket handshake (101 when it opened). */
function wsStatus(url: string, origin?: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ...(origin ? { origin } : {}), headers })
    ws.on('open', () => {
      ws.terminate()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => resolve(-1))
  })
}

// ── Tokens ─────────────────────────────────────────────────────────────────────────────────────────────────

export const FAULT_TOKEN = 'k3y-fault-token-0123456789abcdef'

async function tokens(web: WebHost): Promise<Trial[]> {
  const out: Trial[] = []
  const port = web.port
  const t = FAULT_TOKEN
  const variants: [string, Record<string, string>, string][] = [
    ['no token', {}, ''],
    ['a wrong token', { Authorization: 'Bearer wrong' }, ''],
    ['the token minus its last character', { Authorization: `Bearer ${t.slice(0, -1)}` }, ''],
    ['the token plus one character', { Authorization: `Bearer ${t}x` }, ''],
    ['the token in upper case', { Authorization: `Bearer ${t.toUpperCase()}` }, ''],
    ['an empty Bearer', { Authorization: 'Bearer ' }, ''],
    ['the token as Basic auth', { Authorization: `Basic ${Buffer.from(`x:${t}`).toString('base64')}` }, ''],
    ['a wrong ?token=', {}, '?token=wrong'],
    ['an empty ?token=', {}, '?token='],
    ['two ?token= (wrong first)', {}, `?token=wrong&token=${t}`]
  ]
  for (const [what, headers, query] of variants) {
    const a = await request(
      port,
      'POST',
      `/api/engine/info${query}`,
      { Host: `127.0.0.1:${port}`, ...json, ...headers },
      '[]'
    )
    out.push({ case: `API call with ${what}`, held: a.status === 401, outcome: describeAnswer(a) })
  }
  const dl = await request(port, 'GET', '/api/exports/x.onnx', { Host: `127.0.0.1:${port}` })
  out.push({ case: 'download without the token', held: dl.status === 401, outcome: describeAnswer(dl) })
  const origin = `http://127.0.0.1:${port}`
  for (const [what, q] of [
    ['no token', ''],
    ['a wrong token', '?token=wrong']
  ] as const) {
    const s = await wsStatus(`ws://127.0.0.1:${port}/api/events${q}`, origin)
    out.push({ case: `events socket with ${what}`, held: s === 401, outcome: String(s) })
  }
  const good = await request(
    port,
    'POST',
    '/api/engine/info',
    { Host: `127.0.0.1:${port}`, ...json, Authorization: `Bearer ${t}` },
    '[]'
  )
  out.push({ case: 'control: the right token', held: good.status === 200, outcome: describeAnswer(good) })
  return out
}

// ── Malformed payloads ─────────────────────────────────────────────────────────────────────────────────────

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
const PAYLOADS: [string, string][] = [
  ['not JSON', '{oops'],
  ['an object, not an array', '{}'],
  ['null', 'null'],
  ['a string', '"x"'],
  ['[null]', '[null]'],
  ['[true]', '[true]'],
  ['[-1]', '[-1]'],
  ['[1e309] (Infinity)', '[1e309]'],
  ['a __proto__ object', '[{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]'],
  ['a 100 KB string', JSON.stringify(['A'.repeat(100_000)])],
  ['20 empty objects', JSON.stringify(Array.from({ length: 20 }, () => ({})))],
  ['arrays nested 5,000 deep', `[${nested(5000)}]`],
  [
    'a path outside the data folder',
    JSON.stringify(['../../../../etc/passwd', { path: '/etc/passwd', runId: '../x' }])
  ],
  ['unicode and NUL', JSON.stringify(['\u0000\u202e\ud800'])]
]

async function payloads(web: WebHost): Promise<Trial[]> {
  const out: Trial[] = []
  const h = { ...hostHeader(web), ...json }
  const before = spawned
  for (const ch of channels(web.lab.handlers)) {
    const [d, m] = ch.split(':')
    for (const [what, body] of PAYLOADS) {
      const a = await request(web.port, 'POST', `/api/${d}/${m}`, h, body)
      let ok = false
      let internal = a.status >= 500 || a.status < 0
      try {
        const r = JSON.parse(a.body) as { ok?: boolean; error?: { code?: string } }
        ok = r.ok === true
        internal ||= r.error?.code === 'INTERNAL'
      } catch {
        internal = true
      }
      const polluted = (Object.prototype as Record<string, unknown>)['polluted'] !== undefined
      out.push({
        case: `${ch} with ${what}`,
        held: !ok && !internal && !polluted,
        outcome: describeAnswer(a) + (polluted ? ' — Object.prototype polluted' : '')
      })
    }
  }
  for (const p of [
    '/api/__proto__/toString',
    '/api/constructor/constructor',
    '/api/datasets/__proto__',
    '/api/datasets/hasOwnProperty'
  ]) {
    const a = await request(web.port, 'POST', p, h, '[]')
    out.push({
      case: `POST ${p}`,
      held: a.status === 404 || (a.status === 200 && /UNKNOWN_CHANNEL/.test(a.body)),
      outcome: describeAnswer(a)
    })
  }
  out.push({
    case: 'no job worker was started',
    held: spawned === before,
    outcome: `${spawned - before} started`
  })
  return out
}

const category = (
  id: string,
  title: string,
  expectation: string,
  fn: (web: WebHost) => Promise<Trial[]>,
  token: string | null = null
): FaultCategory => ({ id, title, expectation, run: (ctx) => withHost(ctx, fn, token) })

export const hostileHttp: FaultCategory[] = [
  category(
    'http-oversized',
    'Oversized request bodies (web host)',
    'refused with 413 before the body is buffered; the host keeps answering',
    oversized
  ),
  category(
    'http-traversal',
    'Path traversal (web host)',
    'no file outside the renderer or exports folder is ever returned',
    traversal
  ),
  category(
    'http-host-origin',
    'Foreign Host / Origin, cross-site forms (web host)',
    'refused (403, 415, or no WebSocket upgrade)',
    hostOrigin
  ),
  category(
    'http-tokens',
    'Bad access tokens (web host with a token)',
    'refused with 401; the right token works',
    tokens,
    FAULT_TOKEN
  ),
  category(
    'http-payloads',
    'Malformed payloads on every channel (web host)',
    'a typed error (never INTERNAL, never ok), no prototype pollution, no job started',
    payloads
  )
]
