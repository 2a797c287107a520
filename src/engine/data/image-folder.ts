/**
 * A folder of PNG/JPEG images as a data set: the images directly in the folder (unlabelled), or one
 * sub-folder per class (the sub-folder's name is the class). Every image must have the same size unless a
 * `resize` size is given; grey images give one channel, any colour image makes the set RGB (alpha dropped).
 * Errors name the image file (relative to the folder) and the reason.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { encodeLabels, parseImageShape, resizeImage } from './images'
import { defaultNames, fail, type Table } from './table'

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg'])

/** Most images read from one folder. */
export const MAX_FOLDER_IMAGES = 200_000

/** A decoded image: RGBA bytes, row-major. */
interface Rgba {
  width: number
  height: number
  data: Uint8Array
}

/** Decodes a PNG or JPEG (by extension). @throws DataFormatError naming `file`. */
export function decodeImage(bytes: Uint8Array, file: string): Rgba {
  const ext = path.extname(file).toLowerCase()
  try {
    if (ext === '.png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      return { width: png.width, height: png.height, data: png.data }
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64 })
    return { width: img.width, height: img.height, data: img.data }
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]
    return fail(file, `not a readable ${ext === '.png' ? 'PNG' : 'JPEG'} image (${reason})`)
  }
}

/** The image files of a folder: `[relative path, class or undefined]`, sorted. */
function listImages(dir: string, name: string): [string, string | undefined][] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (e) {
    return fail(name, `the folder cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  const isImage = (e: fs.Dirent): boolean => e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase())
  const top = entries.filter(isImage).map((e) => e.name)
  const subs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)
  const out: [string, string | undefined][] = top.sort().map((f) => [f, undefined])
  if (top.length > 0) return out
  for (const cls of subs.sort())
    for (const f of fs
      .readdirSync(path.join(dir, cls), { withFileTypes: true })
      .filter(isImage)
      .map((e) => e.name)
      .sort())
      out.push([`${cls}/${f}`, cls])
  if (out.length === 0)
    fail(name, 'the folder holds no .png, .jpg or .jpeg images (directly, or one sub-folder per class)')
  if (out.length > MAX_FOLDER_IMAGES)
    fail(name, `the folder holds ${out.length} images, over the ${MAX_FOLDER_IMAGES} limit`)
  return out
}

/**
 * Reads every image of `dir` into an image table with pixel range [0, 255].
 * @param resize `HxW`: every image is resized to it; without it all images must share one size.
 */
export function readImageFolder(dir: string, opts: { resize?: string } = {}): Table {
  const name = path.basename(path.resolve(dir))
  const files = listImages(dir, name)
  const size =
    opts.resize !== undefined
      ? parseImageShape(opts.resize, `${name}: resize "${opts.resize}"`, false)
      : undefined
  const images: { rgba: Rgba; file: string }[] = []
  let grey = true
  for (const [rel] of files) {
    const file = `${name}/${rel}`
    let bytes: Uint8Array
    try {
      bytes = fs.readFileSync(path.join(dir, rel))
    } catch (e) {
      return fail(file, `the image cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
    }
    const rgba = decodeImage(bytes, file)
    const first = images[0]
    if (!size && first && (rgba.width !== first.rgba.width || rgba.height !== first.rgba.height))
      fail(
        file,
        `it is ${rgba.height}×${rgba.width} pixels but ${first.file} is ${first.rgba.height}×${first.rgba.width}; choose a size to resize every image to`
      )
    if (grey) grey = isGrey(rgba)
    images.push({ rgba, file })
  }
  const [H, W] = size ?? [images[0]!.rgba.height, images[0]!.rgba.width]
  const c = grey ? 1 : 3
  const d = H * W * c
  const data = new Float32Array(images.length * d)
  images.forEach(({ rgba }, i) => {
    const px = channels(rgba, c)
    const img = rgba.height === H && rgba.width === W ? px : resizeImage(px, rgba.height, rgba.width, c, H, W)
    data.set(img, i * d)
  })
  const shape = c === 1 ? [H, W] : [H, W, c]
  const table: Table = {
    n: images.length,
    d,
    data,
    columns: defaultNames(d),
    imageShape: shape,
    range: [0, 255]
  }
  if (files.some(([, cls]) => cls !== undefined))
    Object.assign(table, encodeLabels(files.map(([, cls]) => cls!)))
  return table
}

function isGrey(img: Rgba): boolean {
  const p = img.data
  for (let k = 0; k < p.length; k += 4) if (p[k] !== p[k + 1] || p[k] !== p[k + 2]) return false
  return true
}

/** The first `c` channels (1: red, which equals grey; 3: RGB) as floats. */
function channels(img: Rgba, c: number): Float32Array {
  const n = img.width * img.height
  const out = new Float32Array(n * c)
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = img.data[i * 4 + k]!
  return out
}
