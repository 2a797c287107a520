/** `.npy` written for users (io/points-file.ts): a table as (n, d), an image run's samples as (n, H, W[, C]). */
import { describe, expect, it } from 'vitest'
import { pointsToNpy } from '../../../src/engine/io/points-file'

const header = (bytes: Uint8Array): string => {
  const len = new DataView(bytes.buffer).getUint16(8, true)
  return new TextDecoder().decode(bytes.subarray(10, 10 + len))
}

describe('pointsToNpy', () => {
  const p = { n: 2, d: 6, data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) }

  it('writes (n, d) by default and (n, H, W) for an image shape, the values in C order after a 64-byte header', () => {
    expect(header(pointsToNpy(p))).toMatch(/'shape': \(2, 6\), }/)
    const img = pointsToNpy(p, [2, 3])
    expect(header(img)).toMatch(/'shape': \(2, 2, 3\), }/)
    expect(header(pointsToNpy(p, [1, 3, 2]))).toMatch(/'shape': \(2, 1, 3, 2\), }/)
    const offset = 10 + header(img).length
    expect(offset % 64).toBe(0)
    expect(Array.from(new Float32Array(img.buffer.slice(offset)))).toEqual(Array.from(p.data))
  })

  it('refuses a shape that does not hold a row', () => {
    expect(() => pointsToNpy(p, [2, 2])).toThrow(/a row of 6 values is not of shape \(2, 2\)/)
  })
})
