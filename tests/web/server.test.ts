import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { JobInfo } from '../../src/shared/api'
import { createHttpBridge, type SocketLike } from '../../src/shared/http-bridge'
import type { SpawnWorker, WorkerHandle } from '../../src/host/jobs'
import { pickEncoding } from '../../src/web/compress'
import {
  checkOrigin,
  checkToken,
  cspFor,
  isLoopbackHost,
  MAX_BODY_BYTES,
  requestToken,
  resolveStatic,
  startServer,
  type WebHost
} from '../../src/web/server'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-web-'))
const CSP_META =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; object-src 'none'"

/** A worker that starts, reports one step and waits (no process). */
const idleSpawn: SpawnWorker = () => {
  const exits: ((code: number | null, signal: string | null) => void)[] = []
  const messages: ((m: never) => void)[] = []
  let done = false
  const w: WorkerHandle = {
    pid: undefined,
    send: (msg) => {
      if (msg.type === 'train')
        queueMicrotask(() =>
          messages.forEach((l) =>
            l({
              type: 'progress',
              runId: null,
              step: 1,
              steps: msg.config.steps,
              loss: 0.5,
              samplesPerSec: 1,
              etaMs: 1
            } as never)
          )
        )
      if (msg.type === 'cancel') w.kill()
    },
    onMessage: (l) => void messages.push(l as (m: never) => void),
    onExit: (l) => void exits.push(l),
    kill: () => {
      if (done) return
      done = true
      queueMicrotask(() => exits.forEach((l) => l(null, 'SIGKILL')))
    }
  }
  return w
}

interface Raw {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One HTTP request with a raw (un-normalised) path and any headers. */
function raw(
  port: number,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8')
          })
        )
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Opens a WebSocket and resolves with it, or with the HTTP status that refused it. */
function connect(url: string, origin?: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {})
    ws.on('open', () => resolve({ ws }))
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }))
    ws.on('error', () => resolve({ status: -1 }))
  })
}

let web: WebHost
let root: string
const post = (channel: string, args: unknown[], headers: Record<string, string> = {}): Promise<Raw> => {
  const [d, m] = channel.split(':')
  return raw(
    web.port,
    'POST',
    `/api/${d}/${m}`,
    { 'Content-Type': 'application/json', ...headers },
    JSON.stringify(args)
  )
}

beforeAll(async () => {
  root = tmp()
  const renderer = path.join(root, 'renderer')
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  fs.writeFileSync(
    path.join(renderer, 'index.html'),
    `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${CSP_META}" /></head><body>lab</body></html>`
  )
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("app")\n')
  fs.writeFileSync(path.join(renderer, 'assets', 'index-Bq3xY9_k.js'), BUNDLE)
  fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET')
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'link.txt'))
  web = await startServer({
    version: '1.2.3',
    dataDir: path.join(root, 'data'),
    port: 0,
    host: '127.0.0.1',
    rendererDir: renderer,
    lab: { spawnWorker: idleSpawn, cancelGraceMs: 10 }
  })
})
afterAll(() => web?.close())

describe('web host: the contract over HTTP', () => {
  it('answers API calls with Results, typed errors included', async () => {
    const r = await post('engine:info', [])
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toMatch(/application\/json/)
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { version: '1.2.3' } })

    expect(JSON.parse((await post('engine:info', [1])).body)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' }
    })
    expect(JSON.parse((await post('engine:nope', [])).body)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL' }
    })
    const bad = await post('datasets:import', [
      { fileName: 'bad.csv', contentBase64: Buffer.from('1,2\n3,x\n').toString('base64') }
    ])
    expect(JSON.parse(bad.body)).toMatchObject({
      ok: false,
      error: { code: 'DATA_FORMAT', message: expect.stringMatching(/bad\.csv line 2, column 2/) }
    })
    const dialog = await post('dialogs:openDataFile', [])
    expect(JSON.parse(dialog.body)).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } })
    const byPath = await post('datasets:import', [{ path: '/etc/hostname' }])
    expect(JSON.parse(byPath.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
  })

  it('refuses what is not a JSON array call', async () => {
    const cases: [Promise<Raw>, number, string][] = [
      [
        raw(web.port, 'POST', '/api/engine/info', { 'Content-Type': 'application/json' }, '{nope'),
        400,
        'INVALID_REQUEST'
      ],
      [
        raw(web.port, 'POST', '/api/engine/info', { 'Content-Type': 'application/json' }, '{"a":1}'),
        400,
        'INVALID_REQUEST'
      ],
      [
        raw(web.port, 'POST', '/api/engine/info', { 'Content-Type': 'text/plain' }, '[]'),
        415,
        'UNSUPPORTED_MEDIA_TYPE'
      ],
      [raw(web.port, 'GET', '/api/engine/info'), 405, 'METHOD_NOT_ALLOWED'],
      [
        raw(web.port, 'POST', '/api/engine/info/x', { 'Content-Type': 'application/json' }, '[]'),
        404,
        'NOT_FOUND'
      ],
      [
        raw(web.port, 'POST', '/api/engine/info', {
          'Content-Type': 'application/json',
          'Content-Length': String(2 ** 30)
        }),
        413,
        'PAYLOAD_TOO_LARGE'
      ]
    ]
    for (const [p, status, code] of cases) {
      const r = await p
      expect([r.status, JSON.parse(r.body).error.code]).toEqual([status, code])
    }
  })

  it('refuses cross-origin calls and foreign Host names (DNS rebinding)', async () => {
    const evil = await post('engine:info', [], { Origin: 'http://evil.example' })
    expect(evil.status).toBe(403)
    const same = await post('engine:info', [], { Origin: `http://127.0.0.1:${web.port}` })
    expect(same.status).toBe(200)
    const rebound = await post('engine:info', [], { Host: `evil.example:${web.port}` })
    expect(rebound.status).toBe(403)
    const page = await raw(web.port, 'GET', '/', { Host: `evil.example:${web.port}` })
    expect(page.status).toBe(403)
  })

  it('pushes jobs:update over the WebSocket; refuses a foreign or missing Origin', async () => {
    const url = `ws://127.0.0.1:${web.port}/api/events`
    expect(await connect(url, 'http://evil.example')).toEqual({ status: 403 })
    expect(await connect(url)).toEqual({ status: 403 })
    expect(await connect(`ws://127.0.0.1:${web.port}/api/other`, `http://127.0.0.1:${web.port}`)).toEqual({
      status: 404
    })

    const c = await connect(url, `http://127.0.0.1:${web.port}`)
    if (!('ws' in c)) throw new Error(`refused: ${c.status}`)
    const got = new Promise<JobInfo>((resolve) =>
      c.ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { event: string; payload: JobInfo }
        if (m.event === 'jobs:update' && m.payload.step === 1 && m.payload.status === 'running')
          resolve(m.payload)
      })
    )
    const start = JSON.parse(
      (await post('training:start', [{ dataset: 'moons', objective: 'energy', steps: 50 }])).body
    )
    expect(start).toMatchObject({ ok: true, value: { kind: 'train', steps: 50 } })
    const update = await got
    expect(update).toMatchObject({ id: start.value.id, status: 'running', steps: 50, loss: 0.5 })
    c.ws.close()
    expect(JSON.parse((await post('training:cancel', [start.value.id])).body)).toEqual({ ok: true })
  })

  it('the http bridge calls methods and receives events (fetch + WebSocket)', async () => {
    const origin = `http://127.0.0.1:${web.port}`
    let opened = (): void => {}
    const open = new Promise<void>((resolve) => (opened = resolve))
    const bridge = createHttpBridge(origin, null, {
      webSocket: (url) => {
        const ws = new WebSocket(url, { origin })
        ws.on('open', () => opened())
        return ws as unknown as SocketLike
      }
    })
    const info = await bridge.engine.info()
    expect(info).toMatchObject({ ok: true, value: { version: '1.2.3' } })
    const prev = await bridge.datasets.preview('8gaussians', undefined)
    expect(prev).toMatchObject({ ok: true, value: { n: 2000, info: { id: '8gaussians' } } })
    expect(await bridge.runs.get('nope')).toMatchObject({ ok: false, error: { code: 'STORE' } })

    const seen: JobInfo[] = []
    let arrived = (): void => {}
    const got = new Promise<void>((resolve) => (arrived = resolve))
    const off = bridge.on('jobs:update', (j) => {
      seen.push(j)
      if (j.steps === 7 && j.status === 'running' && j.step === 1) arrived()
    })
    await open
    const started = await bridge.training.start({ dataset: 'moons', objective: 'energy', steps: 7 })
    expect(started).toMatchObject({ ok: true, value: { steps: 7 } })
    await got
    off()
    expect(seen.some((j) => started.ok && j.id === started.value.id)).toBe(true)
    if (started.ok) expect(await bridge.training.cancel(started.value.id)).toEqual({ ok: true })

    const down = createHttpBridge('http://127.0.0.1:1')
    expect(await down.engine.info()).toMatchObject({ ok: false, error: { code: 'NO_HOST' } })
  })
})

describe('web host: body limits and streamed uploads', () => {
  const csv = (rows: number): string =>
    'x,y\n' + Array.from({ length: rows }, (_, i) => `${i},${(i * 7) % 13}`).join('\n') + '\n'
  const octet = { 'Content-Type': 'application/octet-stream' }
  const uploadsLeft = (w: WebHost): string[] =>
    fs.existsSync(w.lab.paths.uploads) ? fs.readdirSync(w.lab.paths.uploads) : []

  it('an API call over the small body limit is refused with 413, streamed or declared', async () => {
    expect(MAX_BODY_BYTES).toBeLessThanOrEqual(2 ** 20)
    // Half a MiB past the limit: a valid JSON array, so only the size refuses it.
    const big = JSON.stringify(['x'.repeat(MAX_BODY_BYTES + 2 ** 19)])
    const r = await raw(web.port, 'POST', '/api/runs/list', { 'Content-Type': 'application/json' }, big)
    expect(r.status).toBe(413)
    expect(JSON.parse(r.body).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/^The request is over the \d+(\.\d)? KiB limit\.$/)
    })
  })

  it('a file is streamed to disk, imported by its upload id, and the upload is gone afterwards', async () => {
    const text = csv(40_000) // ~0.4 MB, over the inline limit of one API call
    const up = await raw(web.port, 'POST', '/api/uploads', octet, text)
    expect(up.status).toBe(200)
    const { value } = JSON.parse(up.body) as { value: { uploadId: string; bytes: number } }
    expect(value).toMatchObject({ uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), bytes: text.length })
    const imp = JSON.parse(
      (await post('datasets:import', [{ fileName: 'Streamed.csv', uploadId: value.uploadId }])).body
    )
    expect(imp).toMatchObject({ ok: true, value: { id: 'file:Streamed', rows: 40_000, dim: 2 } })
    expect(fs.readFileSync(path.join(web.lab.paths.datasets, 'files', 'Streamed.csv'), 'utf8')).toBe(text)
    expect(uploadsLeft(web)).toEqual([])
    const again = JSON.parse(
      (await post('datasets:import', [{ fileName: 'a.csv', uploadId: value.uploadId }])).body
    )
    expect(again).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })

    // A refused file: the importer's sentence under the user's file name, and the upload removed.
    const bad = JSON.parse((await raw(web.port, 'POST', '/api/uploads', octet, 'x,y\n1,2\n3,oops\n')).body)
    const refused = JSON.parse(
      (await post('datasets:import', [{ fileName: 'mine.csv', uploadId: bad.value.uploadId }])).body
    )
    expect(refused.error.message).toMatch(/^mine\.csv line 3, column 2: "oops" is not a number\.$/)
    expect(uploadsLeft(web)).toEqual([])
  })

  it('refuses an upload over its limit (nothing is kept), of the wrong type, or from elsewhere', async () => {
    const small = await startServer({
      version: 't',
      dataDir: path.join(tmp(), 'data'),
      port: 0,
      rendererDir: null,
      maxUploadBytes: 100_000,
      lab: { spawnWorker: idleSpawn }
    })
    try {
      const chunked = await new Promise<Raw>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port: small.port, method: 'POST', path: '/api/uploads', headers: octet },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                headers: res.headers,
                body: Buffer.concat(chunks).toString()
              })
            )
          }
        )
        req.on('error', () => resolve({ status: -1, headers: {}, body: '' }))
        for (let k = 0; k < 4; k++) req.write(Buffer.alloc(50_000, 0x31))
        req.end()
      })
      expect(chunked.status).toBe(413)
      expect(JSON.parse(chunked.body).error.message).toBe('The file is over the 97.7 KiB limit.')
      expect(uploadsLeft(small)).toEqual([])
      const declared = await raw(small.port, 'POST', '/api/uploads', { ...octet, 'Content-Length': '100001' })
      expect(declared.status).toBe(413)
      const form = await raw(small.port, 'POST', '/api/uploads', { 'Content-Type': 'text/plain' }, 'a')
      expect(form.status).toBe(415)
      const foreign = await raw(
        small.port,
        'POST',
        '/api/uploads',
        { ...octet, Origin: 'http://evil.example' },
        'a'
      )
      expect(foreign.status).toBe(403)
      expect((await raw(small.port, 'GET', '/api/uploads')).status).toBe(405)
      expect(uploadsLeft(small)).toEqual([])
    } finally {
      await small.close()
    }
  })

  it('the http bridge uploads a Blob', async () => {
    const bridge = createHttpBridge(`http://127.0.0.1:${web.port}`)
    const r = await bridge.upload!(new Blob([csv(10)]))
    expect(r).toMatchObject({ ok: true, value: { bytes: csv(10).length } })
    if (r.ok) web.lab.uploads.remove(r.value.uploadId)
  })
})

/** A content-hashed bundle big enough to be worth compressing. */
const BUNDLE = Array.from({ length: 400 }, (_, i) => `export const v${i} = ${i} * Math.PI\n`).join('')

/** A GET that keeps the body's bytes (compressed bodies are not UTF-8). */
function bytes(
  port: number,
  p: string,
  headers: Record<string, string>
): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
}

describe('web host: compressed static files', () => {
  it('answers Brotli or gzip as accepted, with Vary, and caches hashed assets for good', async () => {
    const p = '/assets/index-Bq3xY9_k.js'
    const br = await bytes(web.port, p, { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toBe('Accept-Encoding')
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(Number(br.headers['content-length'])).toBe(br.body.length)
    expect(br.body.length).toBeLessThan(BUNDLE.length / 4)
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(BUNDLE)
    const gz = await bytes(web.port, p, { 'Accept-Encoding': 'gzip, br;q=0' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(zlib.gunzipSync(gz.body).toString()).toBe(BUNDLE)
    const plain = await bytes(web.port, p, {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString()).toBe(BUNDLE)
    // The page revalidates; small files go out as they are.
    const page = await bytes(web.port, '/', { 'Accept-Encoding': 'br' })
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(
      (await bytes(web.port, '/assets/app.js', { 'Accept-Encoding': 'br' })).headers['content-encoding']
    ).toBeUndefined()
  })

  it('reads Accept-Encoding q-values', () => {
    expect(pickEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip')
    expect(pickEncoding('*')).toBe('br')
    expect(pickEncoding('identity')).toBeNull()
    expect(pickEncoding(undefined)).toBeNull()
  })
})

describe('web host: static files and downloads', () => {
  it('serves the renderer with strict headers', async () => {
    const page = await raw(web.port, 'GET', '/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('lab')
    expect(page.headers['content-security-policy']).toBe(`${CSP_META}; frame-ancestors 'none'`)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['x-frame-options']).toBe('DENY')
    const js = await raw(web.port, 'GET', '/assets/app.js')
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8'])
    expect((await raw(web.port, 'GET', '/runs/some-view')).body).toContain('lab')
    expect((await raw(web.port, 'GET', '/assets/missing.js')).status).toBe(404)
    expect((await raw(web.port, 'POST', '/')).status).toBe(405)
  })

  const traversal = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/link.txt',
    '/%E0%A4%A'
  ]
  it.each(traversal)('never serves outside the renderer: %s', async (p) => {
    const r = await raw(web.port, 'GET', p)
    expect(r.body).not.toContain('TOP SECRET')
    expect([400, 404]).toContain(r.status)
  })

  it('resolveStatic keeps every path inside the root', () => {
    expect(resolveStatic('/srv/r', '/assets/a.js')).toBe('/srv/r/assets/a.js')
    for (const p of ['/../x', '/a/../../x', '/%2e%2e/x', '/a%2f..%2f..%2fx', '/a\\..\\x', '/%00', '/%zz'])
      expect(resolveStatic('/srv/r', p)).toBeNull()
  })

  it('offers exported files for download, and nothing else', async () => {
    fs.mkdirSync(web.lab.paths.exports, { recursive: true })
    fs.writeFileSync(path.join(web.lab.paths.exports, 'run-1.onnx'), 'ONNXBYTES')
    const r = await raw(web.port, 'GET', '/api/exports/run-1.onnx')
    expect(r.status).toBe(200)
    expect(r.body).toBe('ONNXBYTES')
    expect(r.headers['content-disposition']).toBe('attachment; filename="run-1.onnx"')
    for (const p of [
      '/api/exports/missing.onnx',
      '/api/exports/..%2f..%2fsecret.txt',
      '/api/exports/run-1.txt',
      '/api/exports/'
    ])
      expect((await raw(web.port, 'GET', p)).status).toBe(404)
  })
})

describe('web host: access token', () => {
  it('auth logic: loopback names, tokens from header or query, constant-time compare, origins', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h)).toBe(true)
    for (const h of ['0.0.0.0', '192.168.1.4', '::', 'example.com', '128.0.0.1'])
      expect(isLoopbackHost(h)).toBe(false)
    expect(requestToken({ headers: { authorization: 'Bearer abc' }, url: '/api/x?token=zzz' })).toBe('abc')
    expect(requestToken({ headers: {}, url: '/api/events?token=zzz' })).toBe('zzz')
    expect(requestToken({ headers: { authorization: 'Basic abc' }, url: '/' })).toBeNull()
    expect(checkToken(null, null)).toBe(true)
    expect(checkToken('secret', null)).toBe(false)
    expect(checkToken('secret', 'secreT')).toBe(false)
    expect(checkToken('secret', 'secret-longer')).toBe(false)
    expect(checkToken('secret', 'secret')).toBe(true)
    expect(checkOrigin('http://127.0.0.1:7070', '127.0.0.1:7070')).toBe(true)
    expect(checkOrigin('http://evil.example', '127.0.0.1:7070')).toBe(false)
    expect(checkOrigin(undefined, '127.0.0.1:7070')).toBe(false)
    expect(cspFor(null)).toMatch(/default-src 'none'.*frame-ancestors 'none'$/)
  })

  it('with a token (as on a non-loopback binding), the API, events and downloads need it', async () => {
    const token = 'test-token-123'
    const guarded = await startServer({
      version: '1',
      dataDir: path.join(root, 'data2'),
      port: 0,
      host: '127.0.0.1',
      rendererDir: null,
      token,
      lab: { spawnWorker: idleSpawn }
    })
    try {
      expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/?token=${token}`)
      const call = (headers: Record<string, string>, q = ''): Promise<Raw> =>
        raw(
          guarded.port,
          'POST',
          `/api/engine/info${q}`,
          { 'Content-Type': 'application/json', ...headers },
          '[]'
        )
      expect((await call({})).status).toBe(401)
      expect((await call({ Authorization: 'Bearer wrong' })).status).toBe(401)
      expect((await call({ Authorization: `Bearer ${token}` })).status).toBe(200)
      expect((await call({}, `?token=${token}`)).status).toBe(200)
      expect((await raw(guarded.port, 'GET', '/api/exports/x.onnx')).status).toBe(401)
      const origin = `http://127.0.0.1:${guarded.port}`
      expect(await connect(`ws://127.0.0.1:${guarded.port}/api/events`, origin)).toEqual({ status: 401 })
      const ok = await connect(`ws://127.0.0.1:${guarded.port}/api/events?token=${token}`, origin)
      expect('ws' in ok).toBe(true)
      if ('ws' in ok) ok.ws.close()
      // The page itself carries no data; without a renderer it says how to build one.
      const page = await raw(guarded.port, 'GET', '/')
      expect([page.status, page.body]).toEqual([503, expect.stringContaining('electron-vite build')])
      const bridge = createHttpBridge(origin, token)
      expect(await bridge.engine.info()).toMatchObject({ ok: true })
      expect(await createHttpBridge(origin, 'nope').engine.info()).toMatchObject({
        ok: false,
        error: { code: 'UNAUTHORIZED' }
      })
    } finally {
      await guarded.close()
    }
  })

  it('a non-loopback binding without a token is refused', async () => {
    await expect(
      startServer({ version: '1', dataDir: tmp(), port: 0, host: '0.0.0.0', token: null })
    ).rejects.toThrow(/needs a token/)
  })
})
