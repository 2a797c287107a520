import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetLibrary, FILES_DIR, INDEX_FILE } from '../../src/host/datasets'
import { INLINE_BYTES } from '../../src/host/dataset-parse'
import { splitHeldout } from '../../src/engine/data'
import { Rng } from '../../src/engine/rng'
import { npy } from '../helpers/data-fixtures'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-datasets-'))
const csv = (rows: number, d = 2): string =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: d }, (_, j) => i + j / 10).join(',')).join(
    '\n'
  ) + '\n'
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('the dataset store never lets a user file collide with its own files', () => {
  it.each([
    [INDEX_FILE, INDEX_FILE],
    ['index.json', `${INDEX_FILE}.lock`],
    ['files.json', 'files']
  ])('a file %s named %s imports beside the others', async (fileName, name) => {
    const dir = tmp()
    const lib = new DatasetLibrary(dir)
    const a = await lib.import({ bytes: bytes(csv(5)), fileName: 'a.csv' })
    const b = await lib.import({ bytes: bytes('[[1,2],[3,4],[5,6],[7,8]]'), fileName, name })
    expect(
      lib
        .list()
        .filter((d) => d.kind === 'imported')
        .map((d) => d.id)
    ).toEqual([a.id, b.id])
    // The index is still the index; the copy is byte-exact in the files folder.
    expect(JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8'))).toMatchObject({ version: 2 })
    expect((await lib.load(b.id)).n).toBe(4)
    lib.remove(b.id)
    expect(
      lib
        .list()
        .filter((d) => d.kind === 'imported')
        .map((d) => d.id)
    ).toEqual([a.id])
    expect((await lib.load(a.id)).n).toBe(5)
    expect(fs.readdirSync(path.join(dir, FILES_DIR))).toEqual(['a.csv'])
  })

  it('opens a version-1 store: every copy stays where runs name it; the entry the index overwrote is dropped', async () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, 'old.csv'), csv(6))
    const legacy = (name: string, file: string, rows: number): object => ({
      name,
      file,
      title: file,
      originalName: file,
      rows,
      dim: 2,
      columns: ['x0', 'x1'],
      importedAt: '2026-01-01T00:00:00.000Z'
    })
    fs.writeFileSync(
      path.join(dir, INDEX_FILE),
      JSON.stringify({
        version: 1,
        datasets: [legacy('old', 'old.csv', 6), legacy('index', 'index.json', 3)]
      })
    )
    const lib = new DatasetLibrary(dir)
    expect(
      lib
        .list()
        .filter((d) => d.kind === 'imported')
        .map((d) => d.id)
    ).toEqual(['file:old'])
    expect((await lib.load('file:old')).n).toBe(6)
    expect(fs.readFileSync(path.join(dir, 'old.csv'), 'utf8')).toBe(csv(6))
    expect(JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8')).version).toBe(2)
    // A new import of the same stem gets a fresh name; the old copy is untouched.
    const again = await lib.import({ bytes: bytes(csv(4)), fileName: 'old.csv' })
    expect(again.id).toBe('file:old-2')
    expect((await lib.load('file:old')).n).toBe(6)
  })
})

describe('files too small to train are refused at import', () => {
  it.each([
    [1, /^tiny\.csv has 1 row; a data set needs at least 3 to train/],
    [2, /^tiny\.csv has 2 rows; a data set needs at least 3 to train/]
  ])('%i row(s)', async (rows, error) => {
    const dir = tmp()
    const lib = new DatasetLibrary(dir)
    await expect(lib.import({ bytes: bytes(csv(rows)), fileName: 'tiny.csv' })).rejects.toThrow(error)
    expect(fs.existsSync(path.join(dir, FILES_DIR))).toBe(false)
  })

  it('3 rows import, and the training split leaves 2 rows (the smallest batch) to train on', async () => {
    const lib = new DatasetLibrary(tmp())
    const info = await lib.import({ bytes: bytes(csv(3)), fileName: 'three.csv' })
    const ds = await lib.load(info.id)
    expect(splitHeldout(ds, 0.2, new Rng(1)).train.n).toBe(2)
    expect(splitHeldout({ ...ds, n: 2, data: ds.data.subarray(0, 4) }, 0.2, new Rng(1)).train.n).toBe(1)
  })
})

describe('large files are parsed off the event loop', () => {
  it('a file over 1 MiB is parsed in the worker thread, with the same result and the same errors', async () => {
    const dir = tmp()
    const lib = new DatasetLibrary(path.join(dir, 'store'))
    try {
      const big = path.join(dir, 'big.csv')
      fs.writeFileSync(big, 'x,y\n' + csv(100_000))
      expect(fs.statSync(big).size).toBeGreaterThan(INLINE_BYTES)
      const info = await lib.importPath(big)
      expect(info).toMatchObject({ rows: 100_000, dim: 2 })
      const p = await lib.preview(info.id, 100)
      expect(p).toMatchObject({
        n: 100,
        columns: ['x', 'y'],
        stats: [{ name: 'x', min: 0, max: 99_999 }, {}]
      })
      expect(p.points).toHaveLength(200)
      const ds = await lib.load(info.id)
      expect([ds.n, ds.data[2 * 99_999]]).toEqual([100_000, 99_999])
      fs.appendFileSync(big, '1,oops\n')
      await expect(lib.importPath(big, { fileName: 'upload.csv' })).rejects.toThrow(
        /^upload\.csv line 100002, column 2: "oops" is not a number\.$/
      )
      expect((lib as unknown as { parser: { workerJobs: number } }).parser.workerJobs).toBe(4)
      // A small file never starts the thread.
      await lib.import({ bytes: bytes(csv(5)), fileName: 'small.csv' })
      expect((lib as unknown as { parser: { workerJobs: number } }).parser.workerJobs).toBe(4)
    } finally {
      await lib.close()
    }
  })
})

it('a listing carries no per-column data: a 4,096-column import adds one small entry', async () => {
  const lib = new DatasetLibrary(tmp())
  const before = JSON.stringify(lib.list()).length
  const info = await lib.import({ bytes: bytes(csv(3, 4096)), fileName: 'wide.csv' })
  expect(info.dim).toBe(4096)
  expect(JSON.stringify(lib.list()).length - before).toBeLessThan(200)
  expect((await lib.preview(info.id, 3)).columns).toHaveLength(4096)
})

describe('an imported image file is listed as images', () => {
  it('keeps the image shape and pixel range in the index, so forms offer image budgets; a table has none', async () => {
    const dir = tmp()
    const lib = new DatasetLibrary(dir)
    const pixels = Uint8Array.from({ length: 12 * 4 * 4 }, (_, i) => (i * 37) % 256)
    const img = await lib.import({ bytes: npy('|u1', [12, 4, 4], pixels), fileName: 'digits.npy' })
    expect(img.image).toEqual({ shape: [4, 4], range: [0, 255] })
    expect(img.dim).toBe(16)
    const table = await lib.import({ bytes: bytes(csv(12)), fileName: 't.csv' })
    expect(table.image).toBeUndefined()
    // read back from the index by a fresh library, as after a restart
    const listed = new DatasetLibrary(dir).list().filter((d) => d.kind === 'imported')
    expect(listed.map((d) => d.image ?? null)).toEqual([{ shape: [4, 4], range: [0, 255] }, null])
  })
})
