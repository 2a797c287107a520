/** The time-conditioned network: embedding shape and values, input layout, shapes, round trip, no leaks. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import {
  VelocityNet,
  timeEmbedding,
  timeFrequencies,
  velocityInput,
  type VelocitySpec
} from '../../../src/engine/models/velocity'
import { Rng } from '../../../src/engine/rng'

beforeAll(async () => {
  await initBackend('auto')
})

const spec: VelocitySpec = { dim: 3, timeDim: 8, maxFreq: 100, width: 16, depth: 2, activation: 'silu' }

describe('sinusoidal time embedding', () => {
  it('has shape [n, timeDim]: sines then cosines of geometric frequencies 1 … ω_max', () => {
    const t = [0, 0.25, 1]
    const e = timeEmbedding(t, 8, 100)
    expect(e.length).toBe(3 * 8)
    const w = timeFrequencies(8, 100)
    expect(w[0]).toBeCloseTo(1, 12)
    expect(w[3]).toBeCloseTo(100, 10)
    expect(w[1]! / w[0]!).toBeCloseTo(w[2]! / w[1]!, 10)
    expect(Array.from(e.subarray(0, 8))).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
    for (let k = 0; k < 4; k++) {
      expect(e[8 + k]).toBeCloseTo(Math.sin(w[k]! * 0.25), 6)
      expect(e[8 + 4 + k]).toBeCloseTo(Math.cos(w[k]! * 0.25), 6)
    }
  })

  it('rejects an odd size', () => {
    expect(() => timeEmbedding([0], 5)).toThrow(/even/)
  })

  it('velocityInput lays out [x, emb(t)] per row, for one time or one per row', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6])
    const one = velocityInput(x, 0.5, spec)
    expect(one.length).toBe(2 * 11)
    expect(Array.from(one.subarray(0, 3))).toEqual([1, 2, 3])
    expect(Array.from(one.subarray(11, 14))).toEqual([4, 5, 6])
    const emb = timeEmbedding([0.5], 8, 100)
    expect(Array.from(one.subarray(3, 11))).toEqual(Array.from(emb))
    const each = velocityInput(x, [0.5, 0.5], spec)
    expect(Array.from(each)).toEqual(Array.from(one))
  })
})

describe('VelocityNet', () => {
  it('maps [n, d] × t → [n, d], round-trips through JSON, and leaks no tensors', () => {
    const before = tf.memory().numTensors
    const net = VelocityNet.create(spec, new Rng(1))
    expect(net.mlp.spec.inDim).toBe(spec.dim + spec.timeDim)
    expect(net.mlp.spec.outDim).toBe(spec.dim)
    const x = new Rng(2).normals(5 * 3)
    const v = net.predict(x, 0.3)
    expect(v.length).toBe(15)
    // Time matters.
    expect(Array.from(net.predict(x, 0.9))).not.toEqual(Array.from(v))
    const copy = VelocityNet.fromJSON(JSON.parse(JSON.stringify(net.toJSON())))
    expect(Array.from(copy.predict(x, 0.3))).toEqual(Array.from(v))
    net.dispose()
    copy.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('rejects weights that do not fit their spec', () => {
    const net = VelocityNet.create(spec, new Rng(1))
    const json = net.toJSON()
    net.dispose()
    expect(() => VelocityNet.fromJSON({ ...json, spec: { ...json.spec, timeDim: 6 } })).toThrow(/do not fit/)
  })
})
