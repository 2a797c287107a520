/**
 * Samples of an image run as one PNG: a grid of `cols` images with a 1-pixel gap, pixels clipped to the
 * data set's range and mapped to 0–255 (grey for one channel, RGB for three, RGBA for four; two channels show
 * as grey + alpha), each image enlarged by an integer factor so small images stay visible.
 */
import { PNG } from 'pngjs'
import { ConfigError } from '../errors'
import type { ImageInfo, Points } from '../types'

/** Most images in one grid. */
export const MAX_GRID_IMAGES = 4096

export interface GridOptions {
  /** Images per row (default ⌈√n⌉). */
  cols?: number
  /** Integer enlargement (default: the smallest making an image at least 28 pixels high, at most 8). */
  scale?: number
  /** Gap between images, in output pixels (default 2). */
  gap?: number
}

/** An RGBA raster. */
export interface Raster {
  width: number
  height: number
  data: Uint8Array
}

/** Lays `points` (rows are images of `image.shape`) out as a grid raster. */
export function imageGrid(points: Points, image: ImageInfo, opts: GridOptions = {}): Raster {
  const [h, w, c = 1] = image.shape as [number, number, number?]
  if (h * w * c !== points.d)
    throw new ConfigError(
      `Images of ${image.shape.join('×')} need ${h * w * c} values, the samples have ${points.d}.`
    )
  const n = points.n
  if (n > MAX_GRID_IMAGES)
    throw new ConfigError(`${n} images are too many for one grid (at most ${MAX_GRID_IMAGES}).`)
  const cols = Math.max(1, Math.min(opts.cols ?? Math.ceil(Math.sqrt(n)), Math.max(n, 1)))
  const rows = Math.max(1, Math.ceil(n / cols))
  const scale = opts.scale ?? Math.min(8, Math.max(1, Math.ceil(28 / h)))
  const gap = opts.gap ?? 2
  const width = cols * w * scale + (cols + 1) * gap
  const height = rows * h * scale + (rows + 1) * gap
  const data = new Uint8Array(width * height * 4)
  // Background: mid grey, opaque, so black and white images both stand apart.
  for (let k = 0; k < data.length; k += 4) data.set([96, 96, 96, 255], k)
  const [lo, hi] = image.range
  const byte = (v: number): number => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))))
  for (let i = 0; i < n; i++) {
    const x0 = gap + (i % cols) * (w * scale + gap)
    const y0 = gap + Math.floor(i / cols) * (h * scale + gap)
    const base = i * points.d
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = base + (y * w + x) * c
        const v = Array.from({ length: c }, (_, k) => byte(points.data[p + k]!))
        const rgba =
          c === 1
            ? [v[0]!, v[0]!, v[0]!, 255]
            : c === 2
              ? [v[0]!, v[0]!, v[0]!, v[1]!]
              : c === 3
                ? [...v, 255]
                : v
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++)
            data.set(rgba, ((y0 + y * scale + dy) * width + x0 + x * scale + dx) * 4)
      }
  }
  return { width, height, data }
}

/** PNG bytes of a raster. */
export function encodePng(r: Raster): Uint8Array {
  const png = new PNG({ width: r.width, height: r.height })
  png.data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength)
  return new Uint8Array(PNG.sync.write(png))
}

/** The PNG of a grid of image samples. */
export function imageGridPng(points: Points, image: ImageInfo, opts: GridOptions = {}): Uint8Array {
  return encodePng(imageGrid(points, image, opts))
}
