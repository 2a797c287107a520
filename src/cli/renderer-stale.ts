/** Is the built renderer older than its sources? (`pfm serve` rebuilds it then; plain Node, no imports of the app.) */
import * as fs from 'node:fs'
import * as path from 'node:path'

/** Newest modification time (ms) of the files under `dirs` (0 where none exist). */
function newestMtime(dirs: readonly string[]): number {
  let newest = 0
  const walk = (dir: string): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) newest = Math.max(newest, fs.statSync(p).mtimeMs)
    }
  }
  for (const d of dirs) walk(d)
  return newest
}

/**
 * True when the built renderer (`builtIndex`) is older than a source it is built from (`sources`: in a
 * checkout, src/renderer and src/shared; an install without sources is never stale). Serving such a build
 * shows yesterday's UI: a change to a view looks like it did nothing.
 */
export function rendererStale(builtIndex: string, sources: readonly string[]): boolean {
  if (!fs.existsSync(builtIndex)) return false
  return newestMtime(sources) > fs.statSync(builtIndex).mtimeMs
}
