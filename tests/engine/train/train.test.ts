import { describe, expect, it, beforeAll } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import {
  CancelledError,
  ConfigError,
  DivergenceError,
  NonFiniteSamplesError
} from '../../../src/engine/errors'
import {
  findObjective,
  registerObjective,
  unregisterObjective
} from '../../../src/engine/objectives/registry'
import type { ModelObjective, PushforwardObjective } from '../../../src/engine/objectives/types'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun, sampleRun } from '../../../src/engine/train/evaluate'
import {
  DEFAULT_EVALUATIONS,
  LOSS_LINES,
  makeRunConfig,
  scoreModel,
  trainRun
} from '../../../src/engine/train/train'
import type { SamplingModel } from '../../../src/engine/train/run-sampling'
import { Rng } from '../../../src/engine/rng'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-train-'))

beforeAll(async () => {
  await initBackend('auto')
})

describe('training loop', () => {
  const ds = generateBuiltin('8gaussians', 6000, 0)
  /**
   * Points of a held-out evaluation where the figures are not what a test asserts: each of a run's default
   * eight evaluations on all 1 200 held-out points costs ~0.5 s (pairwise metrics), on 200 ~36× less.
   */
  const EVAL_POINTS = 200

  it('is reproducible from its seed and differs across seeds', async () => {
    const cfg = (seed: number) => makeRunConfig(ds, { objective: 'energy', steps: 30, batch: 64, seed })
    // The default held-out evaluations stay (their stream must not disturb training's), on EVAL_POINTS points.
    const a = await trainRun(ds, cfg(5), { evalPoints: EVAL_POINTS })
    const b = await trainRun(ds, cfg(5), { evalPoints: EVAL_POINTS })
    const c = await trainRun(ds, cfg(6), { evalPoints: EVAL_POINTS })
    expect(a.finalLoss).toBe(b.finalLoss)
    expect(Array.from(a.samples.data.slice(0, 10))).toEqual(Array.from(b.samples.data.slice(0, 10)))
    expect(c.finalLoss).not.toBe(a.finalLoss)
  })

  it('scales the default evaluation interval to the budget: a short run gets a held-out curve, not a dot', async () => {
    const every = (steps: number, evalEvery?: number): number =>
      makeRunConfig(ds, { objective: 'energy', steps, ...(evalEvery !== undefined ? { evalEvery } : {}) })
        .evalEvery
    expect(every(80)).toBe(10)
    expect(every(3000)).toBe(375)
    expect(every(3)).toBe(1)
    expect(every(80, 0)).toBe(0) // an explicit 0 still means only at the end
    expect(every(80, 25)).toBe(25)
    const evals: number[] = []
    await trainRun(ds, makeRunConfig(ds, { objective: 'energy', steps: 16, batch: 32, seed: 1 }), {
      evalPoints: EVAL_POINTS,
      onProgress: (p) => void (p.metrics && evals.push(p.step))
    })
    // Seven evaluations during training; the eighth is the final scoring every run gets.
    expect(evals).toEqual([2, 4, 6, 8, 10, 12, 14])
    expect(evals).toHaveLength(DEFAULT_EVALUATIONS - 1)
  })

  it('the loss falls', async () => {
    const losses: number[] = []
    const config = makeRunConfig(ds, { objective: 'mmd', steps: 200, batch: 128, seed: 2 })
    await trainRun(ds, config, { evalPoints: EVAL_POINTS, onProgress: (p) => losses.push(p.loss) })
    const first = losses[0]!
    const last = losses[losses.length - 1]!
    expect(last).toBeLessThan(first * 0.5)
  })

  it('leaks no tensors over a run', async () => {
    const config = makeRunConfig(ds, { objective: 'sliced-w2', steps: 20, batch: 64, seed: 3 })
    await trainRun(ds, config, { evalPoints: EVAL_POINTS }) // warm-up: kernels, optimizer slots
    const before = tf.memory().numTensors
    await trainRun(ds, config, { evalPoints: EVAL_POINTS }) // with its default held-out evaluations
    expect(tf.memory().numTensors).toBe(before)
  })

  it('stores the run with config, backend, metrics log, weights and samples; eval and sample re-open it', async () => {
    const store = new RunStore(tmp())
    const config = makeRunConfig(ds, { objective: 'energy', steps: 40, batch: 64, seed: 4, evalEvery: 20 })
    const r = await trainRun(ds, config, { store })
    const run = store.load(r.runId!)
    expect(run.status).toBe('completed')
    expect(run.backend).toBe(r.backend)
    expect(run.config.objective).toBe('energy')
    expect(run.standardization!.mean).toHaveLength(2)
    const log = store.readMetricsLog(r.runId!)
    expect(log.records.some((x) => x.metrics?.energy !== undefined)).toBe(true)
    expect(log.records.filter((x) => x.metrics).every((x) => x.metrics!.modes === 8)).toBe(true)
    // 8gaussians has known modes: their coverage is stored with the run's metrics and re-derived by eval.
    expect(run.result!.metrics!.modes).toBe(8)
    expect(run.result!.metrics!.modesCovered).toBeGreaterThanOrEqual(0)
    expect(run.result!.metrics!.highQuality).toBeGreaterThan(0)
    const again = await evaluateRun(store, r.runId!, { seed: 4 })
    expect(again.metrics.energyGaussian).toBeGreaterThan(0)
    expect(again.metrics.modes).toBe(8)
    expect(again.sampler).toEqual({ sampler: 'onestep', steps: 1 })
    const s = await sampleRun(store, r.runId!, 500)
    expect(s.points.n).toBe(500)
    // samples come back in data units: 8gaussians spans roughly ±4 / 1.414 · … → spread well beyond unit scale
    let maxAbs = 0
    for (const v of s.points.data) maxAbs = Math.max(maxAbs, Math.abs(v))
    expect(maxAbs).toBeGreaterThan(1.5)
  })

  it('cancels through its AbortSignal and keeps the run as cancelled', async () => {
    const store = new RunStore(tmp())
    const ac = new AbortController()
    const config = makeRunConfig(ds, { objective: 'energy', steps: 100_000, batch: 64, seed: 5 })
    const p = trainRun(ds, config, {
      store,
      signal: ac.signal,
      onProgress: (x) => {
        if (x.step >= 5) ac.abort()
      }
    })
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    const [run] = store.list().runs
    expect(run!.status).toBe('cancelled')
    expect(store.readWeights<{ kind: string }>(run!.id).kind).toBe('pushforward-mlp')
    // stopped before any held-out evaluation: no figures to keep
    expect([run!.metrics, run!.metricsStep]).toEqual([null, null])
  })

  it('a run cancelled after a held-out evaluation keeps its figures and says at which step', async () => {
    const store = new RunStore(tmp())
    const ac = new AbortController()
    const config = makeRunConfig(ds, { objective: 'energy', steps: 1000, batch: 64, seed: 5, evalEvery: 20 })
    const evaluated: { step: number; energy: number }[] = []
    const p = trainRun(ds, config, {
      store,
      signal: ac.signal,
      evalPoints: 200,
      onProgress: (x) => {
        if (x.metrics) evaluated.push({ step: x.step, energy: x.metrics.energy })
        if (x.step === 40) ac.abort() // an evaluation step: reported whatever the clock
      }
    })
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    const [run] = store.list().runs
    expect(run!.status).toBe('cancelled')
    expect(evaluated.map((e) => e.step)).toEqual([20, 40])
    expect(run!.metricsStep).toBe(40)
    expect(run!.metrics!.energy).toBe(evaluated[1]!.energy)
    expect(store.load(run!.id).result!.stepsDone).toBe(40)
  })

  it('logs the loss curve as the mean of the steps since the last line, at least every budget/200 steps', async () => {
    // A registered objective whose loss at (0-based) step k is k, with no gradient: each line must read the mean
    // of the steps it covers, not the last batch's value.
    const energy = findObjective('energy') as PushforwardObjective
    registerObjective({
      ...energy,
      id: 'test-loss-is-step',
      loss: (x, _y, _p, ctx) => tf.add(tf.mul(tf.sum(x), 0), ctx.step)
    })
    try {
      const store = new RunStore(tmp())
      const config = makeRunConfig(ds, { objective: 'test-loss-is-step', steps: 400, batch: 16, seed: 6 })
      const r = await trainRun(ds, config, { store, evalPoints: 100 })
      const lines = store.readMetricsLog(r.runId!).records
      expect(LOSS_LINES).toBe(200)
      const steps = lines.map((l) => l.step)
      for (let s = 2; s <= 400; s += 2) expect(steps).toContain(s)
      let prev = 0
      let prevLoss = NaN
      for (const l of lines) {
        // the mean of k = prev … step − 1; the final evaluation's line repeats the last line's
        if (l.step === prev) expect(l.loss).toBe(prevLoss)
        else expect(l.loss).toBeCloseTo((prev + l.step - 1) / 2, 3)
        prev = l.step
        prevLoss = l.loss
      }
    } finally {
      unregisterObjective('test-loss-is-step')
    }
  })

  it('stops on NaN with a clear error and keeps the last finite weights', async () => {
    // A registered objective that is the energy distance until step 60, then NaN.
    const energy = findObjective('energy') as PushforwardObjective
    registerObjective({
      ...energy,
      id: 'test-nan-at-60',
      loss: (x, y, p, ctx) => (ctx.step < 60 ? energy.loss(x, y, {}, ctx) : tf.mul(tf.sum(x), NaN))
    })
    try {
      const store = new RunStore(tmp())
      const config = makeRunConfig(ds, { objective: 'test-nan-at-60', steps: 500, batch: 64, seed: 6 })
      const p = trainRun(ds, config, { store })
      await expect(p).rejects.toBeInstanceOf(DivergenceError)
      await expect(p).rejects.toThrow(
        /diverged at step 60 \(loss is NaN\); kept the last finite weights from step 50/
      )
      const [run] = store.list().runs
      expect(run!.status).toBe('failed')
      expect(run!.error?.code).toBe('DIVERGED')
      const w = store.readWeights<{ phi: { layers: { w: number[] }[] } }>(run!.id)
      expect(w.phi.layers.every((l) => l.w.every(Number.isFinite))).toBe(true)
      // the kept checkpoint is usable: eval re-opens it
      const e = await evaluateRun(store, run!.id, { n: 500 })
      expect(Number.isFinite(e.metrics.energy)).toBe(true)
    } finally {
      unregisterObjective('test-nan-at-60')
    }
  })

  it('a held-out evaluation whose samples are not finite is logged and recorded, and training goes on', async () => {
    // cfm whose first held-out sample (100 rows) comes back with one NaN, as an exploding sampler would
    const cfm = findObjective('cfm') as ModelObjective
    let evals = 0
    registerObjective({
      ...cfm,
      id: 'test-nan-samples',
      async create(spec) {
        const m = await cfm.create(spec)
        const sample = m.sample.bind(m)
        m.sample = (n, rng, opts) => {
          const x = sample(n, rng, opts)
          if (n === 100 && evals++ === 0) x[3] = NaN
          return x
        }
        return m
      }
    })
    try {
      const store = new RunStore(tmp())
      const config = makeRunConfig(ds, {
        objective: 'test-nan-samples',
        steps: 30,
        batch: 64,
        seed: 2,
        evalEvery: 10,
        backend: 'cpu',
        model: { width: 16, depth: 1 }
      })
      const logs: string[] = []
      const r = await trainRun(ds, config, {
        store,
        evalPoints: 100,
        sampling: 'tfjs',
        log: (m) => void logs.push(m)
      })
      expect(logs.filter((m) => /held-out evaluation skipped/.test(m))).toEqual([
        'step 10: held-out evaluation skipped: 1 of 100 samples hold values that are not finite (NaN or ±Inf): nothing to score.'
      ])
      const run = store.load(r.runId!)
      expect(run.status).toBe('completed')
      const recs = fs
        .readFileSync(path.join(run.dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((x) => x.metrics || x.evalError)
      expect(recs.map((x) => [x.step, x.evalError !== undefined])).toEqual([
        [10, true],
        [20, false],
        [30, false]
      ])
      expect(Number.isFinite(r.metrics.energy)).toBe(true)
    } finally {
      unregisterObjective('test-nan-samples')
    }
  })

  it('scoring samples that are not finite fails with the number of such rows', async () => {
    const model = {
      samplers: ['onestep'],
      defaultSteps: 1,
      sample: async (n: number) =>
        Float32Array.from({ length: n * 2 }, (_, i) => (i === 7 || i === 9 ? Infinity : 0))
    } as unknown as SamplingModel
    const pts = { n: 10, d: 2, data: new Float32Array(20) }
    await expect(scoreModel(model, pts, pts, 10, new Rng(1))).rejects.toThrow(
      new NonFiniteSamplesError(2, 10).message
    )
  })

  it('rejects bad configurations before creating a run', async () => {
    const root = tmp()
    const store = new RunStore(root)
    expect(() => makeRunConfig(ds, { objective: 'nope' })).toThrow(ConfigError)
    expect(() => makeRunConfig(ds, { objective: 'mmd', params: { bogus: 1 } })).toThrow(
      /no parameter "bogus"/
    )
    expect(() => makeRunConfig(ds, { objective: 'energy', batch: 1 })).toThrow(/batch/)
    // Too few rows to train at all (a batch larger than the training rows is capped: see small-data.test.ts).
    const tiny = generateBuiltin('moons', 2, 0)
    const config = makeRunConfig(tiny, { objective: 'energy', batch: 256 })
    await expect(trainRun(tiny, config, { store })).rejects.toThrow(
      /1 training row after holding out 1; training needs at least 2/
    )
    expect(store.list().runs).toHaveLength(0)
  })
})
