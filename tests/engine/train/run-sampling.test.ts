import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import type { FlowModel } from '../../../src/engine/objectives/flows/common'
import { liveSource, OrtSampler } from '../../../src/engine/onnx/live-sampler'
import { maxAbsDiff } from '../../../src/engine/onnx/runtime'
import { samplerTolerance } from '../../../src/engine/onnx/run-graph'
import type { SampleOptions } from '../../../src/engine/objectives/types'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { openRun, runSampling, sampleRun } from '../../../src/engine/train/evaluate'
import { RunSampling, samplingEngine } from '../../../src/engine/train/run-sampling'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

const ds = generateBuiltin('moons', 2000, 0)
const unit = { mean: [0, 0], std: [1, 1] }
let root: string
let store: RunStore
const ids: Record<string, string> = {}
const logs: Record<string, string[]> = {}

beforeAll(async () => {
  await initBackend('auto')
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-ortsample-'))
  store = new RunStore(path.join(root, 'runs'))
  for (const objective of ['cfm', 'energy', 'vae']) {
    // The VAE draws its decoder noise too: a sampler its one-step graph (the decoder mean) is not.
    const params = objective === 'vae' ? { sampleNoise: true } : {}
    const config = makeRunConfig(ds, { objective, params, steps: 30, batch: 128, seed: 2, evalEvery: 15 })
    logs[objective] = []
    const r = await trainRun(ds, config, {
      store,
      evalPoints: 200,
      sampling: 'onnxruntime',
      log: (m) => logs[objective]!.push(m)
    })
    ids[objective] = r.runId!
  }
})

afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('sampling through onnxruntime', () => {
  it('a flow run: Heun K = 100 equals the engine on the same seeded noise, one session per weights', async () => {
    const open = await openRun(store, ids.cfm!)
    const s = runSampling(open, 'onnxruntime')
    try {
      const opts = { sampler: 'heun' as const, steps: 100 }
      const js = open.model.sample(300, new Rng(11), opts)
      const ort = await s.sample(300, new Rng(11), opts)
      expect(ort.length).toBe(js.length)
      expect(maxAbsDiff(ort, js)).toBeLessThanOrEqual(samplerTolerance(unit, 200))
      expect(s.lastRun?.nfe).toBe(200)
      // Same weights, same key: the session is reused; other noise gives other samples.
      const again = await s.sample(300, new Rng(12), opts)
      expect(s.ortTime!.builds).toBe(1)
      expect(maxAbsDiff(again, ort)).toBeGreaterThan(0.1)
      // A new weights version rebuilds the graph (no re-check) and still matches.
      s.version = 1
      expect(maxAbsDiff(await s.sample(300, new Rng(11), opts), js)).toBeLessThanOrEqual(
        samplerTolerance(unit, 200)
      )
      expect(s.ortTime!.builds).toBe(2)
    } finally {
      await s.dispose()
      open.dispose()
    }
  })

  it("a flow's transport of given noise (a distillation pool's pairs) equals the engine's", async () => {
    const open = await openRun(store, ids.cfm!)
    const ort = new OrtSampler(() => liveSource(open.model, open.config))
    try {
      const opts = { sampler: 'heun' as const, steps: 16 }
      const z = new Rng(8).normals(400 * 2)
      const js = (open.model as unknown as FlowModel).transport(z, opts)
      const r = await ort.transport(z, opts)
      expect(r!.nfe).toBe(32)
      expect(maxAbsDiff(r!.data, js)).toBeLessThanOrEqual(samplerTolerance(unit, 32))
    } finally {
      await ort.dispose()
      open.dispose()
    }
  })

  it('a one-step map equals the engine on the same seeded noise', async () => {
    const open = await openRun(store, ids.energy!)
    const s = runSampling(open, 'onnxruntime')
    try {
      const opts = { sampler: 'onestep' as const, steps: 1 }
      const js = open.model.sample(500, new Rng(3), opts)
      const ort = await s.sample(500, new Rng(3), opts)
      expect(maxAbsDiff(ort, js)).toBeLessThanOrEqual(1e-4)
      expect(s.ortTime!.builds).toBe(1)
    } finally {
      await s.dispose()
      open.dispose()
    }
  })

  it('falls back to the engine where the graph is not the sampler (a VAE adds its sampling noise)', async () => {
    const open = await openRun(store, ids.vae!)
    const messages: string[] = []
    const s = new RunSampling(() => open.model, open.config, {
      engine: 'onnxruntime',
      log: (m) => messages.push(m)
    })
    try {
      const opts = { sampler: 'onestep' as const, steps: 1 }
      const js = open.model.sample(200, new Rng(4), opts)
      expect(Array.from(await s.sample(200, new Rng(4), opts))).toEqual(Array.from(js))
      expect(s.ortTime!.builds).toBe(0)
      expect(messages).toHaveLength(1)
      expect(messages[0]).toMatch(/^sampling through TensorFlow\.js \(its onnxruntime graph differs/)
    } finally {
      await s.dispose()
      open.dispose()
    }
  })

  it('a check on diverged samples is deferred to the next weights, not a refusal for the whole run', async () => {
    const open = await openRun(store, ids.cfm!)
    // The engine's reference as a diverged model gives it (early training at 784-D: |x| ~ 1e24), then sane
    // but off by 0.5 (a wrong graph), then sane and right.
    let reference: (x: Float32Array) => Float32Array = (x) => x.map((v) => v * 1e24)
    const model = new Proxy(open.model, {
      get(target, p) {
        if (p === 'sample')
          return (n: number, rng: Rng, o: SampleOptions) => reference(target.sample(n, rng, o))
        const v: unknown = Reflect.get(target, p)
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      }
    })
    const messages: string[] = []
    const ort = new OrtSampler(() => liveSource(model, open.config), { log: (m) => messages.push(m) })
    try {
      const opts = { sampler: 'heun' as const, steps: 8 }
      const js = open.model.sample(50, new Rng(6), opts)
      const first = await ort.sample(50, new Rng(6), opts, 0)
      expect(first).not.toBeNull()
      expect(maxAbsDiff(first!.data, js)).toBeLessThanOrEqual(samplerTolerance(unit, 16))
      expect(messages).toHaveLength(1)
      expect(messages[0]).toMatch(/check of heun K = 8 deferred: the model's samples diverge/)
      // The next weights are sane: checked again, and a real mismatch still refuses.
      reference = (x) => x.map((v) => v + 0.5)
      expect(await ort.sample(50, new Rng(6), opts, 1)).toBeNull()
      expect(messages[1]).toMatch(/^sampling through TensorFlow\.js \(its onnxruntime graph differs/)
      // Another key: deferred, then passed on sane weights, then never checked again.
      const euler = { sampler: 'euler' as const, steps: 4 }
      reference = (x) => x.fill(Number.NaN)
      expect(await ort.sample(20, new Rng(7), euler, 0)).not.toBeNull()
      reference = (x) => x
      expect(await ort.sample(20, new Rng(7), euler, 1)).not.toBeNull()
      reference = (x) => x.map((v) => v + 0.5)
      expect(await ort.sample(20, new Rng(7), euler, 2)).not.toBeNull()
      expect(ort.time.builds).toBe(4)
    } finally {
      await ort.dispose()
      open.dispose()
    }
  })

  it('an adaptive sampler (its steps chosen per batch) samples through the engine', async () => {
    const open = await openRun(store, ids.cfm!)
    const s = runSampling(open, 'onnxruntime')
    try {
      const opts = { sampler: 'dopri5' as const, steps: 20 }
      const js = open.model.sample(50, new Rng(5), opts)
      expect(Array.from(await s.sample(50, new Rng(5), opts))).toEqual(Array.from(js))
      expect(s.ortTime!.builds).toBe(0)
    } finally {
      await s.dispose()
      open.dispose()
    }
  })

  it('pfm sample is the same through either engine', async () => {
    const a = await sampleRun(store, ids.cfm!, 100, { engine: 'onnxruntime', sampler: 'euler', steps: 8 })
    const b = await sampleRun(store, ids.cfm!, 100, { engine: 'tfjs', sampler: 'euler', steps: 8 })
    expect(a.nfe).toBe(8)
    const stats = store.load(ids.cfm!).standardization!
    expect(maxAbsDiff(a.points.data, b.points.data)).toBeLessThanOrEqual(samplerTolerance(stats, 8))
    expect(maxAbsDiff(a.points.data, b.points.data)).toBeGreaterThan(0)
  })

  it('the run log states the share of wall time spent sampling and evaluating', () => {
    const line = logs.cfm!.find((m) => m.startsWith('sampling and evaluation'))
    const m =
      /: (\d+\.\d) s of \d+\.\d s \(\d+\.\d %; during training (\d+\.\d) s = \d+\.\d %, final evaluation and diagnostics (\d+\.\d) s = \d+\.\d %\); onnxruntime sampled: \d+ graph builds/.exec(
        line!
      )
    expect(m, line).not.toBeNull()
    // the two parts make the whole (each rounded to 0.1 s)
    const [all, during, final] = m!.slice(1).map(Number)
    expect(Math.abs(during! + final! - all!)).toBeLessThanOrEqual(0.11)
    expect(final!).toBeGreaterThan(0)
    // One per weights sampled: 9 snapshots (the one at step 15 shares the evaluation's session) and the end.
    expect(Number(/(\d+) graph builds/.exec(line!)![1])).toBe(10)
    expect(logs.vae!.some((m) => m.endsWith('sampled through TensorFlow.js'))).toBe(true)
  })

  it('auto samples through onnxruntime from 64 dimensions (images), the toys through the engine', () => {
    expect(samplingEngine('auto', 2)).toBe('tfjs')
    expect(samplingEngine('auto', 196)).toBe('onnxruntime')
    expect(samplingEngine('tfjs', 784)).toBe('tfjs')
  })
})
