/** checkpoint.json's array codec (src/engine/store/float32-base64.ts): bit-exact, and refuses what it did not write. */
import { describe, expect, it } from 'vitest'
import { decodeFloat32, encodeFloat32 } from '../../../src/engine/store/float32-base64'

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))

describe('float32 as base64', () => {
  it('round-trips every bit: NaN payloads, −0, subnormals, ±Infinity, extremes', () => {
    const raw = new Uint32Array([
      0x7fc00001, 0xffc12345, 0x80000000, 0x00000001, 0x007fffff, 0x7f800000, 0xff800000, 0x7f7fffff
    ])
    const a = new Float32Array(raw.buffer)
    const back = decodeFloat32(encodeFloat32(a))
    expect(back).toBeInstanceOf(Float32Array)
    expect(bits(back as Float32Array)).toEqual(Array.from(raw))
  })

  it('writes little-endian bytes, 4/3 characters per byte, from a view at any offset', () => {
    const whole = new Float32Array([9, 1, -2.5, 9])
    const view = whole.subarray(1, 3)
    const text = encodeFloat32(view)
    expect(text).toBe(Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]).toString('base64'))
    expect(text.length).toBe(Math.ceil(8 / 3) * 4)
    expect(Array.from(decodeFloat32(text) as Float32Array)).toEqual([1, -2.5])
    expect(Array.from(decodeFloat32('') as Float32Array)).toEqual([])
  })

  it('refuses text that is not base64, or not whole float32 values', () => {
    expect(decodeFloat32('AAAA*AAA')).toBe('is not base64 text')
    expect(decodeFloat32('AAA')).toBe('is not base64 text')
    expect(decodeFloat32('AAAAAA==')).toEqual(new Float32Array([0]))
    expect(decodeFloat32('AAAAAAA=')).toBe('holds 5 bytes, not a whole number of float32 values')
  })
})
