/**
 * File-system helpers for the run store: atomic whole-file writes, a tiny inter-process lock for
 * read-modify-write of run.json, and "is this process alive" — all synchronous.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { StoreError } from '../errors'

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex')

/** Temp files written next to their target: `<file>.tmp-<pid>-<rand>`. */
export const TMP_FILE_RE = /\.tmp-(\d+)-[0-9a-f]+$/

/** Blocks the thread for `ms` (used only for short lock/rename retries). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** True when `pid` names a live process on this host (EPERM: alive but not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** `ENOSPC (no space left on device)`-style text for an fs error. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  if (err && typeof err.code === 'string') {
    const reason = err.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')
    return `${err.code} (${reason})`
  }
  return e instanceof Error ? e.message : String(e)
}

/** Windows may refuse a rename briefly while another process (a reader, an antivirus) holds the file. */
function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(from, to)
      return
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      const transient =
        process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')
      if (!transient || attempt >= 10) throw e
      sleepSync(10 * (attempt + 1))
    }
  }
}

/** fsync a directory so a rename in it survives a power cut (not possible on Windows; best effort). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Writes `file` so that it is always either the old content or the new, never a mix: write
 * `<file>.tmp-<pid>-<rand>`, fsync, rename over `file`, fsync the folder. Throws StoreError naming the file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${randomHex(4)}`
  try {
    const fd = fs.openSync(tmp, 'wx')
    try {
      fs.writeFileSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    renameWithRetry(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw new StoreError(`Could not write ${file}: ${describeFsError(e)}.`)
  }
  fsyncDir(path.dirname(file))
}

/** Renames a directory (retrying briefly on Windows); throws the raw fs error. */
export function renameDir(from: string, to: string): void {
  renameWithRetry(from, to)
}

const LOCK_STALE_MS = 10_000
const LOCK_WAIT_MS = 5_000

/**
 * Runs `fn` holding `<file>.lock` (created exclusively, holding our pid). A lock whose owner is dead, or
 * that is older than 10 s, is taken over. Used around read-modify-write of run.json so that a rename from
 * one process and a status update from the training process cannot undo each other.
 */
export function withFileLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`
  const start = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx')
      try {
        fs.writeSync(fd, String(process.pid))
      } finally {
        fs.closeSync(fd)
      }
      break
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw new StoreError(`Could not lock ${file}: ${describeFsError(e)}.`)
      if (lockIsStale(lock)) {
        fs.rmSync(lock, { force: true })
        continue
      }
      if (Date.now() - start > LOCK_WAIT_MS)
        throw new StoreError(`${file} is locked by another process (${lock}); try again.`)
      sleepSync(Math.min(2 + attempt, 20))
    }
  }
  try {
    return fn()
  } finally {
    fs.rmSync(lock, { force: true })
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const st = fs.statSync(lock)
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS) return true
    const pid = Number(fs.readFileSync(lock, 'utf8'))
    // An empty file is a lock being created this very moment: not stale (the age rule covers a crash here).
    return Number.isInteger(pid) && pid > 0 && !pidAlive(pid)
  } catch {
    return false // vanished meanwhile: retry
  }
}
