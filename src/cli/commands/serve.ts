/**
 * `pfm serve [--port 7070] [--host 127.0.0.1] [--data-dir DIR]`: the workbench in a browser — the web host
 * (src/web/server.ts) serving the built renderer and the lab's API. Runs until Ctrl-C (or SIGTERM), then stops
 * its training workers.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../../engine/errors'
import { DEFAULT_RENDERER_DIR, isLoopbackHost, startServer } from '../../web/server'
import { num, Out, parse, str } from '../io'
import { rendererStale } from '../renderer-stale'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export const usage = 'pfm serve [--port 7070] [--host 127.0.0.1] [--data-dir DIR] [--no-build]'

/** Builds the renderer when it is missing or older than its sources; false when there is none to serve. */
function ensureRenderer(out: Out, build: boolean): boolean {
  const index = path.join(DEFAULT_RENDERER_DIR, 'index.html')
  const exists = fs.existsSync(index)
  const stale =
    exists && rendererStale(index, [path.join(root, 'src/renderer'), path.join(root, 'src/shared')])
  if (exists && !(stale && build)) {
    if (stale) out.line('The built renderer is older than src/renderer: serving it anyway (--no-build).')
    return true
  }
  const bin = path.join(root, 'node_modules/electron-vite/bin/electron-vite.js')
  if (build && fs.existsSync(bin)) {
    process.stderr.write(
      stale
        ? 'The built renderer is older than src/renderer: rebuilding it (electron-vite build)…\n'
        : 'Building the renderer once (electron-vite build)…\n'
    )
    const r = spawnSync(process.execPath, [bin, 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    })
    if (r.status === 0 && fs.existsSync(index)) return true
    if (stale && fs.existsSync(index)) {
      out.line('Rebuilding the renderer failed: serving the older build.')
      return true
    }
  }
  out.line(
    'The renderer is not built, so only the API is served: run `npx electron-vite build`, then reload the page.'
  )
  return false
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'no-build': { type: 'boolean', default: false }
  })
  const out = new Out(values.json === true)
  const port = num(values, 'port') ?? 7070
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: ${port} is not a port number (0–65535).`)
  const host = str(values, 'host') ?? '127.0.0.1'
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    throw new ConfigError(`--host: "${host}" is not a host name or address.`)
  const dataDir = path.resolve(str(values, 'data-dir') ?? process.env.PFM_DATA_DIR ?? 'lab-data')
  const built = ensureRenderer(out, values['no-build'] !== true)

  let web
  try {
    web = await startServer({
      version: version(),
      dataDir,
      port,
      host,
      rendererDir: built ? DEFAULT_RENDERER_DIR : null
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE')
      throw new ConfigError(`Port ${port} on ${host} is in use; pick another with --port.`)
    if (code === 'EADDRNOTAVAIL') throw new ConfigError(`--host ${host}: this machine has no such address.`)
    throw e
  }
  const wildcard = host === '0.0.0.0' || host === '::'
  const shown = wildcard ? web.url.replace(host.includes(':') ? `[${host}]` : host, os.hostname()) : web.url
  if (out.json) {
    process.stdout.write(
      JSON.stringify({ url: shown, port: web.port, host, dataDir, token: web.token }) + '\n'
    )
  } else {
    out.line(`Pushforward Lab is served at ${shown}  (data: ${dataDir}; Ctrl-C stops it)`)
    if (!isLoopbackHost(host))
      out.line(
        'Reachable from other machines: the URL carries its access token; share it only with people you trust.'
      )
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  out.line('Stopping…')
  await web.close()
  return 0
}
