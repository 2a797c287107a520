/**
 * float32 arrays as base64 text of their little-endian bytes: how checkpoint.json (schema 2) stores a training
 * state. Exact to the bit (NaN payloads included) and about a quarter of the size of the same values written as
 * JSON numbers; a 785 → 1024³ → 784 network's parameters, Adam moments and moving average (14.9 M values) are
 * 79 MB instead of 329 MB, and parse in under a second instead of about ten.
 */
import * as os from 'node:os'

const LITTLE_ENDIAN = os.endianness() === 'LE'
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/

/** The base64 text of `a`'s values as little-endian float32 bytes. */
export function encodeFloat32(a: Float32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
  const bytes = Buffer.alloc(a.byteLength)
  a.forEach((v, i) => bytes.writeFloatLE(v, 4 * i))
  return bytes.toString('base64')
}

/** The values `encodeFloat32` wrote, or a one-line reason the text is not such an encoding. */
export function decodeFloat32(text: string): Float32Array | string {
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) return 'is not base64 text'
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length % 4 !== 0) return `holds ${bytes.length} bytes, not a whole number of float32 values`
  if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer)
  const out = new Float32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i)
  return out
}
