/** Whole-file writes that never leave a half-written file: temp file in the same folder, fsync, rename. */
import * as fs from 'node:fs'
import * as path from 'node:path'

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 8)}`)
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
}
