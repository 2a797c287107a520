import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import {
  conv3,
  convParams,
  denseParams,
  initParams,
  normParams,
  ParamSet,
  tfConvOps,
  type ParamLayout
} from '../../../src/engine/models/conv-layers'
import { ConvGenerator, convGeneratorSpec } from '../../../src/engine/models/conv-generator'
import { Unet, unetSpec } from '../../../src/engine/models/unet'
import { velocityInput } from '../../../src/engine/models/velocity'
import { Rng } from '../../../src/engine/rng'

const BACKENDS = ['cpu', 'wasm'] as const

/** A seeded random tensor. */
const rnd = (rng: Rng, shape: number[]): tf.Tensor =>
  tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape)

/**
 * Central finite differences of a scalar f(θ) at `count` seeded coordinates of variable `v`, against the
 * gradient tfjs computes (our hand-written ones included). float32: step 1e-2, tolerance 2 % of max(|g|, 0.05).
 */
function checkGradient(f: () => tf.Scalar, vars: tf.Variable[], rng: Rng, count = 6): void {
  const { grads } = tf.variableGrads(f, vars)
  for (const v of vars) {
    const g = grads[v.name]!.dataSync()
    const values = v.dataSync().slice()
    let gmax = 0
    for (const x of g) gmax = Math.max(gmax, Math.abs(x))
    for (let k = 0; k < count; k++) {
      const i = Math.floor(rng.uniforms(1)[0]! * values.length)
      const h = 1e-2
      const at = (delta: number): number => {
        const w = values.slice()
        w[i]! += delta
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)))
        return tf.tidy(() => f().dataSync()[0]!)
      }
      const fd = (at(h) - at(-h)) / (2 * h)
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)))
      expect(Math.abs(fd - g[i]!), `${v.name}[${i}]`).toBeLessThanOrEqual(0.02 * Math.max(gmax, 0.05))
    }
  }
  tf.dispose(Object.values(grads))
}

let inputs = 0
/** Input as a variable too, so ∂x is checked the same way. */
function withInput(rng: Rng, shape: number[]): tf.Variable {
  return tf.variable(rnd(rng, shape), true, `conv_test_input_${inputs++}`)
}

describe.each(BACKENDS)('conv layers on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend)
  })

  it('conv3 equals the direct sum Σ x[h+ky−1, w+kx−1, c]·W[ky, kx, c, o] + b', () => {
    const rng = new Rng(1)
    const [n, H, W, C, Co] = [2, 5, 4, 3, 2]
    const x = rnd(rng, [n, H, W, C]) as tf.Tensor4D
    const w = rnd(rng, [3, 3, C, Co]) as tf.Tensor4D
    const b = rnd(rng, [Co]) as tf.Tensor1D
    const y = conv3(x, w, b).arraySync()
    const xs = x.arraySync()
    const ws = w.arraySync()
    const bs = b.arraySync()
    let worst = 0
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++)
        for (let v = 0; v < W; v++)
          for (let o = 0; o < Co; o++) {
            let s = bs[o]!
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++) {
                const hh = h + ky - 1
                const vv = v + kx - 1
                if (hh < 0 || hh >= H || vv < 0 || vv >= W) continue
                for (let c = 0; c < C; c++) s += xs[i]![hh]![vv]![c]! * ws[ky]![kx]![c]![o]!
              }
            worst = Math.max(worst, Math.abs(s - y[i]![h]![v]![o]!))
          }
    expect(worst).toBeLessThan(1e-5)
    tf.dispose([x, w, b])
  })

  // Each layer: a scalar Σ r ⊙ layer(x) with a fixed random r, differentiated in every input and parameter.
  // (The batch of 2 matters: tfjs's own nearest-resize gradient is wrong beyond the first image.)
  it.each<
    [string, ParamLayout, (ops: ReturnType<typeof tfConvOps>, x: tf.Tensor, v: tf.Tensor) => tf.Tensor]
  >([
    ['conv 3×3', convParams('c', 3, 3, 4), (ops, x) => ops.conv(x, 'c')],
    ['conv 1×1', convParams('c', 1, 3, 4), (ops, x) => ops.conv(x, 'c')],
    ['group norm', normParams('n', 3), (ops, x) => ops.groupNorm(x, 'n', 3)],
    ['silu · avg pool · upsample', [], (ops, x) => ops.upsample(ops.pool(ops.silu(x)))],
    ['time bias', denseParams('t', 5, 3), (ops, x, v) => ops.channelBias(x, v, 't')]
  ])('%s: gradients match finite differences', (name, layout, layer) => {
    const rng = new Rng(7)
    // The group norm's γ, β start at 1, 0: random values make their gradient check meaningful.
    const values = initParams(layout, rng)
    for (const k of Object.keys(values)) values[k] = values[k]!.map(() => rng.normals(1)[0]!)
    const params = new ParamSet(layout, values, 'test')
    const ops = tfConvOps(params)
    const x = withInput(rng, [2, 4, 6, 3])
    const v = withInput(rng, [2, 5])
    const r = tf.keep(rnd(rng, layer(ops, x, v).shape))
    const f = (): tf.Scalar => tf.sum(tf.mul(layer(ops, x, v), r))
    checkGradient(f, [x, ...(name === 'time bias' ? [v] : []), ...params.variables()], rng)
    tf.dispose([x, v, r])
    params.dispose()
  })

  it('U-Net: gradients of the loss match finite differences, no tensors leak', () => {
    const rng = new Rng(3)
    const spec = unetSpec([8, 8], { channels: 4, timeDim: 4, maxFreq: 10 })
    expect(spec.levels).toBe(2)
    const net = Unet.create(spec, rng)
    const n = 2
    const input = velocityInput(rng.normals(n * spec.dim), rng.uniforms(n), spec)
    const target = tf.keep(rnd(rng, [n, spec.dim]))
    const f = (): tf.Scalar =>
      tf.mean(tf.squaredDifference(net.applyInput(tf.tensor2d(input, [n, spec.dim + 4])), target))
    const before = tf.memory().numTensors
    const { value, grads } = tf.variableGrads(f, net.variables())
    tf.dispose([value, ...Object.values(grads)])
    expect(tf.memory().numTensors).toBe(before)
    // A few of the 90-odd parameters: the first conv, a time projection, a norm, the output conv.
    const vars = net
      .variables()
      .filter((v) => /\/(in\/w|down1\/time\/w|up0\/norm2\/gamma|out\/b)$/.test(v.name))
    expect(vars).toHaveLength(4)
    checkGradient(f, vars, rng, 4)
    target.dispose()
    net.dispose()
  })
})

describe('conv models', () => {
  beforeAll(async () => {
    await initBackend('cpu')
  })

  it('levels follow how often the image halves: 8×8 → 2, 14×14 → 1, 7×7 → 0', () => {
    const o = { channels: 8, timeDim: 8, maxFreq: 100 }
    expect([8, 14, 7].map((s) => unetSpec([s, s], o).levels)).toEqual([2, 1, 0])
    expect(convGeneratorSpec([14, 14, 3], { latentDim: 5, channels: 8 })).toMatchObject({
      dim: 14 * 14 * 3,
      levels: 1
    })
  })

  it('shapes: the U-Net maps [n, d] to [n, d], the generator [n, latent] to [n, d]', () => {
    const rng = new Rng(1)
    for (const shape of [
      [14, 14],
      [7, 7, 2]
    ]) {
      const u = Unet.create(unetSpec(shape, { channels: 4, timeDim: 4, maxFreq: 10 }), rng)
      const d = u.spec.dim
      expect(u.predict(rng.normals(3 * d), 0.3)).toHaveLength(3 * d)
      u.dispose()
      const g = ConvGenerator.create(convGeneratorSpec(shape, { latentDim: 6, channels: 4 }), rng)
      const y = tf.tidy(() => g.apply(tf.tensor2d(rng.normals(3 * 6), [3, 6])))
      expect(y.shape).toEqual([3, d])
      y.dispose()
      g.dispose()
    }
  })

  it('weights round-trip through JSON; damaged weights are refused with the parameter named', () => {
    const rng = new Rng(2)
    const u = Unet.create(unetSpec([8, 8], { channels: 4, timeDim: 4, maxFreq: 10 }), rng)
    const json = JSON.parse(JSON.stringify(u.toJSON()))
    const back = Unet.fromJSON(json)
    const x = rng.normals(2 * 64)
    expect(back.predict(x, 0.5)).toEqual(u.predict(x, 0.5))
    const w = json.params['mid/conv2/w'].pop()
    expect(() => Unet.fromJSON(json)).toThrow(
      /parameter "mid\/conv2\/w" has 2303 values; its shape \[3, 3, 16, 16\] needs 2304/
    )
    json.params['mid/conv2/w'].push(w)
    delete json.params['out/b']
    expect(() => Unet.fromJSON(json)).toThrow(/lack parameter "out\/b"/)
    u.dispose()
    back.dispose()
    expect(() => unetSpec([8, 8], { channels: 6, timeDim: 4, maxFreq: 10 })).toThrow(
      /channels: 6 is not a multiple of 4/
    )
  })
})
