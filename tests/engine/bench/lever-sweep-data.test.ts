/**
 * The GPU sweep's data (scripts/lever-sweep.py reads the run's split as bytes): the bytes must give back the
 * run's standardised pixels exactly, and a split that is not 8-bit must be refused rather than rounded.
 */
import { describe, expect, it } from 'vitest'
import { pixelBytes } from '../../../src/engine/bench/lever-sweep-data'
import { ConfigError } from '../../../src/engine/errors'

describe('pixelBytes', () => {
  it('maps standardised 8-bit pixels to their bytes, and the sweep reads them back as the same values', () => {
    const bytes = [0, 1, 37, 128, 254, 255]
    const data = Float32Array.from(bytes, (b) => (b / 255) * 2 - 1)
    const out = pixelBytes({ n: 2, d: 3, data })
    expect(Array.from(out)).toEqual(bytes)
    // the sweep's reading: byte / 255 · 2 − 1 in float32
    const back = Float32Array.from(out, (b) => (b / 255) * 2 - 1)
    expect(Array.from(back)).toEqual(Array.from(data))
  })

  it('refuses pixels between two byte values', () => {
    const data = Float32Array.from([-1, (10.5 / 255) * 2 - 1])
    expect(() => pixelBytes({ n: 1, d: 2, data })).toThrow(ConfigError)
    expect(() => pixelBytes({ n: 1, d: 2, data })).toThrow(/pixel 1 .* not an 8-bit value/)
  })
})
