/**
 * Weights files store long float32 arrays as base64 (src/engine/store/weights-codec.ts): read back as the same
 * numbers, smaller on disk, plain-number files still read, and a damaged packed array refused naming its field.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../src/engine/errors'
import { RunStore } from '../../../src/engine/store'
import { PACK_MIN, packWeights } from '../../../src/engine/store/weights-codec'
import { Rng } from '../../../src/engine/rng'
import { makeConfig, tempRoot } from './helpers'

/** A stored MLP of `width` units: float32 weights as number arrays, as models' toJSON writes them. */
function mlpWeights(width: number, seed: number) {
  const rng = new Rng(seed)
  const vals = (n: number): number[] => Array.from(rng.normals(n))
  return {
    kind: 'energy',
    phi: {
      spec: { inDim: 2, outDim: 2, width, depth: 1, activation: 'silu' as const },
      layers: [
        { w: vals(2 * width), b: vals(width), inDim: 2, outDim: width },
        { w: vals(width * 2), b: vals(2), inDim: width, outDim: 2 }
      ]
    },
    // doubles float32 cannot hold stay plain JSON, as do short arrays and integers
    standardised: Array.from({ length: PACK_MIN }, (_, i) => 0.1 * (i + 1)),
    sizes: [2, width, 2]
  }
}

const weightsFile = (store: RunStore, id: string): string => path.join(store.root, id, 'weights.json')

describe('weights files: long float32 arrays as base64', () => {
  it('reads back the very numbers saved, in about a quarter of the bytes', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    const w = mlpWeights(256, 1)
    h.saveWeights(w)
    const text = fs.readFileSync(weightsFile(store, h.id), 'utf8')
    const raw = JSON.parse(text) as { phi: { layers: { w: unknown; b: unknown }[] }; standardised: unknown }
    expect(raw.phi.layers[0]!.w).toEqual({ f32: expect.any(String) as unknown })
    expect(raw.phi.layers[1]!.b).toEqual(w.phi.layers[1]!.b) // 2 values: plain
    expect(raw.standardised).toEqual(w.standardised) // not float32: plain, exact
    expect(store.readWeights(h.id)).toEqual(w)
    expect(text.length).toBeLessThan(JSON.stringify(w).length / 3)
    // the caller's object is not modified
    expect(Array.isArray(w.phi.layers[0]!.w)).toBe(true)
  })

  it('packs typed float32 arrays too, and still reads files of plain numbers', () => {
    const w = mlpWeights(64, 2)
    const typed = { ...w, extra: Float32Array.from(w.phi.layers[0]!.w) }
    expect(packWeights(typed)).toMatchObject({ extra: { f32: expect.any(String) as unknown } })
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    h.saveWeights(typed)
    expect(store.readWeights(h.id)).toEqual({ ...w, extra: w.phi.layers[0]!.w })
    fs.writeFileSync(weightsFile(store, h.id), JSON.stringify(w)) // an older run's file
    expect(store.readWeights(h.id)).toEqual(w)
  })

  it.each([
    ['text that is not base64', '"@@@@"', /field "phi\.layers\[0\]\.w" is not base64 text/],
    [
      'bytes that are not whole float32 values',
      '"AAA="',
      /field "phi\.layers\[0\]\.w" holds 2 bytes, not a whole number/
    ],
    [
      'a number instead of text',
      '5',
      /field "phi\.layers\[0\]\.w" holds a number under "f32", not base64 text/
    ],
    ['one value where 128 belong', 'null', /field "phi\.layers\[0\]\.w" has 1 values, expected 128/]
  ])('refuses a packed array holding %s, naming its field', (_what, value, message) => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    h.saveWeights(mlpWeights(64, 3))
    const file = weightsFile(store, h.id)
    const text = fs.readFileSync(file, 'utf8')
    const json = JSON.parse(text) as { phi: { layers: { w: unknown }[] } }
    json.phi.layers[0]!.w = value === 'null' ? { f32: 'AAAAAA==' } : { f32: JSON.parse(value) as unknown }
    fs.writeFileSync(file, JSON.stringify(json))
    expect(() => store.readWeights(h.id)).toThrow(StoreError)
    expect(() => store.readWeights(h.id)).toThrow(message)
  })

  it('refuses a packed array holding NaN, as a plain file’s null', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    const w = mlpWeights(64, 4)
    w.phi.layers[1]!.w[5] = NaN
    h.saveWeights(w)
    expect(() => store.readWeights(h.id)).toThrow(
      /field "phi\.layers\[1\]\.w\[5\]" is NaN, not a finite number/
    )
  })
})
