import { afterAll, describe, expect, it } from 'vitest'
import type { MlpWeights } from '../../../src/engine/models/mlp'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import { inspectModel } from '../../../src/engine/onnx/inspect'
import { applyMlp, mlpParams } from '../../../src/engine/onnx/mlp'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import {
  affineColumns,
  batchColumn,
  concatColumns,
  eulerSamplerGraph,
  heunSamplerGraph,
  sinusoidalEmbedding,
  timeGrid,
  type OdeMethod,
  type VelocityNet
} from '../../../src/engine/onnx/sampler'
import { Rng } from '../../../src/engine/rng'
import { maxAbs, mlpForward, onnxCheck, randomMlp, writeTemp, removeTempDirs } from './helpers'

afterAll(removeTempDirs)

const D = 2
const N = 512

/** A hand-made velocity network: an MLP on [x, t] (d + 1 inputs) → d. */
function velocityWeights(seed: number, inDim = D + 1): MlpWeights {
  return randomMlp({ inDim, outDim: D, width: 32, depth: 2, activation: 'silu' }, new Rng(seed))
}

/** The graph's velocity: registers the MLP once, applies it to [x, t·1] at every call. */
function concatVelocity(g: GraphBuilder, w: MlpWeights): VelocityNet {
  const p = mlpParams(g, w, 'v')
  return (g, x, t, call) =>
    applyMlp(g, p, concatColumns(g, [x, batchColumn(g, t, x)], `v${call}/in`), `@${call}`)
}

/** The JS reference: v(x, t) from the float64 MLP, stepped with the same grid. */
function reference(
  w: MlpWeights,
  z: Float32Array,
  n: number,
  steps: number,
  method: OdeMethod
): Float64Array {
  const grid = timeGrid(steps).map((t) => Math.fround(t))
  const dt = 1 / steps
  const v = (x: Float64Array, t: number): Float64Array => {
    const inp = new Float64Array(n * (D + 1))
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < D; j++) inp[r * (D + 1) + j] = x[r * D + j]!
      inp[r * (D + 1) + D] = t
    }
    return mlpForward(w, inp, n)
  }
  let x = Float64Array.from(z)
  for (let k = 0; k < steps; k++) {
    const v1 = v(x, grid[k]!)
    if (method === 'euler') {
      x = x.map((xi, i) => xi + dt * v1[i]!)
      continue
    }
    const xe = x.map((xi, i) => xi + dt * v1[i]!)
    const v2 = v(xe, grid[k + 1]!)
    x = x.map((xi, i) => xi + (dt / 2) * (v1[i]! + v2[i]!))
  }
  return x
}

function samplerModel(w: MlpWeights, steps: number, method: OdeMethod): Uint8Array {
  const g = new GraphBuilder(`${method}-sampler`)
  const z = g.input('z', ['batch', D])
  const sampler = (method === 'euler' ? eulerSamplerGraph : heunSamplerGraph)(concatVelocity(g, w), steps)
  g.output('x', ['batch', D], sampler(g, z))
  return g.toModel({ metadata: { sampler: method, steps: String(steps) } })
}

describe.each<[OdeMethod, number]>([
  ['euler', 1],
  ['euler', 8],
  ['heun', 4]
])('the %s sampler graph, K = %i', (method, steps) => {
  const w = velocityWeights(21)
  const z = new Rng(22).normals(N * D)
  const bytes = samplerModel(w, steps, method)

  it('matches a JS reference loop', async () => {
    const x = (await runOnnx(bytes, { z: { data: z, dims: [N, D] } })).x!
    expect(x.dims).toEqual([N, D])
    expect(maxAbs(x.data, reference(w, z, N, steps, method))).toBeLessThanOrEqual(1e-5)
    // and it moved the points
    expect(maxAbs(x.data, z)).toBeGreaterThan(1e-2)
  })

  it('shares the velocity weights across steps (no copies per step)', () => {
    const o = inspectModel(bytes)
    const weightBytes = w.layers.reduce((s, l) => s + 4 * (l.w.length + l.b.length), 0)
    const total = o.initializers.reduce((s, i) => s + i.bytes, 0)
    expect(o.initializers.filter((i) => i.name.startsWith('v/')).length).toBe(2 * w.layers.length)
    expect(total).toBeLessThan(weightBytes + 200) // the rest: Δt, the time grid, a shape constant
    const evals = method === 'heun' ? 2 * steps : steps
    expect(o.nodes.filter((n) => n.opType === 'Gemm').length).toBe(evals * w.layers.length)
  })

  it('passes the official ONNX checker', () => {
    const r = onnxCheck(writeTemp(bytes, `${method}-${steps}.onnx`))
    expect(r.status, r.stderr).toBe(0)
  })
})

describe('a velocity net with a sinusoidal time embedding and de-standardised output', () => {
  const F = 4
  const freqs = Array.from({ length: F }, (_, i) => 2 * Math.PI * 2 ** i)
  const w = velocityWeights(31, D + 2 * F)
  const stats = { mean: [0.5, -2], std: [3, 0.25] }
  const steps = 6

  function build(): Uint8Array {
    const g = new GraphBuilder('flow')
    const z = g.input('z', ['batch', D])
    const p = mlpParams(g, w, 'v')
    const velocity: VelocityNet = (g, x, t, call) =>
      applyMlp(
        g,
        p,
        concatColumns(g, [x, sinusoidalEmbedding(g, batchColumn(g, t, x), freqs, `emb${call}`)]),
        `@${call}`
      )
    const x = eulerSamplerGraph(velocity, steps)(g, z)
    g.output('x', ['batch', D], affineColumns(g, x, stats.std, stats.mean))
    return g.toModel()
  }

  it('matches the reference', async () => {
    const n = 64
    const z = new Rng(32).normals(n * D)
    const got = (await runOnnx(build(), { z: { data: z, dims: [n, D] } })).x!.data
    const grid = timeGrid(steps).map(Math.fround)
    let x = Float64Array.from(z)
    for (let k = 0; k < steps; k++) {
      const inp = new Float64Array(n * (D + 2 * F))
      const fr = freqs.map(Math.fround)
      for (let r = 0; r < n; r++) {
        const row = r * (D + 2 * F)
        for (let j = 0; j < D; j++) inp[row + j] = x[r * D + j]!
        for (let i = 0; i < F; i++) {
          inp[row + D + i] = Math.sin(grid[k]! * fr[i]!)
          inp[row + D + F + i] = Math.cos(grid[k]! * fr[i]!)
        }
      }
      const v = mlpForward(w, inp, n)
      x = x.map((xi, i) => xi + v[i]! / steps)
    }
    const ref = x.map((v, i) => v * stats.std[i % D]! + stats.mean[i % D]!)
    expect(maxAbs(got, ref)).toBeLessThanOrEqual(1e-4)
  })

  it('passes the official ONNX checker', () => {
    const r = onnxCheck(writeTemp(build(), 'flow-embed.onnx'))
    expect(r.status, r.stderr).toBe(0)
  })
})

it('rejects a step count below 1', () => {
  expect(() => eulerSamplerGraph(() => '', 0)).toThrow(/steps must be an integer ≥ 1/)
})
