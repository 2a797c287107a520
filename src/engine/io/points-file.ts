/** Writing point clouds for users: CSV (header + rows) or NumPy `.npy` (float32, C order; images (n, H, W[, C])). */
import * as path from 'node:path'
import { ConfigError } from '../errors'
import type { Points } from '../types'
import { writeFileAtomic } from '../store/fs-utils'

export function pointsToCsv(columns: string[], p: Points): string {
  const lines = [columns.join(',')]
  for (let i = 0; i < p.n; i++) {
    const row: string[] = []
    for (let j = 0; j < p.d; j++) row.push(String(p.data[i * p.d + j]))
    lines.push(row.join(','))
  }
  return lines.join('\n') + '\n'
}

/** NumPy format 1.0: magic, header dict padded so the data starts at a multiple of 64 bytes. */
/** `rowShape`: one row's shape (an image's [H, W] or [H, W, C]; default [d]), so the array is (n, …rowShape). */
export function pointsToNpy(p: Points, rowShape: readonly number[] = [p.d]): Uint8Array {
  if (rowShape.reduce((a, b) => a * b, 1) !== p.d)
    throw new Error(`npy: a row of ${p.d} values is not of shape (${rowShape.join(', ')}).`)
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${[p.n, ...rowShape].join(', ')}), }`
  const pre = 10
  const total = Math.ceil((pre + header.length + 1) / 64) * 64
  header = header.padEnd(total - pre - 1, ' ') + '\n'
  const out = new Uint8Array(total + p.n * p.d * 4)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0)
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(new TextEncoder().encode(header), pre)
  const body = new Float32Array(out.buffer, total, p.n * p.d)
  body.set(p.data.subarray(0, p.n * p.d))
  return out
}

/** Writes `.csv` or `.npy` by extension, atomically; an image run's `.npy` as (n, H, W[, C]). */
export function writePointsFile(file: string, columns: string[], p: Points, rowShape?: readonly number[]): void {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.csv') writeFileAtomic(file, pointsToCsv(columns, p))
  else if (ext === '.npy') writeFileAtomic(file, pointsToNpy(p, rowShape))
  else throw new ConfigError(`${path.basename(file)}: output must end in .csv or .npy.`)
}
