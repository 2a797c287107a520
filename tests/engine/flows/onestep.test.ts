/**
 * The one-step flow families — meanflow, shortcut, cd, ct (objectives/flows/jump.ts and its users): their
 * regression targets re-derived from the network, the consistency grid, the stored one-step map `phi` equal
 * to one jump of the network, K-jump sampling and teachers, and the export of K jumps as one graph (the
 * conformance suite checks their leaks, store round trip and the one-step export).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { ConfigError } from '../../../src/engine/errors'
import { JumpNet } from '../../../src/engine/models/jump'
import { Mlp, type MlpWeights } from '../../../src/engine/models/mlp'
import { VelocityNet } from '../../../src/engine/models/velocity'
import { exportPushforward } from '../../../src/engine/onnx/export'
import { findObjective } from '../../../src/engine/objectives/registry'
import { heunStep, heunSteps } from '../../../src/engine/objectives/flows/cd'
import { ctIntervals, ectSigmaR, ectStage } from '../../../src/engine/objectives/flows/ct'
import { consistencyGrid, lognormalWeights } from '../../../src/engine/objectives/flows/consistency'
import { JumpModel, batchVelocity } from '../../../src/engine/objectives/flows/jump'
import { meanFlowBatch } from '../../../src/engine/objectives/flows/meanflow'
import { shortcutBatch } from '../../../src/engine/objectives/flows/shortcut'
import type { ModelObjective } from '../../../src/engine/objectives/types'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { createModel, makeRunConfig, trainRun } from '../../../src/engine/train/train'
import { modelSpec } from './helpers'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-onestep-'))
const store = new RunStore(path.join(tmp, 'runs'))
const ds = generateBuiltin('moons', 2000, 0)
let teacherId = ''

beforeAll(async () => {
  await initBackend('auto')
  const r = await trainRun(
    ds,
    makeRunConfig(ds, { objective: 'cfm', steps: 20, batch: 64, seed: 1, model: { width: 16, depth: 2 } }),
    { store }
  )
  teacherId = r.runId!
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

const small = { width: 16, depth: 2 }
const smallNet = (seed: number): JumpNet =>
  JumpNet.create({ dim: 2, timeDim: 8, maxFreq: 30, width: 16, depth: 2, activation: 'silu' }, new Rng(seed))

describe('targets', () => {
  it('batchVelocity: the posterior mean of x₁ over the rows, (E[x₁ | x_t] − x_t)/(1 − t)', () => {
    const ref = Float32Array.from([1, 2, 3, 4, -1, 0])
    const x = Float32Array.from([0.5, 0.5, 2.9, 3.9, 0.2, -0.4, 7, 7])
    const cond = Float32Array.from([0, 0, 0, 0, 0, 0, 9, 8])
    const t = [0, 0.999, 0.5, 1]
    const v = batchVelocity(x, t, ref, cond, 2)
    // t = 0: every row is equally likely, the mean of the rows minus x.
    expect(v[0]).toBeCloseTo(1 - 0.5, 5)
    expect(v[1]).toBeCloseTo(2 - 0.5, 5)
    // t → 1: the posterior collapses on the nearest t·r_j, here (3, 4).
    expect(v[2]).toBeCloseTo((3 - 2.9) / 0.001, 1)
    expect(v[3]).toBeCloseTo((4 - 3.9) / 0.001, 1)
    // In between: the Gaussian posterior weights exp(−‖x − t·r_j‖² / (2(1 − t)²)) written out.
    const w = [0, 1, 2].map((j) =>
      Math.exp(-((0.2 - 0.5 * ref[2 * j]!) ** 2 + (-0.4 - 0.5 * ref[2 * j + 1]!) ** 2) / 0.5)
    )
    const z = w[0]! + w[1]! + w[2]!
    for (let k = 0; k < 2; k++) {
      const mean = (w[0]! * ref[k]! + w[1]! * ref[2 + k]! + w[2]! * ref[4 + k]!) / z
      expect(v[4 + k]).toBeCloseTo((mean - x[4 + k]!) / 0.5, 4)
    }
    // At the data end (1 − t < 1e-4) the row keeps its conditional velocity.
    expect(Array.from(v.subarray(6))).toEqual([9, 8])
  })

  it.each(['conditional', 'batch'] as const)(
    'meanflow (%s velocity): v on rows with s = t, v + h·du/dt (the JVP along (v, 1, −1)) elsewhere',
    (velocity) => {
      const net = smallNet(1)
      const x1 = new Rng(2).normals(64 * 2)
      const b = meanFlowBatch(net, x1, 64, { ratio: 0.5, adaptive: 0, velocity }, new Rng(3))
      // Re-draw the same noise and times to rebuild v.
      const rng = new Rng(3)
      const x0 = rng.normals(64 * 2)
      const vc = x1.map((xi, k) => xi - x0[k]!)
      const vs = velocity === 'batch' ? batchVelocity(b.x, b.t, x1, vc, 2) : vc
      let flat = 0
      for (let i = 0; i < 64; i++) {
        const v = [vs[2 * i]!, vs[2 * i + 1]!]
        expect(b.x[2 * i]).toBeCloseTo((1 - b.t[i]!) * x0[2 * i]! + b.t[i]! * x1[2 * i]!, 5)
        if (b.h[i] === 0) {
          flat++
          expect(b.target[2 * i]).toBeCloseTo(v[0]!, 5)
          continue
        }
        // du/dt by a central difference of the network along the path (s = t + h fixed).
        const eps = 1e-3
        const at = (e: number): Float32Array =>
          net.predict(
            Float32Array.from([b.x[2 * i]! + e * v[0]!, b.x[2 * i + 1]! + e * v[1]!]),
            b.t[i]! + e,
            b.h[i]! - e
          )
        const [p, m] = [at(eps), at(-eps)]
        for (let j = 0; j < 2; j++)
          expect(b.target[2 * i + j]!).toBeCloseTo(v[j]! + (b.h[i]! * (p[j]! - m[j]!)) / (2 * eps), 2)
      }
      expect(flat).toBeGreaterThan(16)
      expect(flat).toBeLessThan(48)
      net.dispose()
    }
  )

  it('shortcut: flow matching at h = 0, the mean of two half jumps (from the teacher) at h = 2d', () => {
    const net = smallNet(4)
    const x1 = new Rng(5).normals(32 * 2)
    const b = shortcutBatch(net, x1, 32, { selfShare: 0.25, levels: 8 }, new Rng(6))
    const self = Array.from(b.h).filter((h) => h > 0)
    expect(self).toHaveLength(8)
    for (let i = 24; i < 32; i++) {
      const d = b.h[i]! / 2
      expect([1 / 8, 1 / 4, 1 / 2]).toContain(d)
      expect(b.t[i]! + 2 * d).toBeLessThanOrEqual(1 + 1e-6)
      const x = b.x.slice(2 * i, 2 * i + 2)
      const q = d <= 1 / 8 ? 0 : d
      const u1 = net.predict(x, b.t[i]!, q)
      const u2 = net.predict(
        x.map((xi, j) => xi + d * u1[j]!),
        b.t[i]! + d,
        q
      )
      for (let j = 0; j < 2; j++) expect(b.target[2 * i + j]!).toBeCloseTo((u1[j]! + u2[j]!) / 2, 5)
    }
    net.dispose()
  })

  it('consistency: the grid runs 0 → 1, increasing; lognormal weights sum to 1; the CT grid doubles', () => {
    const g = consistencyGrid(18)
    expect(g[0]).toBe(0)
    expect(g[18]).toBe(1)
    for (let i = 0; i < 18; i++) expect(g[i + 1]!).toBeGreaterThan(g[i]!)
    const p = lognormalWeights(g)
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10)
    expect(ctIntervals(0, 800, 10, 80)).toBe(10)
    expect(ctIntervals(200, 800, 10, 80)).toBe(20)
    expect(ctIntervals(799, 800, 10, 80)).toBe(80)
  })

  it('ct: the ECT curriculum runs from the clean sample (σ_r = 0) toward σ_r → σ, stage by stage', () => {
    expect([0, 199, 200, 799].map((k) => ectStage(k, 800, 4))).toEqual([0, 0, 1, 3])
    const sigmas = [0.01, 0.1, 1, 3, 10, 80]
    for (const s of sigmas) expect(ectSigmaR(s, 0, 2)).toBe(0)
    for (const s of sigmas)
      for (let a = 1; a < 8; a++) {
        const r = ectSigmaR(s, a, 2)
        expect(r).toBeGreaterThanOrEqual(ectSigmaR(s, a - 1, 2))
        expect(r).toBeLessThan(s)
      }
    // Far from the data n(σ) → 1: the gap is σ/q^a; near it n(σ) → 1 + k/2 = 5 widens the gap (here to all of σ).
    expect(ectSigmaR(80, 3, 2)).toBeCloseTo(80 * (1 - 1 / 8), 6)
    expect(ectSigmaR(0.01, 2, 2)).toBe(0)
    expect(1 - ectSigmaR(1, 6, 2) / 1).toBeCloseTo((1 + 8 / (1 + Math.E)) / 64, 10)
    // each curriculum's parameters apply only under it
    const params = findObjective('ct').params
    expect(() => resolveParams('ct', params, { s1: 80 })).toThrow(/"s1" applies only with curriculum=grid/)
    expect(() => resolveParams('ct', params, { curriculum: 'grid', q: 2 })).toThrow(/"q" applies only/)
    expect(resolveParams('ct', params, { curriculum: 'grid', s1: 80 }).s1).toBe(80)
  })

  it.each(['ct', 'shortcut'])(
    '%s: mini-batch OT coupling by default; a run stored before it resumes with the independent one',
    async (id) => {
      const obj = findObjective(id)
      expect(resolveParams(id, obj.params, {}).coupling).toBe('ot')
      expect(() => resolveParams(id, obj.params, { coupling: 'independent', otBlock: 32 })).toThrow(
        /"otBlock" applies only with coupling=ot/
      )
      const config = makeRunConfig(ds, { objective: id, steps: 2, batch: 64, seed: 1, model: small })
      expect(config.params).toMatchObject({ coupling: 'ot', otBlock: 64 })
      // a configuration of before the coupling existed: it holds every other parameter, not these two
      const { coupling: _c, otBlock: _b, ...before } = config.params
      const older = { ...config, params: before }
      for (const [cfg, want] of [
        [config, 'ot'],
        [older, 'independent']
      ] as const) {
        const model = await createModel(obj, cfg, 2)
        expect(model.toJSON().coupling).toBe(want)
        model.dispose()
      }
    }
  )

  it('cd: the teacher step of n Heun sub-steps converges at second order in n', () => {
    const net = VelocityNet.create(
      { dim: 2, timeDim: 8, maxFreq: 5, width: 16, depth: 2, activation: 'tanh' },
      new Rng(4)
    )
    const v = (x: Float32Array, t: Float32Array): Float32Array => net.predict(x, t)
    const x = new Rng(5).normals(32 * 2).map((a) => 2 * a)
    const t = new Float32Array(32).fill(0.2)
    const dt = new Float32Array(32).fill(0.6)
    const exact = heunSteps(v, x, t, dt, 256)
    const err = (n: number): number =>
      Math.max(...heunSteps(v, x, t, dt, n).map((y, k) => Math.abs(y - exact[k]!)))
    expect(heunSteps(v, x, t, dt, 1)).toEqual(heunStep(v, x, t, dt))
    const ratio = err(4) / err(8)
    expect(ratio).toBeGreaterThan(3)
    expect(ratio).toBeLessThan(5.5)
    net.dispose()
  })
})

describe.each(['meanflow', 'shortcut', 'ct', 'cd'])('%s', (id) => {
  const obj = findObjective(id) as ModelObjective
  const params = id === 'cd' ? { teacher: '' } : {}

  it('trains; phi is one jump z + u(z, 0, 1); samples in 1 and 2 jumps', async () => {
    const spec = modelSpec(
      obj,
      2,
      { model: small, params: id === 'cd' ? { teacher: teacherId } : params },
      (rid) =>
        Promise.resolve({ objective: 'cfm', weights: store.readWeights(rid), config: store.load(rid).config })
    )
    const model = (await obj.create(spec)) as JumpModel
    expect(model.samplers).toEqual(['onestep', 'euler'])
    const y = tf.tensor2d(new Rng(7).normals(64 * 2), [64, 2])
    let loss = NaN
    for (let k = 0; k < 4; k++) loss = model.step(y, { rng: new Rng(k), step: k, steps: 4 }).loss
    expect(Number.isFinite(loss)).toBe(true)
    y.dispose()

    const z = new Rng(8).normals(50 * 2)
    const one = model.transport(z, { sampler: 'onestep', steps: 1 })
    const phi = Mlp.fromJSON(model.toJSON().phi as MlpWeights)
    const viaPhi = tf.tidy(() => phi.apply(tf.tensor2d(z, [50, 2])).dataSync() as Float32Array)
    phi.dispose()
    one.forEach((v, i) => expect(viaPhi[i]!).toBeCloseTo(v, 4))
    const two = model.transport(z, { sampler: 'euler', steps: 2 })
    expect(Math.max(...two.map((v, i) => Math.abs(v - one[i]!)))).toBeGreaterThan(1e-4)
    model.dispose()
  })

  it('refuses other weights and samplers with a sentence', () => {
    const spec = modelSpec(obj, 2, { model: small })
    expect(() => obj.restore({ kind: 'cfm' }, spec)).toThrow(`These are cfm weights, not ${id} weights.`)
    expect(() => obj.restore({ kind: id }, spec)).toThrow(ConfigError)
  })
})

describe('cd', () => {
  it('refuses a ddpm teacher: its marginals are not the straight path’s', async () => {
    const obj = findObjective('cd') as ModelObjective
    const r = await trainRun(
      ds,
      makeRunConfig(ds, { objective: 'ddpm', steps: 2, batch: 32, seed: 1, model: small }),
      { store }
    )
    const spec = modelSpec(obj, 2, { model: small, params: { teacher: r.runId } }, (rid) =>
      Promise.resolve({ objective: 'ddpm', weights: store.readWeights(rid), config: store.load(rid).config })
    )
    await expect(obj.create(spec)).rejects.toThrow(/cd distils a velocity flow .* is ddpm/)
  })
})

describe('few-step export (the one-step map itself: conformance suite)', () => {
  const train = async (objective: string, params: Record<string, unknown> = {}): Promise<string> =>
    (
      await trainRun(
        ds,
        makeRunConfig(ds, { objective, steps: 10, batch: 64, seed: 2, model: small, params }),
        { store }
      )
    ).runId!

  it.each([
    ['ct', {}],
    ['shortcut', {}],
    ['ct', { predict: 'data' }]
  ])(
    '%s %j exports its 2-step sampler as a chain of two jumps with its parity check',
    async (objective, params) => {
      const id = await train(objective, params)
      const file = path.join(tmp, `${objective}-2.onnx`)
      const rep = await exportPushforward(store, id, file, { sampler: 'euler', steps: 2, parityPoints: 512 })
      expect(rep).toMatchObject({ kind: 'jumps', sampler: 'euler', steps: 2, evaluations: 2 })
      expect(rep.parity.maxAbsError).toBeLessThanOrEqual(rep.parity.tolerance)
      // The second jump matters: two jumps differ from the one-step map, and a corrupted jump fails parity.
      const one = await exportPushforward(store, id, path.join(tmp, `${objective}-1.onnx`), {
        parityPoints: 64
      })
      expect(fs.readFileSync(file).length).toBeGreaterThan(1.5 * one.bytes)
      const corrupt = (w: MlpWeights): MlpWeights => ({
        ...w,
        layers: w.layers.map((l, i) =>
          i === 1 ? { ...l, w: l.w.map((v, j) => (j === 7 ? v + 0.05 : v)) } : l
        )
      })
      await expect(
        exportPushforward(store, id, path.join(tmp, `${objective}-bad.onnx`), {
          sampler: 'euler',
          steps: 2,
          parityPoints: 256,
          tamperWeights: corrupt
        })
      ).rejects.toThrow(/parity check/)
      await expect(
        exportPushforward(store, id, path.join(tmp, 'x.onnx'), { sampler: 'heun', steps: 2 })
      ).rejects.toThrow(/exports with onestep \(its map\) or euler \(K jumps\)/)
    }
  )
})
