/**
 * distill's start from its teacher (`init=teacher`, teacher.ts `teacherStartMap`): the one-step map begins as
 * the teacher's clean-sample prediction at the noise end, a plain MLP for a clean-sample teacher and a residual
 * one (z + v(z, 0)) for a velocity teacher, and falls back to random weights, saying why, where no such map
 * exists or the networks differ.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { ConfigError } from '../../../src/engine/errors'
import { cfm, ddpm, distill } from '../../../src/engine/objectives/flows'
import type { CfmModel } from '../../../src/engine/objectives/flows/cfm'
import type { DistillModel } from '../../../src/engine/objectives/flows/distill'
import { Rng } from '../../../src/engine/rng'
import type { ModelSpec, TrainableModel } from '../../../src/engine/objectives/types'
import { keepSane, logDropped } from '../../../src/engine/objectives/flows/teacher'
import { modelSpec } from './helpers'

beforeAll(async () => {
  await initBackend('auto')
})

const d = 2
const small = { model: { width: 16, depth: 2 } }

/** Two well-separated blobs: the flow's mean prediction at t = 0 is far from every sample. */
function blobs(n: number, rng: Rng): Float32Array {
  const y = rng.normals(n * d).map((v) => 0.15 * v)
  for (let i = 0; i < n; i++) y[i * d] += i % 2 === 0 ? 1.5 : -1.5
  return y
}

function train(model: TrainableModel, steps: number, seed = 3, data = true): number {
  const rng = new Rng(seed)
  let loss = NaN
  for (let step = 0; step < steps; step++) {
    const y = tf.tensor2d(data ? blobs(64, rng) : new Float32Array(64 * d), [64, d])
    try {
      loss = model.step(y, { rng, step, steps }).loss
    } finally {
      y.dispose()
    }
  }
  return loss
}

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

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

describe('distill init=teacher', () => {
  let dataTeacher: CfmModel
  let velocityTeacher: CfmModel
  let ddpmTeacher: TrainableModel
  let loadRun: ModelSpec['loadRun']

  beforeAll(async () => {
    dataTeacher = (await cfm.create(modelSpec(cfm, d, { ...small, params: { predict: 'data' } }))) as CfmModel
    velocityTeacher = (await cfm.create(modelSpec(cfm, d, small))) as CfmModel
    ddpmTeacher = await ddpm.create(modelSpec(ddpm, d, small))
    for (const t of [dataTeacher, velocityTeacher, ddpmTeacher]) train(t, 60)
    loadRun = memoryRuns({
      data: { objective: 'cfm', model: dataTeacher },
      velocity: { objective: 'cfm', model: velocityTeacher },
      ddpm: { objective: 'ddpm', model: ddpmTeacher }
    })
  })

  const create = async (
    params: Record<string, unknown>,
    model: Record<string, unknown> = small.model
  ): Promise<{ student: DistillModel; log: string[] }> => {
    const log: string[] = []
    const spec = modelSpec(distill, d, { model, params: { pool: 256, teacherSteps: 8, ...params } }, loadRun)
    const student = (await distill.create({ ...spec, log: (m) => log.push(m) })) as DistillModel
    return { student, log }
  }

  it("a clean-sample teacher's start is a plain MLP that reproduces its prediction at t = 0", async () => {
    const { student, log } = await create({ teacher: 'data', init: 'teacher' })
    const z = new Rng(9).normals(16 * d)
    const want = dataTeacher.predict(z, 0)
    const got = student.transport(z)
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5)
    // the prediction does depend on z (features, not a constant), and it is not the teacher's sample
    expect(maxAbsDiff(want.subarray(0, d), want.subarray(d, 2 * d))).toBeGreaterThan(1e-4)
    const w = JSON.parse(JSON.stringify(student.toJSON()))
    expect(w.phi.spec).toMatchObject({ inDim: d, outDim: d, width: 16, depth: 2 })
    expect(w.phi.spec.residual).toBeUndefined()
    expect(log.join('\n')).toMatch(/starts from teacher data's clean-sample prediction at the noise end\.$/m)
    student.dispose()
  })

  it('a velocity teacher starts a residual map z + v(z, 0), and the onnxruntime step regresses χ(z) − z', async () => {
    const { student, log } = await create({ teacher: 'velocity', init: 'teacher' })
    const z = new Rng(9).normals(16 * d)
    const v = velocityTeacher.predict(z, 0)
    const got = student.transport(z)
    expect(
      maxAbsDiff(
        got,
        z.map((x, i) => x + v[i]!)
      )
    ).toBeLessThan(1e-5)
    expect(student.toJSON().phi.spec).toMatchObject({ residual: true })
    expect(log.join('\n')).toMatch(/residual: z \+ v\(z, 0\)/)
    const spec = student.regression()
    const rng = new Rng(4)
    const pairs = student.regressionPairs(8, { rng: new Rng(4), step: 0, steps: 1 })
    const b = spec.batch(tf.zeros([8, d]) as tf.Tensor2D, { rng, step: 0, steps: 1 })
    expect(Array.from(b.input)).toEqual(Array.from(pairs.z))
    expect(
      maxAbsDiff(
        b.target,
        pairs.x.map((x, i) => x - pairs.z[i]!)
      )
    ).toBeLessThan(1e-6)
    student.dispose()
  })

  it.each([
    ['ddpm', {}, /ddpm|prediction at t = 1/],
    ['data', { width: 8, depth: 2 }, /teacher's network is 16×2 silu, this run's 8×2 silu/]
  ])('teacher %s, network %j: random weights, and the log says why', async (teacher, model, why) => {
    const { student, log } = await create({ teacher, init: 'teacher' }, { ...small.model, ...model })
    expect(log.join('\n')).toMatch(/init=teacher does not apply \(.*\); the map starts from random weights\./)
    expect(log.join('\n')).toMatch(why)
    expect(Number.isFinite(train(student, 2))).toBe(true)
    student.dispose()
  })

  it('from the teacher, a short distillation ends closer to the teacher than from random weights', async () => {
    const runs = await Promise.all(
      (['teacher', 'random'] as const).map(async (init) => {
        const { student } = await create({ teacher: 'data', init, teacherSteps: 8 })
        train(student, 40, 5, false)
        const z = new Rng(11).normals(512 * d)
        const x = student.transport(z)
        const t = dataTeacher.transport(z, { sampler: 'heun', steps: 8 })
        student.dispose()
        return x.reduce((s, v, i) => s + (v - t[i]!) ** 2, 0) / 512
      })
    )
    expect(runs[0]).toBeLessThan(0.5 * runs[1]!)
  })
})

describe('teacher pairs', () => {
  it('leave out the pairs whose teacher sample diverged, keeping each z with its own sample', () => {
    const z = Float32Array.from({ length: 5 * d }, (_, i) => i)
    const x = Float32Array.from(z, (v) => 10 * v)
    x[1 * d + 1] = NaN
    x[3 * d] = 1e24
    const pool = keepSane(z, x, d)
    expect(pool.n).toBe(3)
    expect(pool.dropped).toBe(2)
    expect(Array.from(pool.z)).toEqual([0, 1, 4, 5, 8, 9])
    expect(Array.from(pool.x)).toEqual([0, 10, 40, 50, 80, 90])
    const lines: string[] = []
    logDropped('distill', pool, (l) => lines.push(l))
    expect(lines).toEqual([
      'distill: left out 2 of 5 teacher pairs whose sample diverged (a value not finite or beyond ±1000).'
    ])
    // a sane pool is returned whole, and says nothing
    const sane = keepSane(new Float32Array(4), new Float32Array([1, -999, 3, 4]), d)
    expect(sane.n).toBe(2)
    expect(sane.dropped).toBeUndefined()
  })

  it('refuse a teacher whose every sample diverged', () => {
    const x = new Float32Array([Infinity, 0, 0, 2e3])
    expect(() => keepSane(new Float32Array(4), x, d)).toThrow(ConfigError)
    expect(() => keepSane(new Float32Array(4), x, d)).toThrow(/Every one of the teacher's 2 samples diverged/)
  })
})
