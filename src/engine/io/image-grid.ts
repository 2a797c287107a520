/** Samples of an image run as one PNG grid (the layout is shared with the renderer: shared/image-grid.ts). */
import { PNG } from 'pngjs'
import { gridRaster, type GridOptions, type Raster } from '../../shared/image-grid'
import { ConfigError } from '../errors'
import type { ImageInfo, Points } from '../types'

export { MAX_GRID_IMAGES, type GridOptions, type Raster } from '../../shared/image-grid'

/** Lays `points` (rows are images of `image.shape`) out as a grid raster. @throws ConfigError */
export function imageGrid(points: Points, image: ImageInfo, opts: GridOptions = {}): Raster {
  try {
    return gridRaster(points.data, points.n, image, opts)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }
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
