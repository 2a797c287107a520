/**
 * Files the web host received by upload, waiting for the call that imports them. An upload is streamed to
 * `<dataDir>/uploads/<id>` as it arrives (never held in memory), under a size limit; the import call names it by
 * id and the dataset store moves it in. Uploads nobody imported are removed after an hour, and at most
 * {@link MAX_PENDING} wait at once (the oldest goes first).
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Readable } from 'node:stream'
import { describeFsError } from '../engine/store/fs-utils'
import { HostError } from './errors'

/** An upload id: 32 lowercase hex digits. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/
export const MAX_PENDING = 8
export const MAX_AGE_MS = 60 * 60 * 1000

export class UploadStore {
  readonly dir: string

  constructor(dir: string) {
    this.dir = path.resolve(dir)
  }

  /**
   * Streams `source` into a new upload. Rejects with `PAYLOAD_TOO_LARGE` once it passes `maxBytes` (what was
   * written is removed) and with the stream's error when the sender goes away.
   */
  async receive(source: Readable, maxBytes: number): Promise<{ uploadId: string; bytes: number }> {
    this.prune()
    const uploadId = randomBytes(16).toString('hex')
    const file = path.join(this.dir, uploadId)
    const part = `${file}.part`
    let bytes = 0
    try {
      fs.mkdirSync(this.dir, { recursive: true })
      await new Promise<void>((resolve, reject) => {
        const out = fs.createWriteStream(part, { flags: 'wx' })
        let settled = false
        let ended = false
        // The sender is not destroyed on a refusal: the host still answers it (413).
        const fail = (e: unknown): void => {
          if (settled) return
          settled = true
          source.unpipe(out)
          source.resume()
          out.destroy()
          reject(e)
        }
        source.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          if (bytes > maxBytes)
            fail(
              new HostError(
                'PAYLOAD_TOO_LARGE',
                `The file is over the ${maxBytes / 2 ** 20} MiB upload limit.`
              )
            )
        })
        source.on('end', () => (ended = true))
        source.on('close', () => ended || fail(new Error('the sender went away before the end of the file')))
        source.on('error', fail)
        out.on('error', fail)
        out.on('close', () => {
          if (settled) return
          settled = true
          resolve()
        })
        source.pipe(out)
      })
      fs.renameSync(part, file)
    } catch (e) {
      fs.rmSync(part, { force: true })
      if (e instanceof HostError) throw e
      throw new HostError('STORE', `The upload was not stored: ${describeFsError(e)}.`)
    }
    return { uploadId, bytes }
  }

  /** The file of a received upload. */
  path(uploadId: string): string {
    const file = path.join(this.dir, uploadId)
    if (!UPLOAD_ID.test(uploadId) || !fs.existsSync(file))
      throw new HostError(
        'NOT_FOUND',
        `There is no upload "${uploadId}" (it was imported, or expired); upload the file again.`
      )
    return file
  }

  /** Removes an upload (nothing happens when it is gone). */
  remove(uploadId: string): void {
    if (UPLOAD_ID.test(uploadId)) fs.rmSync(path.join(this.dir, uploadId), { force: true })
  }

  /** Removes uploads older than an hour (and partial ones), then the oldest beyond the pending limit. */
  private prune(now = Date.now()): void {
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch {
      return
    }
    const done: { name: string; mtime: number }[] = []
    for (const name of names) {
      try {
        const mtime = fs.statSync(path.join(this.dir, name)).mtimeMs
        if (now - mtime > MAX_AGE_MS) fs.rmSync(path.join(this.dir, name), { force: true })
        else if (UPLOAD_ID.test(name)) done.push({ name, mtime })
      } catch {
        // gone meanwhile
      }
    }
    done.sort((a, b) => a.mtime - b.mtime)
    for (const { name } of done.slice(0, Math.max(0, done.length - (MAX_PENDING - 1))))
      fs.rmSync(path.join(this.dir, name), { force: true })
  }
}
