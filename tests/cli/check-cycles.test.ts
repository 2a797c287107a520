/** scripts/check-cycles.mjs (run by `npm run lint`): value imports form cycles, type-only imports do not; src/ has none. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error a plain .mjs script without types
import { findCycles, importGraph } from '../../scripts/check-cycles.mjs'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-cycles-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(dir, 't-'))
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), text)
  }
  return root
}

const cycles = (root: string): string[][] =>
  (findCycles(importGraph(root)) as string[][]).map((c) => c.map((f) => path.relative(root, f)))

describe('check-cycles', () => {
  it('finds a cycle through value imports, re-exports and index files', () => {
    const root = tree({
      'a.ts': "import { b } from './b'\nexport const a = b",
      'b.ts': "export { c as b } from './lib'",
      'lib/index.ts': "import { a } from '../a'\nexport const c = 1\nexport const d = a"
    })
    expect(cycles(root)).toEqual([['a.ts', 'b.ts', 'lib/index.ts']])
  })

  it('ignores type-only imports', () => {
    const root = tree({
      'a.ts': "import { b } from './b'\nexport type A = number\nexport const a = b",
      'b.ts': "import type { A } from './a'\nimport { type A as B } from './a'\nexport const b = 1"
    })
    expect(cycles(root)).toEqual([])
  })

  it('counts a late import() as an edge: deferring the import does not remove the cycle', () => {
    const root = tree({
      'a.ts': "import { b } from './b'\nexport const a = b",
      'b.ts': "export const b = 1\nexport const f = () => import('./a')"
    })
    expect(cycles(root)).toEqual([['a.ts', 'b.ts']])
  })

  it('src/ has no import cycle', () => {
    expect(cycles(path.resolve(__dirname, '../../src'))).toEqual([])
  })
})
