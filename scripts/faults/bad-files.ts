/**
 * Bad data files, imported the way the web host and the desktop app import them (the dataset store, over a
 * store that already holds one good file). Cases: every committed file under tests/fixtures/data/bad, every
 * generated importer fixture (tests/helpers/data-fixtures.ts), and the hostile shapes and names below.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { isEngineError } from '../../src/engine/errors'
import { Rng } from '../../src/engine/rng'
import { DatasetLibrary, FILES_DIR, INDEX_FILE } from '../../src/host/datasets'
import { GENERATED, npy } from '../../tests/helpers/data-fixtures'
import { oneLine, type FaultCategory, type FaultContext, type Trial } from './types'

/** What the case must do: be refused, be imported, or either (as long as it does so cleanly). */
type Expect = 'refuse' | 'import' | 'either'

interface FileCase {
  label: string
  fileName: string
  bytes: () => Uint8Array
  expect: Expect
  /** Display name given with the import. */
  name?: string
}

/** A listing larger than this is a defect: `datasets.list` is called on every view change. */
export const LIST_BUDGET_BYTES = 256 * 1024

const rows = (n: number, d: number): string =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => (i * d + j) % 97).join(',')).join(
    '\n'
  ) + '\n'
const text = (s: string) => (): Uint8Array => Buffer.from(s, 'utf8')
const random = (n: number, seed: number) => (): Uint8Array => {
  const rng = new Rng(seed)
  return Uint8Array.from({ length: n }, () => rng.int(256))
}

/** A small good table under a hostile file name or display name: it must import, and harm nothing. */
const named = (label: string, fileName: string, name?: string): FileCase => ({
  label,
  fileName,
  ...(name !== undefined ? { name } : {}),
  bytes: text(rows(4, 2)),
  expect: 'import'
})

/** Hostile files the committed and generated fixtures do not cover. */
const HOSTILE: FileCase[] = [
  {
    label: 'one row × 2,000,001 columns',
    fileName: 'wide.csv',
    bytes: text(rows(1, 2_000_001)),
    expect: 'refuse'
  },
  {
    label: '3 rows × 100,001 columns',
    fileName: 'wide3.csv',
    bytes: text(rows(3, 100_001)),
    expect: 'refuse'
  },
  { label: 'one data row', fileName: 'one-row.csv', bytes: text('x,y\n1,2\n'), expect: 'refuse' },
  { label: 'two data rows', fileName: 'two-rows.csv', bytes: text('1,2\n3,4\n'), expect: 'refuse' },
  {
    label: 'decimal commas under a header',
    fileName: 'comma.csv',
    bytes: text('a;b\n1,5;2,5\n3,5;4,5\n5,5;6,5\n'),
    expect: 'refuse'
  },
  {
    label: '100,000 nested [ in JSON',
    fileName: 'deep.json',
    bytes: text('['.repeat(100_000)),
    expect: 'refuse'
  },
  {
    label: '64 KiB of random bytes as .csv',
    fileName: 'random.csv',
    bytes: random(65_536, 1),
    expect: 'refuse'
  },
  {
    label: '64 KiB of random bytes as .json',
    fileName: 'random.json',
    bytes: random(65_536, 2),
    expect: 'refuse'
  },
  {
    label: '64 KiB of random bytes as .npy',
    fileName: 'random.npy',
    bytes: random(65_536, 3),
    expect: 'refuse'
  },
  {
    label: 'a 1,000,000-digit number',
    fileName: 'long-cell.csv',
    bytes: text(`x,y\n${'9'.repeat(1_000_000)},1\n1,2\n3,4\n`),
    expect: 'refuse'
  },
  {
    label: '.npy declaring 2^40 × 2^20 values',
    fileName: 'huge-shape.npy',
    bytes: () => npy('<f4', [2 ** 40, 2 ** 20], new Float32Array(4)),
    expect: 'refuse'
  },
  {
    label: '.npy with a negative shape',
    fileName: 'negative.npy',
    bytes: () => npy('<f4', [-1, 2], new Float32Array(4)),
    expect: 'refuse'
  },
  {
    label: 'a UTF-8 BOM alone',
    fileName: 'bom.csv',
    bytes: () => Uint8Array.from([0xef, 0xbb, 0xbf]),
    expect: 'refuse'
  },
  {
    label: 'only whitespace and comments',
    fileName: 'blank2.csv',
    bytes: text('  \n# note\n\t\n'),
    expect: 'refuse'
  },
  // Names that could collide with the store's own files, or trouble a file system.
  {
    label: 'a data file named index.json',
    fileName: 'index.json',
    bytes: text('[[1,2],[3,4],[5,6]]'),
    expect: 'import'
  },
  named('display name "index.json"', 'a.csv', 'index.json'),
  named('display name "index.json.lock"', 'a.csv', 'index.json.lock'),
  named('display name "files"', 'a.csv', 'files'),
  named('display name "../../escape"', 'a.csv', '../../escape'),
  named('a Windows device name (CON.csv)', 'CON.csv'),
  named('a non-ASCII name', 'données é 数据.csv'),
  named('a 255-character name', 'n'.repeat(251) + '.csv'),
  named('a name of dots', '....csv')
]

function cases(root: string): FileCase[] {
  const badDir = path.join(root, 'tests/fixtures/data/bad')
  const committed: FileCase[] = fs
    .readdirSync(badDir)
    .sort()
    .map((f) => ({
      label: `tests/fixtures/data/bad/${f}`,
      fileName: f,
      bytes: () => fs.readFileSync(path.join(badDir, f)),
      expect: 'refuse' as const
    }))
  const generated: FileCase[] = Object.entries(GENERATED).map(([f, gen]) => ({
    label: `generated ${f}`,
    fileName: f,
    bytes: gen,
    expect: 'either' as const
  }))
  return [...committed, ...generated, ...HOSTILE]
}

/** The store's visible state: its listing and the files on disk. */
function snapshot(lib: DatasetLibrary): string {
  const files = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])
  return JSON.stringify([lib.list().map((d) => d.id), files(lib.dir), files(path.join(lib.dir, FILES_DIR))])
}

async function tryCase(ctx: FaultContext, c: FileCase): Promise<Trial> {
  const lib = new DatasetLibrary(path.join(ctx.tmpDir(), 'datasets'))
  const good = await lib.import({ bytes: Buffer.from(rows(5, 2)), fileName: 'good.csv' })
  const before = snapshot(lib)
  const name = c.label
  let imported: Awaited<ReturnType<DatasetLibrary['import']>>
  try {
    imported = await lib.import({
      bytes: c.bytes(),
      fileName: c.fileName,
      ...(c.name ? { name: c.name } : {})
    })
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    const problems = [
      !isEngineError(e) && `not an engine error (${e instanceof Error ? e.name : typeof e})`,
      msg.includes('\n') && 'more than one line',
      !msg.includes(c.fileName) && 'does not name the file',
      snapshot(lib) !== before && 'the store changed',
      c.expect === 'import' && 'should have imported'
    ].filter(Boolean)
    return {
      case: name,
      held: problems.length === 0,
      outcome: `refused: ${oneLine(msg)}${problems.length ? ` — ${problems.join('; ')}` : ''}`
    }
  }
  const problems: string[] = []
  if (c.expect === 'refuse') problems.push('should have been refused')
  const listing = JSON.stringify(lib.list())
  if (listing.length > LIST_BUDGET_BYTES)
    problems.push(`datasets.list is now ${(listing.length / 2 ** 20).toFixed(1)} MiB`)
  const ids = lib.list().map((d) => d.id)
  if (!ids.includes(good.id) || !ids.includes(imported.id)) problems.push('the listing lost an entry')
  try {
    const back = await lib.load(imported.id)
    if (back.n !== imported.rows || back.d !== imported.dim) problems.push('it loads back with another shape')
    if ((await lib.load(good.id)).n !== 5) problems.push('the other import no longer loads')
  } catch (e) {
    problems.push(`it does not load back: ${oneLine(e, 80)}`)
  }
  try {
    JSON.parse(fs.readFileSync(path.join(lib.dir, INDEX_FILE), 'utf8'))
  } catch {
    problems.push('the index is no longer JSON')
  }
  return {
    case: name,
    held: problems.length === 0,
    outcome: `imported as ${imported.id} (${imported.rows}×${imported.dim})${problems.length ? ` — ${problems.join('; ')}` : ''}`
  }
}

export const badFiles: FaultCategory = {
  id: 'bad-files',
  title: 'Bad data files (import)',
  expectation:
    'refused with one sentence naming the file, the store unchanged; or imported cleanly (listed, loads back, index intact, listing small)',
  async run(ctx) {
    const out: Trial[] = []
    for (const c of cases(ctx.root)) out.push(await tryCase(ctx, c))
    return out
  }
}
