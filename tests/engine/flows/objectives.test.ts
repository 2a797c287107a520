/**
 * The §4 objectives as `ModelObjective`s: declarations, the samplers each offers, teachers for reflow/distill,
 * and readable errors (tests/engine/objectives/conformance.test.ts trains, round-trips and exports each).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { ConfigError } from '../../../src/engine/errors'
import {
  FLOW_OBJECTIVES,
  cfm,
  ddpm,
  distill,
  otCfm,
  reflow,
  isFlowModel
} from '../../../src/engine/objectives/flows'
import { lrFactor } from '../../../src/engine/objectives/flows/common'
import { CfmModel, STRAIGHT_PATH, cfmBatch, type CfmPath } from '../../../src/engine/objectives/flows/cfm'
import {
  DATA_FIELD,
  DATA_FIELD_MIN_GAP,
  findSampler,
  integrateField,
  uniformGrid
} from '../../../src/engine/samplers'
import {
  allObjectives,
  registerObjective,
  unregisterObjective
} from '../../../src/engine/objectives/registry'
import { hasOrtStep } from '../../../src/engine/ort'
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import type { ModelObjective, ModelSpec, TrainableModel } from '../../../src/engine/objectives/types'
import { modelSpec } from './helpers'

beforeAll(async () => {
  await initBackend('auto')
})

const d = 2
const small = { model: { width: 16, depth: 2 } }

function trainFew(model: TrainableModel, steps: number, seed = 3): number {
  const rng = new Rng(seed)
  let loss = NaN
  for (let step = 0; step < steps; step++) {
    const y = tf.tensor2d(
      rng.normals(32 * d).map((v) => 0.5 * v + 1),
      [32, d]
    )
    try {
      loss = model.step(y, { rng, step, steps }).loss
    } finally {
      y.dispose()
    }
  }
  return loss
}

/** A loadRun over in-memory runs. */
function memoryRuns(
  runs: Record<string, { objective: string; model: TrainableModel }>
): ModelSpec['loadRun'] {
  return async (id) => {
    const r = runs[id]
    if (!r) throw new ConfigError(`No run ${id}.`)
    return {
      objective: r.objective,
      weights: JSON.parse(JSON.stringify(r.model.toJSON())),
      config: { params: {} }
    }
  }
}

describe('declarations', () => {
  it('lists anneal, ddpm, cfm, ot-cfm, reflow, distill and the one-step families in the flows family with valid defaults', () => {
    expect(FLOW_OBJECTIVES.map((o) => o.id)).toEqual([
      'anneal',
      'ddpm',
      'cfm',
      'ot-cfm',
      'reflow',
      'distill',
      'cd',
      'ct',
      'shortcut',
      'meanflow'
    ])
    for (const o of FLOW_OBJECTIVES) {
      expect(o.kind).toBe('model')
      expect(o.family).toBe('flows')
      expect(o.paper).toMatch(/^§4/)
      expect(o.summary.split('\n')).toHaveLength(2)
      expect(o.defaults.steps).toBeGreaterThan(0)
      expect(() => resolveParams(o.id, o.params, {})).not.toThrow()
      for (const p of Object.values(o.params)) expect(p.help.length).toBeGreaterThan(10)
    }
  })

  it('the learning rate holds for half the run, then decays to 5 %', () => {
    expect(lrFactor(0, 100)).toBe(1)
    expect(lrFactor(49, 100)).toBe(1)
    expect(lrFactor(75, 100)).toBeLessThan(0.6)
    expect(lrFactor(99, 100)).toBeCloseTo(0.05, 10)
  })
})

describe.each([
  { obj: ddpm, samplers: ['heun', 'ddpm', 'ddim', 'euler', 'rk4', 'dopri5', 'dpmpp-2m'] },
  { obj: cfm, samplers: ['heun', 'euler', 'rk4', 'dopri5', 'dpmpp-2m', 'ddim'] },
  { obj: otCfm, samplers: ['heun', 'euler', 'rk4', 'dopri5', 'dpmpp-2m', 'ddim'] }
])('$obj.id', ({ obj, samplers }) => {
  it('offers its samplers, the default first, at 100 steps by default', async () => {
    const model = await obj.create(modelSpec(obj, d, { ...small, batch: 32 }))
    expect(model.samplers).toEqual(samplers)
    expect(model.defaultSteps).toBe(100)
    model.dispose()
  })

  it('rejects samplers it does not offer, and latent settings that do not apply', async () => {
    const model = await obj.create(modelSpec(obj, d, small))
    expect(() => model.sample(4, new Rng(1), { sampler: 'onestep', steps: 1 })).toThrow(ConfigError)
    expect(() => model.sample(4, new Rng(1), { sampler: model.samplers[0]!, steps: 0 })).toThrow(ConfigError)
    model.dispose()
    await expect(obj.create(modelSpec(obj, d, { model: { latentDim: 3 } }))).rejects.toThrow(
      /latent dimension/
    )
    await expect(obj.create(modelSpec(obj, d, { model: { base: 'uniform' } }))).rejects.toThrow(/base/)
  })
})

it('ddpm keeps its schedule in its weights', async () => {
  const model = await ddpm.create(
    modelSpec(ddpm, d, { ...small, params: { schedule: 'cosine', tMin: 0.01 } })
  )
  const w = model.toJSON()
  expect(w).toMatchObject({ kind: 'ddpm', schedule: 'cosine', tMin: 0.01 })
  model.dispose()
})

const predicting = (predict: CfmPath['predict']): CfmPath => ({ ...STRAIGHT_PATH, predict })

describe('cfm predicting the clean sample (predict = data)', () => {
  it('regresses x₁ on the same draws, and reads its output as the velocity (x̂ − x)/max(1 − t, gap)', async () => {
    const y = new Rng(8).normals(6 * d)
    const v = cfmBatch(y, 6, d, STRAIGHT_PATH, new Rng(9))
    const x = cfmBatch(y, 6, d, predicting('data'), new Rng(9))
    expect(x.x).toEqual(v.x)
    expect(x.t).toEqual(v.t)
    expect(Array.from(x.target)).toEqual(Array.from(y))
    const model = (await cfm.create(modelSpec(cfm, d, { ...small, params: { predict: 'data' } }))) as CfmModel
    expect(model.flowField).toBe(DATA_FIELD)
    const pts = new Rng(10).normals(3 * d)
    for (const t of [0.3, 0.99]) {
      const out = model.predict(pts, t)
      const vel = model.velocity(pts, t)
      const gap = Math.max(1 - t, DATA_FIELD_MIN_GAP)
      vel.forEach((u, i) => expect(u).toBeCloseTo((out[i]! - pts[i]!) / gap, 4))
    }
    // the weights keep what the network predicts
    const w = JSON.parse(JSON.stringify(model.toJSON()))
    expect(w.predict).toBe('data')
    const back = cfm.restore(w, modelSpec(cfm, d, small)) as CfmModel
    expect(back.flowField).toBe(DATA_FIELD)
    // DDIM lands on the prediction: the default sampler of a data-predicting flow
    expect([model.samplers[0], back.samplers[0]]).toEqual(['ddim', 'ddim'])
    expect(back.samplers).toContain('heun')
    const z = new Rng(11).normals(4 * d)
    expect(back.transport(z, { sampler: 'heun', steps: 5 })).toEqual(
      model.transport(z, { sampler: 'heun', steps: 5 })
    )
    model.dispose()
    back.dispose()
  })

  /** A network that predicts one point x*, integrated from z with `sampler` in K uniform steps. */
  const target = Float32Array.from([0.5, -1.5])
  const toTarget = (sampler: 'euler' | 'heun' | 'rk4' | 'ddim', K: number, seed: number): Float32Array =>
    integrateField(
      findSampler(sampler),
      DATA_FIELD,
      (xs) => xs.map((_, i) => target[i % d]!),
      new Rng(seed).normals(5 * d),
      uniformGrid(0, 1, K)
    ).x
  const landsOnTarget = (out: Float32Array): void =>
    out.forEach((u, i) => expect(u).toBeCloseTo(target[i % d]!, 5))

  it('a network that predicts one point x* lands on it exactly in K Euler steps while K ≤ 1/gap', () => {
    for (const K of [1, 4, 10]) landsOnTarget(toTarget('euler', K, 12))
  })

  it('DDIM, Euler and Heun land on it at every K; rk4, which evaluates the clamped field at the end, stops short', () => {
    // Euler and Heun take their last step onto the data end as DDIM's (EDM's rule), also when K > 1/gap
    for (const s of ['ddim', 'euler', 'heun'] as const)
      for (const K of [1, 7, 100]) landsOnTarget(toTarget(s, K, 13))
    // K = 100: rk4's last 5 steps relax toward x* with time constant gap = 0.05 over 0.05, leaving ≈ e^(−1) of
    // the distance (the clamped field's price, which the landing samplers do not pay)
    const rk4 = toTarget('rk4', 100, 13)
    const left = Math.max(...rk4.map((u, i) => Math.abs(u - target[i % d]!)))
    expect(left).toBeGreaterThan(1e-2)
  })
})

describe('cfm training times and stored predictions', () => {
  it('draws logit-normal times t = sigmoid(m + s·n) on the same stream, and only t differs', () => {
    const y = new Rng(8).normals(4000 * d)
    const times: CfmPath['times'] = { kind: 'logit-normal', mean: -0.8, std: 0.8 }
    const u = cfmBatch(y, 4000, d, STRAIGHT_PATH, new Rng(9))
    const l = cfmBatch(y, 4000, d, { ...STRAIGHT_PATH, times }, new Rng(9))
    const sorted = Float64Array.from(l.t).sort()
    const logit = (q: number): number =>
      Math.log(sorted[Math.floor(q * 4000)]! / (1 - sorted[Math.floor(q * 4000)]!))
    // quartiles of the logit: m ∓ 0.674·s
    expect(logit(0.5)).toBeCloseTo(-0.8, 1)
    expect(logit(0.75) - logit(0.25)).toBeCloseTo(2 * 0.674 * 0.8, 1)
    expect(Array.from(u.t).every((t) => t >= 0 && t < 1)).toBe(true)
    // the path at each drawn t is the straight one: x_t − t·x₁ is (1 − t)·x₀ for the same noise
    const x0 = new Rng(9).normals(4000 * d)
    for (const i of [0, 17, 3999])
      for (let j = 0; j < d; j++)
        expect(l.x[i * d + j]! - l.t[i]! * y[i * d + j]!).toBeCloseTo((1 - l.t[i]!) * x0[i * d + j]!, 4)
  })

  it('the objective reads time=logit-normal and its location and scale from --set', async () => {
    const model = (await cfm.create(
      modelSpec(cfm, d, { ...small, params: { time: 'logit-normal', timeMean: 1.5, timeStd: 0.2 } })
    )) as CfmModel
    const y = new Rng(1).normals(512 * d)
    const b = model.regressionBatch(y, 512, { rng: new Rng(2), step: 0, steps: 10 })
    // all within sigmoid(1.5 ± 5·0.2) = (0.62, 0.92), the median at sigmoid(1.5) = 0.818
    expect(Math.min(...b.t)).toBeGreaterThan(0.62)
    expect(Math.max(...b.t)).toBeLessThan(0.925)
    expect(Float64Array.from(b.t).sort()[256]).toBeCloseTo(0.818, 1)
    model.dispose()
  })

  it('refuses a logit-normal location or scale without time=logit-normal, and keeps their defaults', () => {
    expect(() => resolveParams('cfm', cfm.params, { timeStd: 0.5 })).toThrow(
      /"timeStd" applies only with time=logit-normal \(time is "uniform"\)/
    )
    expect(resolveParams('cfm', cfm.params, { time: 'logit-normal', timeStd: 0.5 }).timeStd).toBe(0.5)
    // a stored config carries every parameter at its default: that resolves
    const stored = resolveParams('cfm', cfm.params, {})
    expect(resolveParams('cfm', cfm.params, stored)).toEqual(stored)
  })

  it('refuses weights that name an unknown prediction', async () => {
    const model = await cfm.create(modelSpec(cfm, d, small))
    const w = { ...JSON.parse(JSON.stringify(model.toJSON())), predict: 'noise' }
    expect(() => cfm.restore(w, modelSpec(cfm, d, small))).toThrow(/unknown prediction "noise"/)
    model.dispose()
  })
})

it('cfm models transport given noise deterministically; the ddpm sampler defines no transport', async () => {
  const model = await ddpm.create(modelSpec(ddpm, d, small))
  expect(isFlowModel(model)).toBe(true)
  if (!isFlowModel(model)) return
  const z = new Rng(1).normals(8)
  expect(Array.from(model.transport(z, { sampler: 'ddim', steps: 3 }))).toEqual(
    Array.from(model.transport(z, { sampler: 'ddim', steps: 3 }))
  )
  expect(() => model.transport(z, { sampler: 'ddpm', steps: 3 })).toThrow(/stochastic/)
  model.dispose()
})

describe('reflow and distill', () => {
  let teacher: TrainableModel
  let ddpmTeacher: TrainableModel
  let loadRun: ModelSpec['loadRun']

  beforeAll(async () => {
    teacher = await cfm.create(modelSpec(cfm, d, small))
    trainFew(teacher, 5)
    ddpmTeacher = await ddpm.create(modelSpec(ddpm, d, small))
    trainFew(ddpmTeacher, 5)
    loadRun = memoryRuns({
      t1: { objective: 'cfm', model: teacher },
      t2: { objective: 'ddpm', model: ddpmTeacher }
    })
  })

  const teacherSpec = (obj: ModelObjective, params: Record<string, unknown>): ModelSpec =>
    modelSpec(obj, d, { ...small, params: { pool: 64, teacherSteps: 4, ...params } }, loadRun)

  it('reflow starts from its cfm teacher: before training, it samples exactly like it', async () => {
    const model = await reflow.create(teacherSpec(reflow, { teacher: 't1' }))
    const opts = { sampler: 'heun' as const, steps: 4 }
    expect(Array.from(model.sample(8, new Rng(2), opts))).toEqual(
      Array.from(teacher.sample(8, new Rng(2), opts))
    )
    expect(Number.isFinite(trainFew(model, 3))).toBe(true)
    const w = JSON.parse(JSON.stringify(model.toJSON()))
    expect(w).toMatchObject({ kind: 'reflow', teacher: 't1' })
    const copy = reflow.restore(w, {
      dim: d,
      model: teacherSpec(reflow, {}).model,
      params: {},
      lr: 1e-3,
      batch: 32
    })
    expect(() => trainFew(copy, 1)).toThrow(/restored for sampling/)
    model.dispose()
    copy.dispose()
  })

  it('reflow learns from a ddpm teacher from scratch', async () => {
    const model = await reflow.create(teacherSpec(reflow, { teacher: 't2' }))
    expect(Number.isFinite(trainFew(model, 2))).toBe(true)
    model.dispose()
  })

  it('distill trains a one-step map stored as phi, refreshing its pool without leaking tensors', async () => {
    const before = tf.memory().numTensors
    const model = await distill.create(teacherSpec(distill, { teacher: 't1', refreshEvery: 2 }))
    expect(model.samplers).toEqual(['onestep'])
    expect(Number.isFinite(trainFew(model, 5))).toBe(true)
    const w = JSON.parse(JSON.stringify(model.toJSON()))
    expect(w.kind).toBe('distill')
    expect(w.phi.spec).toMatchObject({ inDim: d, outDim: d })
    expect(w.phi.layers.length).toBe(3)
    expect(() => model.sample(4, new Rng(1), { sampler: 'heun', steps: 4 })).toThrow(ConfigError)
    model.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it.each([
    [{}, /--set teacher=/],
    [{ teacher: 'nope' }, /No run nope/],
    [{ teacher: 't2', teacherSampler: 'ddim' }, null],
    [{ teacher: 't1', teacherSampler: 'ddim' }, null]
  ])('teacher settings %j', async (params, error) => {
    const p = distill.create(teacherSpec(distill, params))
    if (error) await expect(p).rejects.toThrow(error)
    else (await p).dispose()
  })

  it('teaches from any registered objective that declares capabilities.teacher, and only those', async () => {
    const mine: ModelObjective = { ...cfm, id: 'my-flow', capabilities: { teacher: true } }
    const plain: ModelObjective = { ...cfm, id: 'my-plain', capabilities: {} }
    registerObjective(mine)
    registerObjective(plain)
    try {
      const runs = memoryRuns({
        m: { objective: 'my-flow', model: teacher },
        p: { objective: 'my-plain', model: teacher }
      })
      const spec = (t: string): ModelSpec =>
        modelSpec(distill, d, { ...small, params: { pool: 64, teacherSteps: 2, teacher: t } }, runs)
      ;(await distill.create(spec('m'))).dispose()
      await expect(distill.create(spec('p'))).rejects.toThrow(
        /^Run p was trained with my-plain, which cannot teach; use a run of .*\bcfm\b.*my-flow\.$/
      )
      expect(hasOrtStep(mine)).toBe(false)
      expect(hasOrtStep({ ...plain, capabilities: { ortTrain: true } })).toBe(true)
    } finally {
      unregisterObjective('my-flow')
      unregisterObjective('my-plain')
    }
    const ort = allObjectives()
      .filter(hasOrtStep)
      .map((o) => o.id)
    expect(ort).toEqual(expect.arrayContaining(['cfm', 'ot-cfm', 'reflow', 'ddpm', 'distill']))
    expect(ort).not.toContain('energy')
    expect(ort).not.toContain('realnvp')
  })

  it('needs a run store and a flow teacher of the same dimension', async () => {
    const spec = teacherSpec(distill, { teacher: 't1' })
    delete spec.loadRun
    delete spec.restoreRun
    await expect(distill.create(spec)).rejects.toThrow(/run store/)
    const wrong = memoryRuns({ x: { objective: 'energy', model: teacher } })
    await expect(distill.create(modelSpec(distill, d, { params: { teacher: 'x' } }, wrong))).rejects.toThrow(
      /^Run x was trained with energy, which cannot teach; use a run of ddpm, cfm, /
    )
    await expect(
      distill.create(modelSpec(distill, 3, { params: { teacher: 't1' } }, loadRun))
    ).rejects.toThrow(/dimension 3/)
  })
})
