/** `pfm serve` rebuilds a renderer older than its sources (a stale out/renderer made UI changes look void). */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { rendererStale } from '../../src/cli/renderer-stale'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-stale-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

function touch(file: string, secondsAgo: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  if (!fs.existsSync(file)) fs.writeFileSync(file, 'x')
  const t = Date.now() / 1000 - secondsAgo
  fs.utimesSync(file, t, t)
}

describe('rendererStale', () => {
  it('is stale when a source file, however deep, is newer than the built index.html', () => {
    const index = path.join(tmp, 'out/renderer/index.html')
    const src = path.join(tmp, 'src/renderer')
    touch(index, 100)
    touch(path.join(src, 'src/views/A.vue'), 200)
    expect(rendererStale(index, [src])).toBe(false)
    touch(path.join(src, 'src/charts/deep/bench.ts'), 10)
    expect(rendererStale(index, [src])).toBe(true)
    touch(index, 0) // rebuilt
    expect(rendererStale(index, [src])).toBe(false)
  })

  it('is never stale without a build or without sources (an installed app)', () => {
    expect(rendererStale(path.join(tmp, 'none/index.html'), [path.join(tmp, 'src')])).toBe(false)
    touch(path.join(tmp, 'b/index.html'), 50)
    expect(rendererStale(path.join(tmp, 'b/index.html'), [path.join(tmp, 'no-src')])).toBe(false)
  })
})
