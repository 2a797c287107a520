/**
 * Image samples laid out as one RGBA raster: `cols` images per row with a gap, pixels clipped to the data's
 * range and mapped to 0–255 (grey for one channel, grey + alpha for two, RGB, RGBA), each image enlarged by an
 * integer factor. Plain code with no imports, shared by the engine's PNG grids and the renderer's canvases.
 */

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

/** Most images in one grid. */
export const MAX_GRID_IMAGES = 4096

/** The gap colour: mid grey, so black and white images both stand apart. */
const GAP = [96, 96, 96, 255]

/** Where the images of a grid sit in its raster (output pixels). */
export interface GridLayout {
  cols: number
  rows: number
  scale: number
  gap: number
  width: number
  height: number
  /** Image i's top-left corner and size in the raster. */
  cell(i: number): { x: number; y: number; w: number; h: number }
}

/** The layout of `n` images of `shape` (what `gridRaster` draws, and where a click on it lands). */
export function gridLayout(n: number, shape: number[], opts: GridOptions = {}): GridLayout {
  const [h = 1, w = 1] = shape
  const cols = Math.max(1, Math.min(opts.cols ?? Math.ceil(Math.sqrt(n)), Math.max(n, 1)))
  const rows = Math.max(1, Math.ceil(n / cols))
  const scale = opts.scale ?? Math.min(8, Math.max(1, Math.ceil(28 / h)))
  const gap = opts.gap ?? 2
  return {
    cols,
    rows,
    scale,
    gap,
    width: cols * w * scale + (cols + 1) * gap,
    height: rows * h * scale + (rows + 1) * gap,
    cell: (i) => ({
      x: gap + (i % cols) * (w * scale + gap),
      y: gap + Math.floor(i / cols) * (h * scale + gap),
      w: w * scale,
      h: h * scale
    })
  }
}

/**
 * Lays `n` images (rows of `data`, each `shape` = [H, W] or [H, W, C] values) out as a raster.
 * @throws Error when the rows do not hold images of `shape`, or there are more than MAX_GRID_IMAGES.
 */
export function gridRaster(
  data: ArrayLike<number>,
  n: number,
  image: { shape: number[]; range: [number, number] },
  opts: GridOptions = {}
): Raster {
  const [h = 1, w = 1, c = 1] = image.shape
  const d = h * w * c
  if (data.length !== n * d)
    throw new Error(
      `Images of ${image.shape.join('×')} need ${d} values, the samples have ${data.length / Math.max(n, 1)}.`
    )
  if (n > MAX_GRID_IMAGES)
    throw new Error(`${n} images are too many for one grid (at most ${MAX_GRID_IMAGES}).`)
  const { scale, width, height, cell } = gridLayout(n, image.shape, opts)
  const out = new Uint8Array(width * height * 4)
  for (let k = 0; k < out.length; k += 4) out.set(GAP, k)
  const [lo, hi] = image.range
  const byte = (v: number): number => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))))
  const px = [0, 0, 0, 255]
  for (let i = 0; i < n; i++) {
    const { x: x0, y: y0 } = cell(i)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = i * d + (y * w + x) * c
        const v0 = byte(data[p]!)
        if (c <= 2) px.splice(0, 4, v0, v0, v0, c === 2 ? byte(data[p + 1]!) : 255)
        else px.splice(0, 4, v0, byte(data[p + 1]!), byte(data[p + 2]!), c === 4 ? byte(data[p + 3]!) : 255)
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++)
            out.set(px, ((y0 + y * scale + dy) * width + x0 + x * scale + dx) * 4)
      }
  }
  return { width, height, data: out }
}
