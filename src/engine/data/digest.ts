/** A short content hash of a data set, stored with each run to tell when its data changed since training. */
import { createHash } from 'node:crypto'
import type { Dataset } from '../types'

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** SHA-256 (first 16 hex digits) of the shape, values and labels of `ds`. */
export function datasetDigest(ds: Pick<Dataset, 'n' | 'd' | 'data' | 'labels'>): string {
  const h = createHash('sha256').update(`${ds.n}x${ds.d}:`).update(bytes(ds.data))
  if (ds.labels) h.update('labels:').update(bytes(ds.labels))
  return h.digest('hex').slice(0, 16)
}
