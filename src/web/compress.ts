/**
 * Compressed static files for the web host: the encoding a request accepts (Brotli before gzip, q-values
 * honoured), each file compressed once and kept while it is unchanged, and the caching a file deserves (Vite's
 * content-hashed assets forever, the page itself revalidated). Plain Node (`zlib`).
 */
import * as fs from 'node:fs'
import * as zlib from 'node:zlib'

export type Encoding = 'br' | 'gzip'

/** Text formats worth compressing (images, fonts and wasm are already compressed or barely shrink). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt'])

/** Files smaller than this go out as they are. */
const MIN_BYTES = 1024

/** The encoding to answer an `Accept-Encoding` header with: br, else gzip, else none (identity). */
export function pickEncoding(accept: string | string[] | undefined): Encoding | null {
  const text = Array.isArray(accept) ? accept.join(',') : (accept ?? '')
  const q = new Map<string, number>()
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    if (!name) continue
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const v = qp ? Number(qp.slice(2)) : 1
    q.set(name, Number.isFinite(v) ? v : 0)
  }
  const weight = (e: string): number => q.get(e) ?? q.get('*') ?? 0
  if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br'
  if (weight('gzip') > 0) return 'gzip'
  return null
}

/** `Cache-Control` for a static path: hashed assets are immutable, the page and the rest revalidate. */
export function cacheControl(pathname: string, isHtml: boolean): string {
  if (isHtml) return 'no-cache'
  // Vite names every built asset after its content hash (assets/index-3f9a1c2b.js).
  if (/^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(pathname))
    return 'public, max-age=31536000, immutable'
  return 'public, max-age=3600'
}

/** Compresses static files on first request and keeps them while their size and mtime are unchanged. */
export class CompressedFiles {
  private readonly cache = new Map<string, { stamp: string; body: Buffer }>()

  /** The body to send for `file` under `encoding`, or null to send the file as it is. */
  get(file: string, ext: string, size: number, mtimeMs: number, encoding: Encoding | null): Buffer | null {
    if (!encoding || !COMPRESSIBLE.has(ext) || size < MIN_BYTES) return null
    const key = `${encoding}:${file}`
    const stamp = `${size}:${mtimeMs}`
    const hit = this.cache.get(key)
    if (hit && hit.stamp === stamp) return hit.body
    const raw = fs.readFileSync(file)
    const body =
      encoding === 'br'
        ? zlib.brotliCompressSync(raw, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length
            }
          })
        : zlib.gzipSync(raw, { level: 9 })
    this.cache.set(key, { stamp, body })
    return body
  }
}
