/**
 * Checkpoints and `--resume` (src/engine/train/resume.ts): a run stopped at a checkpoint and resumed ends
 * bit-identical to the same run trained without a stop — weights, samples, held-out metrics, snapshots and
 * the best checkpoint — on both training paths (TensorFlow.js and onnxruntime's graph step). A crashed run is
 * listed with its checkpoint step and is evaluated and sampled from it. Small budgets: ~60 steps.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun, sampleRun } from '../../../src/engine/train/evaluate'
import { resumeRun } from '../../../src/engine/train/resume'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import type { RunConfig } from '../../../src/engine/train/config'
import { deadPid, removeTempRoots, tempRoot } from '../store/helpers'

afterEach(removeTempRoots)
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
beforeAll(async () => {
  await initBackend('cpu')
})

// A built-in is generated from the run's seed (as `pfm train` does), so resume regenerates the same points.
const ds = resolveDataset('8gaussians', { n: 600, seed: 11 })

function config(objective: string, over: Partial<Parameters<typeof makeRunConfig>[1]> = {}): RunConfig {
  return makeRunConfig(ds, {
    objective,
    steps: 60,
    batch: 64,
    seed: 11,
    evalEvery: 20,
    model: { width: 16, depth: 2 },
    backend: 'cpu',
    ...over
  })
}

const read = (dir: string, f: string): string => fs.readFileSync(path.join(dir, f), 'utf8')

/**
 * The uninterrupted run of a configuration, trained once for the file: cfm on onnxruntime at 40 steps is the
 * reference of three tests (resumed, schema 1, and the plain run the dropout case differs from). Its own
 * folder: afterEach removes the tests' temp roots.
 */
const wholeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-resume-whole-'))
afterAll(() => fs.rmSync(wholeRoot, { recursive: true, force: true }))
const wholeRuns = new Map<string, Promise<string>>()
function wholeRun(cfg: RunConfig): Promise<string> {
  const key = JSON.stringify(cfg)
  let dir = wholeRuns.get(key)
  if (!dir) {
    const store = new RunStore(path.join(wholeRoot, String(wholeRuns.size)))
    dir = trainRun(ds, cfg, { store, evalPoints: 100 }).then((a) => store.load(a.runId!).dir)
    wholeRuns.set(key, dir)
  }
  return dir
}

/**
 * Trains `cfg` once through, and once stopped at its first checkpoint then resumed (after `edit` rewrote the
 * checkpoint's JSON, when given); returns both run folders.
 */
async function trainedTwice(
  cfg: RunConfig,
  edit?: (checkpoint: Record<string, unknown>) => unknown
): Promise<{ whole: string; resumed: string; stoppedAt: number }> {
  const whole = await wholeRun(cfg)
  const storeB = new RunStore(tempRoot())
  const ac = new AbortController()
  let first = 0
  await expect(
    trainRun(ds, cfg, {
      store: storeB,
      evalPoints: 100,
      signal: ac.signal,
      onCheckpoint: (s) => {
        first ||= s
        ac.abort()
      }
    })
  ).rejects.toThrow(/cancelled/)
  const id = storeB.list().runs[0]!.id
  expect(storeB.list().runs[0]).toMatchObject({ status: 'cancelled', checkpointStep: first, resumable: true })
  if (edit) {
    const file = path.join(storeB.root, id, 'checkpoint.json')
    fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8')))))
  }
  const r = await resumeRun(storeB, id, { evalPoints: 100 })
  expect(r.resumedFrom).toBe(first)
  return { whole, resumed: storeB.load(id).dir, stoppedAt: first }
}

describe('resume after a stop', () => {
  it.each([
    ['energy', 'cpu'],
    ['cfm', 'onnxruntime'],
    // The one-step families share the flows' optimiser and moving average (flows/ema-model.ts), so their
    // state is stored and restored like cfm's.
    ['shortcut', 'cpu']
  ] as const)(
    '%s on %s: the resumed run ends bit-identical to the uninterrupted one',
    async (objective, backend) => {
      const { whole, resumed, stoppedAt } = await trainedTwice(config(objective, { backend, steps: 40 }))
      expect(stoppedAt).toBe(4) // 10 % of 40 steps
      for (const f of ['weights.json', 'samples.csv', 'snapshots.jsonl', 'weights.best.json'])
        expect(read(resumed, f), f).toBe(read(whole, f))
      const runA = JSON.parse(read(whole, 'run.json'))
      const runB = JSON.parse(read(resumed, 'run.json'))
      expect(runB.status).toBe('completed')
      expect(runB.result.metrics).toEqual(runA.result.metrics)
      expect(runB.best).toEqual(runA.best)
      expect(runB.checkpoint).toBeNull()
      expect(fs.existsSync(path.join(resumed, 'checkpoint.json'))).toBe(false)
      // The held-out evaluations in the log are the same too (the eval stream was restored).
      const evals = (dir: string): unknown[] =>
        read(dir, 'metrics.jsonl')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { step: number; metrics?: unknown })
          .filter((r) => r.metrics)
          .map((r) => [r.step, r.metrics])
      expect(evals(resumed)).toEqual(evals(whole))
    }
  )

  it('cfm with dropout on onnxruntime: its masks come from the run stream, so a resumed run is bit-identical', async () => {
    const cfg = config('cfm', { backend: 'onnxruntime', steps: 40, params: { dropout: 0.2 } })
    const { whole, resumed } = await trainedTwice(cfg)
    for (const f of ['weights.json', 'samples.csv', 'snapshots.jsonl'])
      expect(read(resumed, f), f).toBe(read(whole, f))
    // the masks are applied: the same run without dropout ends with other weights
    const plainWeights = read(
      await wholeRun(config('cfm', { backend: 'onnxruntime', steps: 40 })),
      'weights.json'
    )
    expect(plainWeights.length).toBeGreaterThan(1000)
    expect(plainWeights).not.toBe(read(whole, 'weights.json'))
  })

  it('stores the state as base64 float32, and still resumes a checkpoint of JSON numbers (schema 1)', async () => {
    let arrays: Record<string, string> = {}
    const { whole, resumed } = await trainedTwice(
      config('cfm', { backend: 'onnxruntime', steps: 40 }),
      (c) => {
        expect(c.schema).toBe(2)
        arrays = (c.state as { arrays: Record<string, string> }).arrays
        const numbers = Object.fromEntries(
          Object.entries(arrays).map(([k, b64]) => {
            const bytes = Buffer.from(b64, 'base64')
            return [k, Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))]
          })
        )
        return { ...c, schema: 1, state: { ...(c.state as object), arrays: numbers } }
      }
    )
    // parameters, Adam moments and the average of each of the 3 layers' W and b: 4 × 6 arrays
    expect(Object.keys(arrays).sort()).toEqual(
      ['p', 'm', 'v', 'a'].flatMap((k) => [0, 1, 2, 3, 4, 5].map((i) => `${k}.${i}`)).sort()
    )
    for (const f of ['weights.json', 'samples.csv', 'snapshots.jsonl'])
      expect(read(resumed, f), f).toBe(read(whole, f))
  })

  it('refuses a checkpoint whose arrays are not base64 float32, naming the entry, and leaves the run', async () => {
    const store = new RunStore(tempRoot())
    const ac = new AbortController()
    await expect(
      trainRun(ds, config('energy'), { store, signal: ac.signal, onCheckpoint: () => ac.abort() })
    ).rejects.toThrow(/cancelled/)
    const id = store.list().runs[0]!.id
    const file = path.join(store.root, id, 'checkpoint.json')
    const c = JSON.parse(fs.readFileSync(file, 'utf8'))
    const key = Object.keys(c.state.arrays)[0]!
    const before = read(path.join(store.root, id), 'run.json')
    for (const [bad, why] of [
      ['not*base64', /is not base64 text/],
      [
        Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64'),
        /holds 6 bytes, not a whole number of float32 values/
      ]
    ] as const) {
      fs.writeFileSync(
        file,
        JSON.stringify({ ...c, state: { ...c.state, arrays: { ...c.state.arrays, [key]: bad } } })
      )
      await expect(resumeRun(store, id)).rejects.toThrow(why)
      await expect(resumeRun(store, id)).rejects.toThrow(`checkpoint.json field "state.arrays.${key}"`)
    }
    expect(read(path.join(store.root, id), 'run.json')).toBe(before)
  })

  it('a crashed run is listed with its checkpoint, evaluated and sampled from it, and resumed', async () => {
    const store = new RunStore(tempRoot())
    const cfg = config('energy')
    const ac = new AbortController()
    await expect(
      trainRun(ds, cfg, {
        store,
        signal: ac.signal,
        checkpoints: { fraction: 0.25, everyMs: 1e9 },
        onCheckpoint: () => ac.abort()
      })
    ).rejects.toThrow(/cancelled/)
    const id = store.list().runs[0]!.id
    // What a kill -9 leaves: run.json still `running`, written by a process that is gone.
    const file = path.join(store.root, id, 'run.json')
    const j = JSON.parse(fs.readFileSync(file, 'utf8'))
    fs.writeFileSync(
      file,
      JSON.stringify({ ...j, status: 'running', pid: deadPid(), result: null, error: null })
    )
    expect(store.list().runs[0]).toMatchObject({ status: 'crashed', checkpointStep: 15, resumable: true })
    const e = await evaluateRun(store, id, { n: 100 })
    expect(Number.isFinite(e.metrics.energy)).toBe(true)
    const s = await sampleRun(store, id, 50)
    expect(s.points.n).toBe(50)
    // The parsed checkpoint is garbage once its state is loaded: a resumed loop that kept it made every full
    // collection mark it (a resumed MNIST run trained at a fifth of its speed).
    const read = store.readCheckpoint.bind(store)
    const parsed: WeakRef<object>[] = []
    store.readCheckpoint = (runId: string) => {
      const c = read(runId)
      parsed.push(new WeakRef(c.state!))
      return c
    }
    // Checked on a later turn of the event loop (a WeakRef's target is kept until its job ends), while the
    // loop is still running.
    let alive: boolean[] | null = null
    let statusThen = ''
    const r = await resumeRun(store, id, {
      onProgress: (p) => {
        if (p.step < 20 || alive) return
        alive = []
        setImmediate(() => {
          gc()
          alive = parsed.map((w) => w.deref() !== undefined)
          statusThen = store.load(id).status
        })
      }
    })
    expect(statusThen).toBe('running')
    // read once: reopening the run checks the file's stamp instead of parsing it again
    expect(parsed.length).toBe(1)
    expect(alive).toEqual(parsed.map(() => false))
    expect(r.resumedFrom).toBe(15)
    expect(store.load(id).status).toBe('completed')
    await expect(resumeRun(store, id)).rejects.toThrow(/has completed; there is nothing to resume/)
  })

  it('refuses a run that is still running, and one without a checkpoint, leaving it as it was', async () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: config('energy') })
    await expect(resumeRun(store, h.id)).rejects.toThrow(/is still running \(process \d+/)
    const file = path.join(h.dir, 'run.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(read(h.dir, 'run.json')), pid: deadPid() }))
    const before = read(h.dir, 'run.json')
    await expect(resumeRun(store, h.id)).rejects.toThrow(
      /no checkpoint\.json \(it stopped before its first checkpoint\)/
    )
    fs.writeFileSync(
      path.join(h.dir, 'checkpoint.json'),
      JSON.stringify({ schema: 1, step: 3, elapsedMs: 1, loss: 1, rng: {}, state: null })
    )
    await expect(resumeRun(store, h.id)).rejects.toThrow(/keeps no training state/)
    expect(read(h.dir, 'run.json')).toBe(before)
    // a checkpoint replaced between its read and the reopening is refused, and the run left as it was
    const stamp = store.checkpointStamp(h.id)!
    fs.writeFileSync(
      path.join(h.dir, 'checkpoint.json'),
      JSON.stringify({ schema: 1, step: 4, elapsedMs: 2, loss: 1, rng: {}, state: null })
    )
    expect(() => store.resume(h.id, { step: 3, stamp })).toThrow(
      /checkpoint\.json changed while the run was being resumed/
    )
    expect(read(h.dir, 'run.json')).toBe(before)
    expect(store.checkpointStamp(h.id)).not.toEqual(stamp)
  })
})
