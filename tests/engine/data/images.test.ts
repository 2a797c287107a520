/**
 * Image data: the built-in sets from the npm packages, and each image importer on good and bad fixtures
 * (written to a temp dir by the test) → the expected shape, range, labels and pixels, or the one-line error.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataFormatError } from '../../../src/engine/errors'
import { BUILTINS, resolveDataset, resizeImage, type ResolveOptions } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, prepareData } from '../../../src/engine/train/train'
import { npy } from '../../helpers/data-fixtures'

let tmp = ''
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-images-'))
  for (const [name, make] of Object.entries(FILES)) {
    const file = path.join(tmp, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, make())
  }
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** An IDX file: 0x0000, type code, dimension count, big-endian sizes, then the data. */
function idx(type: number, dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt8(type, 2)
  head.writeUInt8(dims.length, 3)
  dims.forEach((d, k) => head.writeUInt32BE(d, 4 + 4 * k))
  return Buffer.concat([head, Buffer.from(values)])
}

/** A grey PNG of size h × w whose pixel (y, x) is `f(y, x)`. */
function png(
  h: number,
  w: number,
  f: (y: number, x: number) => number,
  rgb?: [number, number, number]
): Buffer {
  const img = new PNG({ width: w, height: h })
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = f(y, x)
      img.data.set(rgb ? rgb : [v, v, v], (y * w + x) * 4)
      img.data[(y * w + x) * 4 + 3] = 255
    }
  return PNG.sync.write(img)
}

const IMAGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110] // 2 images of 3 × 2
const FILES: Record<string, () => Buffer> = {
  'train-images-idx3-ubyte': () => idx(0x08, [2, 3, 2], IMAGES),
  'train-labels-idx1-ubyte': () => idx(0x08, [2], [7, 3]),
  'gz/t10k-images-idx3-ubyte.gz': () => gzipSync(idx(0x08, [2, 3, 2], IMAGES)),
  'bad-magic-idx3-ubyte': () => Buffer.concat([Buffer.from([0x08, 0x03, 0, 0]), Buffer.alloc(8)]),
  'short-idx3-ubyte': () => idx(0x08, [2, 3, 2], IMAGES.slice(0, 7)),
  'three-labels-idx1-ubyte': () => idx(0x08, [3], [1, 2, 3]),
  'images.npy': () => npy('|u1', [2, 3, 2], Uint8Array.from(IMAGES)),
  'rgb.npy': () => npy('<f4', [1, 1, 2, 3], new Float32Array([0, 0.5, 1, 0.25, 0.75, 1])),
  'six-channels.npy': () => npy('<f4', [1, 1, 1, 6], new Float32Array(6)),
  'table.csv': () => Buffer.from('label,a,b,c,d\n1,0,64,128,255\n0,255,0,0,0\n1,1,2,3,4\n'),
  'folder/zero/a.png': () => png(4, 4, (y) => 60 * y),
  'folder/zero/b.png': () => png(4, 4, (_, x) => 60 * x),
  'folder/one/c.jpg': () => jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(64, 200) }, 95).data,
  'flat/a.png': () => png(2, 2, () => 9),
  'flat/red.png': () => png(2, 2, () => 0, [255, 0, 0]),
  'mixed/a.png': () => png(4, 4, () => 1),
  'mixed/b.png': () => png(3, 4, () => 1),
  'corrupt/a.png': () => png(2, 2, () => 1),
  'corrupt/b.png': () => Buffer.concat([png(2, 2, () => 1).subarray(0, 30), Buffer.from('garbage')]),
  'empty/notes.txt': () => Buffer.from('no images here')
}

interface Case {
  name: string
  spec: string
  opts?: ResolveOptions
  shape?: number[]
  range?: [number, number]
  n?: number
  /** First pixels of the first image. */
  head?: number[]
  classes?: string[]
  labels?: number[]
  error?: RegExp
}

const CASES: Case[] = [
  {
    name: 'IDX images with the label file beside them',
    spec: 'train-images-idx3-ubyte',
    shape: [3, 2],
    range: [0, 255],
    n: 2,
    head: [0, 10, 20],
    classes: ['3', '7'],
    labels: [1, 0]
  },
  {
    name: 'gzip IDX without labels',
    spec: 'gz/t10k-images-idx3-ubyte.gz',
    shape: [3, 2],
    n: 2,
    head: [0, 10]
  },
  {
    name: 'IDX with a label count that does not match',
    spec: 'train-images-idx3-ubyte',
    opts: { labels: 'three-labels-idx1-ubyte' },
    error: /^three-labels-idx1-ubyte: it has 3 labels, but train-images-idx3-ubyte has 2 images\.$/
  },
  {
    name: 'wrong IDX magic',
    spec: 'bad-magic-idx3-ubyte',
    error: /^bad-magic-idx3-ubyte: not an IDX file: the magic number is 0x08030000 \(expected 0x0000/
  },
  {
    name: 'truncated IDX',
    spec: 'short-idx3-ubyte',
    error: /^short-idx3-ubyte: the data is truncated: dimensions 2 × 3 × 2/
  },
  { name: '(n, H, W) uint8 .npy', spec: 'images.npy', shape: [3, 2], range: [0, 255], n: 2, head: [0, 10] },
  {
    name: '(n, H, W, C) float .npy',
    spec: 'rgb.npy',
    shape: [1, 2, 3],
    range: [0, 1],
    n: 1,
    head: [0, 0.5, 1]
  },
  {
    name: 'resized .npy images',
    spec: 'images.npy',
    opts: { resize: '1x1' },
    shape: [1, 1],
    n: 2,
    head: [25]
  },
  {
    name: '.npy with six channels',
    spec: 'six-channels.npy',
    error: /^six-channels\.npy header field 'shape': \(1, 1, 1, 6\) has 6 channels in the last axis/
  },
  {
    name: 'a CSV table as 2×2 images with a label column',
    spec: 'table.csv',
    opts: { imageShape: '2x2', labelColumn: 'label' },
    shape: [2, 2],
    range: [0, 255],
    n: 3,
    head: [0, 64, 128, 255],
    classes: ['0', '1'],
    labels: [1, 0, 1]
  },
  {
    name: 'a table with a label column but no image shape',
    spec: 'table.csv',
    opts: { labelColumn: '0' },
    error: /^table\.csv: a label column applies to images; give the image shape too \(e\.g\. 28x28\)\.$/
  },
  {
    name: 'an image shape that does not fit the rows',
    spec: 'table.csv',
    opts: { imageShape: '3x3' },
    error: /^table\.csv: image shape 3×3 needs 9 values per row, but each row has 5\.$/
  },
  {
    name: 'a malformed image shape',
    spec: 'table.csv',
    opts: { imageShape: '2by2' },
    error: /^table\.csv: image shape "2by2": expected HxW or HxWxC/
  },
  {
    name: 'a folder with one sub-folder per class (PNG and JPEG)',
    spec: 'folder',
    shape: [4, 4],
    range: [0, 255],
    n: 3,
    head: [200, 200],
    classes: ['one', 'zero'],
    labels: [0, 1, 1]
  },
  {
    name: 'a folder resized',
    spec: 'folder',
    opts: { resize: '2x2' },
    shape: [2, 2],
    n: 3,
    classes: ['one', 'zero']
  },
  { name: 'a flat folder with a colour image is RGB', spec: 'flat', shape: [2, 2, 3], n: 2, head: [9, 9, 9] },
  {
    name: 'mixed sizes without a resize',
    spec: 'mixed',
    error:
      /^mixed\/b\.png: it is 3×4 pixels but mixed\/a\.png is 4×4; choose a size to resize every image to\.$/
  },
  { name: 'mixed sizes resized', spec: 'mixed', opts: { resize: '4x4' }, shape: [4, 4], n: 2, head: [1, 1] },
  { name: 'a corrupt PNG', spec: 'corrupt', error: /^corrupt\/b\.png: not a readable PNG image \(/ },
  {
    name: 'a folder without images',
    spec: 'empty',
    error: /^empty: the folder holds no \.png, \.jpg or \.jpeg images/
  }
]

describe('image importers', () => {
  it.each(CASES)('$name', (c) => {
    const load = (): ReturnType<typeof resolveDataset> => {
      const opts = { ...c.opts }
      if (opts.labels) opts.labels = path.join(tmp, opts.labels)
      return resolveDataset(path.join(tmp, c.spec), opts)
    }
    if (c.error) {
      let err: unknown
      try {
        load()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(DataFormatError)
      expect((err as Error).message).toMatch(c.error)
      expect((err as Error).message).not.toContain('\n')
      return
    }
    const ds = load()
    expect(ds.image?.shape).toEqual(c.shape)
    expect(ds.d).toBe(c.shape!.reduce((a, b) => a * b, 1))
    if (c.n !== undefined) expect(ds.n).toBe(c.n)
    if (c.range) expect(ds.image?.range).toEqual(c.range)
    if (c.head) expect(Array.from(ds.data.subarray(0, c.head.length))).toEqual(c.head)
    expect(ds.classes).toEqual(c.classes)
    if (c.labels) expect(Array.from(ds.labels!)).toEqual(c.labels)
  })
})

describe('built-in image sets', () => {
  it('mnist14 is a seeded choice of labelled 14×14 digits, the 2×2 means of mnist', () => {
    const a = resolveDataset('mnist14', { n: 200, seed: 3 })
    expect(a.n).toBe(200)
    expect(a.d).toBe(196)
    expect(a.image).toEqual({ shape: [14, 14], range: [0, 1] })
    expect(a.classes).toHaveLength(10)
    const counts = new Array<number>(10).fill(0)
    for (const l of a.labels!) counts[l]!++
    expect(Math.min(...counts)).toBeGreaterThan(5) // every digit drawn
    expect(Math.max(...a.data)).toBeLessThanOrEqual(1)
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0)
    expect(resolveDataset('mnist14', { n: 200, seed: 3 }).data).toEqual(a.data)
    expect(resolveDataset('mnist14', { n: 200, seed: 4 }).data).not.toEqual(a.data)
    const full = resolveDataset('mnist', { n: 200, seed: 3 })
    expect(Array.from(full.labels!)).toEqual(Array.from(a.labels!))
    const row = full.data.subarray(0, 784)
    const p = (y: number, x: number): number => row[y * 28 + x]!
    expect(a.data[5 * 14 + 6]).toBeCloseTo((p(10, 12) + p(10, 13) + p(11, 12) + p(11, 13)) / 4, 6)
    // A digit has ink: its mean pixel is well above 0, and the border is blank.
    expect(row.reduce((s, v) => s + v, 0) / 784).toBeGreaterThan(0.05)
    expect(p(0, 0)).toBe(0)
  })

  it('lists the number of images each package ships (all of them when more are asked for)', () => {
    const info = BUILTINS.find((b) => b.id === 'mnist14')!.image!
    expect(info.images).toBe(10_000)
    expect(resolveDataset('mnist14', { n: 1e6, seed: 0 }).n).toBe(info.images)
  })

  it('image runs scale pixels to [−1, 1] with one scale for every pixel; the run stores shape, classes and scaling', () => {
    const ds = resolveDataset('mnist14', { n: 100, seed: 0 })
    const { train, stats } = prepareData(ds, { seed: 0, heldout: 0.2 })
    expect(stats.range).toEqual([0, 1])
    expect(new Set(stats.mean)).toEqual(new Set([0.5]))
    expect(new Set(stats.std)).toEqual(new Set([0.5]))
    expect(Math.min(...train.data)).toBe(-1)
    expect(Math.max(...train.data)).toBeLessThanOrEqual(1)

    const store = new RunStore(fs.mkdtempSync(path.join(tmp, 'runs-')))
    const h = store.create({ config: makeRunConfig(ds, { objective: 'cfm', seed: 0 }) })
    h.setStandardization(stats)
    const run = store.load(h.id)
    expect(run.config.dataset.image).toEqual({ shape: [14, 14], range: [0, 1] })
    expect(run.config.dataset.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    expect(run.standardization?.range).toEqual([0, 1])
  })

  it('a run keeps how its image file was read', () => {
    const ds = resolveDataset(path.join(tmp, 'table.csv'), { imageShape: '2x2', labelColumn: 'label' })
    const cfg = makeRunConfig(ds, { objective: 'cfm', batch: 2 })
    expect(cfg.dataset).toMatchObject({ imageShape: '2x2', labelColumn: 'label', classes: ['0', '1'] })
  })
})

describe('resizeImage', () => {
  it('averages areas when shrinking and interpolates when enlarging', () => {
    expect(Array.from(resizeImage([1, 2, 3, 4], 2, 2, 1, 1, 1))).toEqual([2.5])
    // 3 → 2: each output covers 1.5 source pixels.
    expect(Array.from(resizeImage([0, 3, 6], 1, 3, 1, 1, 2))).toEqual([1, 5])
    expect(Array.from(resizeImage([0, 4], 1, 2, 1, 1, 4))).toEqual([0, 1, 3, 4])
  })
})
