import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetLibrary, FILES_DIR, INDEX_FILE } from '../../src/main/datasets'
import { splitHeldout } from '../../src/engine/data'
import { Rng } from '../../src/engine/rng'

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
  ])('a file %s named %s imports beside the others', (fileName, name) => {
    const dir = tmp()
    const lib = new DatasetLibrary(dir)
    const a = lib.import({ bytes: bytes(csv(5)), fileName: 'a.csv' })
    const b = lib.import({ bytes: bytes('[[1,2],[3,4],[5,6],[7,8]]'), fileName, name })
    expect(
      lib
        .list()
        .filter((d) => d.kind === 'imported')
        .map((d) => d.id)
    ).toEqual([a.id, b.id])
    // The index is still the index; the copy is byte-exact in the files folder.
    expect(JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8'))).toMatchObject({ version: 2 })
    expect(lib.load(b.id).n).toBe(4)
    lib.remove(b.id)
    expect(
      lib
        .list()
        .filter((d) => d.kind === 'imported')
        .map((d) => d.id)
    ).toEqual([a.id])
    expect(lib.load(a.id).n).toBe(5)
    expect(fs.readdirSync(path.join(dir, FILES_DIR))).toEqual(['a.csv'])
  })

  it('opens a version-1 store: every copy stays where runs name it; the entry the index overwrote is dropped', () => {
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
    expect(lib.load('file:old').n).toBe(6)
    expect(fs.readFileSync(path.join(dir, 'old.csv'), 'utf8')).toBe(csv(6))
    expect(JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8')).version).toBe(2)
    // A new import of the same stem gets a fresh name; the old copy is untouched.
    const again = lib.import({ bytes: bytes(csv(4)), fileName: 'old.csv' })
    expect(again.id).toBe('file:old-2')
    expect(lib.load('file:old').n).toBe(6)
  })
})

describe('files too small to train are refused at import', () => {
  it.each([
    [1, /^tiny\.csv has 1 row; a data set needs at least 3 to train/],
    [2, /^tiny\.csv has 2 rows; a data set needs at least 3 to train/]
  ])('%i row(s)', (rows, error) => {
    const dir = tmp()
    const lib = new DatasetLibrary(dir)
    expect(() => lib.import({ bytes: bytes(csv(rows)), fileName: 'tiny.csv' })).toThrow(error)
    expect(fs.existsSync(path.join(dir, FILES_DIR))).toBe(false)
  })

  it('3 rows import, and the training split leaves 2 rows (the smallest batch) to train on', () => {
    const lib = new DatasetLibrary(tmp())
    const info = lib.import({ bytes: bytes(csv(3)), fileName: 'three.csv' })
    const ds = lib.load(info.id)
    expect(splitHeldout(ds, 0.2, new Rng(1)).train.n).toBe(2)
    expect(splitHeldout({ ...ds, n: 2, data: ds.data.subarray(0, 4) }, 0.2, new Rng(1)).train.n).toBe(1)
  })
})
