/**
 * Rows as images: shapes (`28x28`, `32x32x3`), pixel ranges, class labels, resizing and the pixel scaling a
 * run stores as its standardisation. An image data set keeps one image per row, row-major over `[H, W]` or
 * `[H, W, C]` (channels last), so every model and metric sees an ordinary n × (H·W·C) table.
 */
import type { ImageInfo, Standardization } from '../types'
import { pickColumns } from './columns'
import { selectColumns } from './columns'
import { fail, plural, type Table } from './table'

/** Largest side of an image (pixels). */
export const MAX_IMAGE_SIDE = 1024

/**
 * `HxW` or `HxWxC` (C ≤ 4) as a shape.
 * @param where what names the value in an error, e.g. `image shape "28x"`.
 * @throws DataFormatError naming `where`.
 */
export function parseImageShape(spec: string, where: string, channels = true): number[] {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(spec)
  const dims = m ? [m[1], m[2], m[3]].filter((v) => v !== undefined).map(Number) : []
  if (!m || (!channels && dims.length === 3))
    fail(where, `expected ${channels ? 'HxW or HxWxC' : 'HxW'} (e.g. 28x28${channels ? ' or 32x32x3' : ''})`)
  if (dims.slice(0, 2).some((v) => v < 1 || v > MAX_IMAGE_SIDE))
    fail(where, `each side must be between 1 and ${MAX_IMAGE_SIDE} pixels`)
  if (dims.length === 3 && (dims[2]! < 1 || dims[2]! > 4)) fail(where, 'the channel count must be 1 to 4')
  return dims
}

/** `28×28`, `32×32×3`. */
export function shapeText(shape: readonly number[]): string {
  return shape.join('×')
}

/** Values per image. */
export function pixelCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/**
 * The pixel range of image data: the range the format fixes (8-bit: [0, 255]), else [0, 1] when every value
 * lies in it, [0, 255] when they lie in that, otherwise the data's own [min, max].
 */
export function pixelRange(data: Float32Array, fixed?: [number, number]): [number, number] {
  if (fixed) return fixed
  let lo = Infinity
  let hi = -Infinity
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo >= 0 && hi <= 1) return [0, 1]
  if (lo >= 0 && hi <= 255) return [0, 255]
  return hi > lo ? [lo, hi] : [lo, lo + 1]
}

/**
 * The pixel scaling of an image data set as a standardisation: every pixel maps its range to [−1, 1]
 * (mean = centre, std = half width), so pixels keep their relative scale and samples invert to pixels.
 */
export function pixelStandardization(d: number, image: ImageInfo): Standardization {
  const [lo, hi] = image.range
  return {
    mean: new Array<number>(d).fill((lo + hi) / 2),
    std: new Array<number>(d).fill((hi - lo) / 2),
    range: [lo, hi]
  }
}

/** Class indices for raw label values: classes are the distinct values, numbers sorted numerically. */
export function encodeLabels(values: readonly (number | string)[]): {
  labels: Int32Array
  classes: string[]
} {
  const keys = [...new Set(values.map(String))]
  const numeric = keys.every((k) => k !== '' && Number.isFinite(Number(k)))
  keys.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined)
  const index = new Map(keys.map((k, i) => [k, i]))
  return { labels: Int32Array.from(values, (v) => index.get(String(v))!), classes: keys }
}

/** Rows per class, in class order. */
export function classCounts(labels: Int32Array, classes: number): number[] {
  const out = new Array<number>(classes).fill(0)
  for (const l of labels) out[l]!++
  return out
}

/**
 * A table read as images: `imageShape` (`28x28`) gives the shape of each row, after the `labelColumn` (name or
 * index) is taken out as class labels. A table that is already images (a 3-D .npy) keeps its own shape.
 * @throws DataFormatError naming the file when the pixel count does not match the shape, or a label column is
 *   given without a shape.
 */
export function readAsImages(
  t: Table,
  file: string,
  opts: { imageShape?: string; labelColumn?: string }
): Table {
  let table = t
  if (opts.labelColumn !== undefined) {
    if (!opts.imageShape && !t.imageShape)
      fail(file, 'a label column applies to images; give the image shape too (e.g. 28x28)')
    const [j] = selectColumns(opts.labelColumn, file, t.columns, false)
    const values = Array.from({ length: t.n }, (_, i) => t.data[i * t.d + j!]!)
    table = {
      ...pickColumns(
        t,
        t.columns.map((_, k) => k).filter((k) => k !== j)
      ),
      ...encodeLabels(values)
    }
  }
  if (opts.imageShape !== undefined) {
    const shape = parseImageShape(opts.imageShape, `${file}: image shape "${opts.imageShape}"`)
    const need = pixelCount(shape)
    if (need !== table.d)
      fail(
        file,
        `image shape ${shapeText(shape)} needs ${plural(need, 'value')} per row, but each row has ${table.d}` +
          (opts.labelColumn !== undefined ? ' besides the label column' : '')
      )
    table = { ...table, imageShape: shape }
  }
  return table
}

/** The image fields of a table: its shape and pixel range, or nothing for a plain table. */
export function imageInfoOf(t: Table): ImageInfo | undefined {
  return t.imageShape ? { shape: t.imageShape, range: pixelRange(t.data, t.range) } : undefined
}

/**
 * Resizes one image (row-major `h × w × c`) to `H × W` by area averaging when shrinking and bilinear
 * interpolation when enlarging (per axis).
 */
export function resizeImage(
  src: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  H: number,
  W: number
): Float32Array {
  const ry = axisWeights(h, H)
  const rx = axisWeights(w, W)
  const out = new Float32Array(H * W * c)
  for (let y = 0; y < H; y++)
    for (const [sy, wy] of ry[y]!)
      for (let x = 0; x < W; x++)
        for (const [sx, wx] of rx[x]!)
          for (let k = 0; k < c; k++) out[(y * W + x) * c + k]! += wy * wx * src[(sy * w + sx) * c + k]!
  return out
}

/** For each output index, the source indices and weights along one axis. */
function axisWeights(n: number, m: number): [number, number][][] {
  const out: [number, number][][] = []
  const scale = n / m
  for (let i = 0; i < m; i++) {
    if (scale >= 1) {
      // Area: the source interval [i·scale, (i+1)·scale) with partial pixels at its ends.
      const a = i * scale
      const b = a + scale
      const row: [number, number][] = []
      for (let s = Math.floor(a); s < Math.min(n, Math.ceil(b)); s++) {
        const wgt = Math.min(b, s + 1) - Math.max(a, s)
        if (wgt > 1e-9) row.push([s, wgt / scale])
      }
      out.push(row)
    } else {
      const p = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), n - 1)
      const s = Math.floor(p)
      const f = p - s
      out.push(
        f > 0 && s + 1 < n
          ? [
              [s, 1 - f],
              [s + 1, f]
            ]
          : [[s, 1]]
      )
    }
  }
  return out
}

/** Every row of an image table resized to `H × W` (same channels). */
export function resizeRows(
  data: Float32Array,
  n: number,
  shape: readonly number[],
  H: number,
  W: number
): Float32Array {
  const [h, w, c = 1] = shape as [number, number, number?]
  const d = h * w * c
  const D = H * W * c
  const out = new Float32Array(n * D)
  for (let i = 0; i < n; i++) out.set(resizeImage(data.subarray(i * d, (i + 1) * d), h, w, c, H, W), i * D)
  return out
}
