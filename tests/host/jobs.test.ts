import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type {
  BenchRecordInfo,
  BenchReportInfo,
  ExportReport,
  JobInfo,
  RunDetail,
  RunSummaryInfo,
  SampleSet
} from '../../src/shared/api'
import { generateBuiltin } from '../../src/engine/data'
import { makeRunConfig } from '../../src/engine/train/train'
import { createLab, dispatch, type Lab } from '../../src/host/handlers'
import type { FromWorker, ToWorker } from '../../src/host/job-protocol'
import {
  appendThinned,
  forkWorker,
  JobManager,
  type SpawnWorker,
  type WorkerHandle
} from '../../src/host/jobs'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-jobs-'))
const TERMINAL = ['completed', 'failed', 'cancelled']

/** Resolves with the first state of job `id` (current or future) that satisfies `pred`. */
function waitForJob(lab: Lab, id: string, pred: (j: JobInfo) => boolean): Promise<JobInfo> {
  return new Promise((resolve) => {
    const now = lab.jobs.get(id)
    if (now && pred(now)) return resolve(now)
    const off = lab.subscribe((e) => {
      if (e.event === 'jobs:update' && e.payload.id === id && pred(e.payload)) {
        off()
        resolve(e.payload)
      }
    })
  })
}

async function value<T>(lab: Lab, channel: string, args: unknown[]): Promise<T> {
  const r = await dispatch(lab.handlers, channel, args)
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`)
  return r.value as T
}

describe('training jobs in a forked worker process', () => {
  const pids: number[] = []
  const spawn = forkWorker()
  const recording: SpawnWorker = () => {
    const w = spawn()
    if (w.pid !== undefined) pids.push(w.pid)
    return w
  }
  const lab = createLab({ version: 't', dataDir: tmp(), spawnWorker: recording, cancelGraceMs: 20_000 })
  const updates: JobInfo[] = []
  const changed: string[] = []
  const benchSaved: string[] = []
  lab.subscribe((e) => {
    if (e.event === 'jobs:update') updates.push(e.payload)
    else if (e.event === 'runs:changed') changed.push(e.payload.id)
    else benchSaved.push(e.payload.id)
  })
  afterAll(() => lab.close())
  let mapRun = ''

  it('a short job completes with progress, evaluations and snapshots; its run samples and exports', async () => {
    const job = await value<JobInfo>(lab, 'training:start', [
      {
        dataset: '8gaussians',
        objective: 'energy',
        steps: 200,
        batch: 64,
        evalEvery: 100,
        seed: 1,
        name: 'short one'
      }
    ])
    expect(['queued', 'running']).toContain(job.status)
    const done = await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    expect(done.error).toBeNull()
    expect(done.status).toBe('completed')
    expect(done).toMatchObject({
      step: 200,
      steps: 200,
      backend: expect.any(String),
      runId: expect.any(String)
    })
    expect(done.lossCurve.length).toBeGreaterThan(0)
    expect(done.evalCurve.map((e) => e.step)).toEqual([100, 200])
    expect(done.snapshot).toMatchObject({ step: 200, dim: 2 })
    expect(done.snapshot!.points).toHaveLength(2000)
    expect(done.snapshot!.points.every(Number.isFinite)).toBe(true)
    const mine = updates.filter((u) => u.id === job.id)
    expect(mine.some((u) => u.status === 'running' && u.step > 0 && u.step < 200)).toBe(true)
    expect(changed).toContain(done.runId)

    const { runs } = await value<{ runs: RunSummaryInfo[] }>(lab, 'runs:list', [])
    expect(runs).toMatchObject([{ id: done.runId, name: 'short one', status: 'completed', stepsDone: 200 }])
    const detail = await value<RunDetail>(lab, 'runs:get', [done.runId])
    expect(detail).toMatchObject({
      samplers: ['onestep'],
      defaultSteps: 1,
      metrics: { energy: expect.any(Number) }
    })
    expect(detail.log.length).toBeGreaterThan(2)

    const s = await value<SampleSet>(lab, 'runs:samples', [{ runId: done.runId, n: 300, metrics: true }])
    expect(s).toMatchObject({ sampler: 'onestep', dim: 2, n: 300, metrics: { n: 300 } })
    expect(s.points).toHaveLength(600)
    // Its cost (one network evaluation, a measured time) and the data's own energy floor come with it.
    expect(s.cost.evaluations).toBe(1)
    expect(s.cost.msPerSample).toBeGreaterThan(0)
    expect(s.metrics!.energyFloor).toBeGreaterThan(0)
    expect(s.metrics!.energyFloor).toBeLessThan(s.metrics!.energyGaussian)

    const ex = await value<ExportReport>(lab, 'export:onnx', [{ runId: done.runId }])
    expect(ex.path).toBe(path.join(lab.paths.exports, `${done.runId}-onestep.onnx`))
    expect(ex).toMatchObject({ graph: 'sampler', sampler: 'onestep', steps: 1, evaluations: 1 })
    expect(fs.statSync(ex.path).size).toBeGreaterThan(0)
    expect(ex.parity.maxAbsError).toBeLessThanOrEqual(ex.parity.tolerance)
    mapRun = done.runId!
  })

  it('a benchmark job times a one-step map against a flow in a worker and saves the report', async () => {
    // A 32×2 network: the run's snapshots and final evaluation integrate it at K = 100 (4 000 held-out points),
    // and what is asserted below (exports, sampler costs, the benchmark's rows) does not depend on its size.
    const flowJob = await value<JobInfo>(lab, 'training:start', [
      {
        dataset: '8gaussians',
        objective: 'cfm',
        steps: 60,
        batch: 64,
        evalEvery: 0,
        seed: 2,
        model: { width: 32, depth: 2 }
      }
    ])
    const flow = await waitForJob(lab, flowJob.id, (j) => TERMINAL.includes(j.status))
    expect(flow.error).toBeNull()
    // cfm trains on onnxruntime where it loads (`auto`); the job says so, as the stored run does.
    expect(flow.backend).toBe('onnxruntime')
    expect((await value<RunDetail>(lab, 'runs:get', [flow.runId])).backend).toBe('onnxruntime')
    // The flow's network alone exports too, as (x, t) → v, checked against the engine.
    const velocity = await value<ExportReport>(lab, 'export:onnx', [{ runId: flow.runId, graph: 'velocity' }])
    expect(velocity.path).toBe(path.join(lab.paths.exports, `${flow.runId}-velocity.onnx`))
    // Two K-step exports of one run sit side by side, each named after what it holds.
    const k2 = await value<ExportReport>(lab, 'export:onnx', [
      { runId: flow.runId, sampler: 'heun', steps: 2 }
    ])
    const k3 = await value<ExportReport>(lab, 'export:onnx', [
      { runId: flow.runId, sampler: 'heun', steps: 3 }
    ])
    expect(k2).toMatchObject({ graph: 'sampler', sampler: 'heun', steps: 2, evaluations: 4 })
    expect(k2.path).toBe(path.join(lab.paths.exports, `${flow.runId}-heun-K2.onnx`))
    expect(k3.path).toBe(path.join(lab.paths.exports, `${flow.runId}-heun-K3.onnx`))
    expect(fs.existsSync(k2.path) && fs.existsSync(k3.path)).toBe(true)
    const heun = await value<SampleSet>(lab, 'runs:samples', [
      { runId: flow.runId, sampler: 'heun', steps: 3, n: 50 }
    ])
    expect(heun.cost.evaluations).toBe(6)
    // dopri5 at a tolerance reports the steps and evaluations it took (1 + 6 per attempted step) and exports
    // them as a fixed grid; a spacing reaches the engine, and one the run cannot use is refused in a sentence
    const adaptive = await value<SampleSet>(lab, 'runs:samples', [
      { runId: flow.runId, sampler: 'dopri5', tolerance: 1e-2, n: 50 }
    ])
    expect(adaptive.steps).toBeGreaterThanOrEqual(1)
    expect((adaptive.cost.evaluations - 1) % 6).toBe(0)
    const adaptiveExport = await value<ExportReport>(lab, 'export:onnx', [
      { runId: flow.runId, sampler: 'dopri5', tolerance: 1e-2 }
    ])
    expect(adaptiveExport).toMatchObject({ sampler: 'dopri5', evaluations: 6 * adaptiveExport.steps })
    expect(
      await value<SampleSet>(lab, 'runs:samples', [
        { runId: flow.runId, sampler: 'dpmpp-2m', steps: 4, spacing: 'cosine', n: 50 }
      ])
    ).toMatchObject({ steps: 4, cost: { evaluations: 4 } })
    expect(
      await dispatch(lab.handlers, 'runs:samples', [
        { runId: flow.runId, sampler: 'euler', spacing: 'karras' }
      ])
    ).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/karras spacing needs a noise schedule/) }
    })
    expect(fs.readdirSync(lab.paths.exports).filter((f) => f.includes('partial'))).toEqual([])
    expect(velocity.inputs.map((i) => i.name)).toEqual(['x', 't'])
    expect(velocity.parity.maxAbsError).toBeLessThanOrEqual(velocity.parity.tolerance)
    // …unless the user picks a backend: the same objective forced onto TensorFlow.js wasm. A small network: its
    // snapshots and final evaluation integrate it at K = 100 (on 4 000 held-out points), and only the backend
    // is asserted.
    const forced = await value<JobInfo>(lab, 'training:start', [
      {
        dataset: '8gaussians',
        objective: 'cfm',
        steps: 10,
        batch: 64,
        backend: 'wasm',
        evalEvery: 0,
        model: { width: 16, depth: 1 }
      }
    ])
    const forcedDone = await waitForJob(lab, forced.id, (j) => TERMINAL.includes(j.status))
    expect(forcedDone).toMatchObject({ status: 'completed', backend: 'wasm' })
    expect((await value<RunDetail>(lab, 'runs:get', [forcedDone.runId])).backend).toBe('wasm')
    const job = await value<JobInfo>(lab, 'bench:start', [
      {
        runs: [mapRun, flow.runId],
        samplers: ['onestep', 'euler'],
        steps: [1, 4],
        batch: [1, 16],
        repeats: 3
      }
    ])
    expect(job).toMatchObject({
      kind: 'bench',
      status: expect.stringMatching(/queued|running/),
      benchId: null
    })
    const done = await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    expect(done.error).toBeNull()
    expect(done).toMatchObject({ status: 'completed', benchId: job.id, phase: null })
    expect(done.steps).toBeGreaterThan(0)
    expect(done.step).toBe(done.steps)
    expect(updates.some((u) => u.id === job.id && u.status === 'running' && u.phase !== null)).toBe(true)
    expect(benchSaved).toContain(job.id)

    const { reports, problems } = await value<{ reports: BenchRecordInfo[]; problems: unknown[] }>(
      lab,
      'bench:list',
      []
    )
    expect(problems).toEqual([])
    // One-step: 2 batch sizes; euler: 2 K × 2 batch sizes × (fused + separate calls).
    expect(reports).toMatchObject([{ id: job.id, runs: [mapRun, flow.runId], results: 2 + 8 }])
    const report = await value<BenchReportInfo>(lab, 'bench:get', [job.id])
    expect(report.settings).toMatchObject({ steps: [1, 4], batch: [1, 16], repeats: 3 })
    const onestep = report.table.filter((r) => r.sampler === 'onestep')
    expect(onestep.map((r) => r.batch)).toEqual([1, 16])
    for (const r of report.table) {
      expect(r.latencyMs.p10).toBeLessThanOrEqual(r.latencyMs.p50)
      expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p90)
      const throughput = (r.batch * 1000) / r.latencyMs.p50
      expect(Math.abs(r.samplesPerSec - throughput) / throughput).toBeLessThan(1e-3)
      expect(r.metrics!.energy).toEqual(expect.any(Number))
    }
    // Quality is the engine's held-out evaluation of the same model (fresh draws: close to, not equal to, the
    // figure measured at the end of training; tests/engine/bench checks equality with `pfm eval`).
    const detail = await value<RunDetail>(lab, 'runs:get', [mapRun])
    expect(onestep[0]!.metrics!.energy).toBeLessThan(detail.metrics!.energyGaussian)
    expect(Math.abs(onestep[0]!.metrics!.energy / detail.metrics!.energy - 1)).toBeLessThan(0.3)
    expect(report.summary.comparisons).toMatchObject([{ dataset: '8gaussians', onestep: { run: mapRun } }])
    const entries = fs.readdirSync(lab.paths.benchmarks)
    expect(entries).toEqual([job.id])
    expect(fs.readdirSync(path.join(lab.paths.benchmarks, job.id)).sort()).toEqual([
      'bench.csv',
      'bench.json',
      'record.json'
    ])
    // What `pfm bench --out <benchmarks>/<name>` writes (no record.json) is listed under the folder's name,
    // dated by the report, with the report's runs.
    const cli = path.join(lab.paths.benchmarks, 'from-cli')
    fs.cpSync(path.join(lab.paths.benchmarks, job.id), cli, { recursive: true })
    fs.rmSync(path.join(cli, 'record.json'))
    const listed = await value<{ reports: BenchRecordInfo[] }>(lab, 'bench:list', [])
    expect(listed.reports.find((r) => r.id === 'from-cli')).toEqual({
      id: 'from-cli',
      title: 'from-cli (pfm bench)',
      createdAt: report.machine.date,
      runs: [...new Set(report.table.map((r) => r.run))],
      results: report.table.length
    })
    expect((await value<BenchReportInfo>(lab, 'bench:get', ['from-cli'])).table).toEqual(report.table)
    fs.rmSync(cli, { recursive: true })
  })

  it('the demo runs in a worker with staged progress, leaves its three runs and saves its benchmark', async () => {
    const job = await value<JobInfo>(lab, 'demo:start', [{ budget: 'tiny' }])
    expect(job).toMatchObject({ kind: 'demo', steps: 1000, status: expect.stringMatching(/queued|running/) })
    const phases = new Set<string>()
    const off = lab.subscribe((e) => {
      if (e.event === 'jobs:update' && e.payload.id === job.id && e.payload.phase)
        phases.add(e.payload.phase.split(':')[0]!)
    })
    const done = await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    off()
    expect(done.error).toBeNull()
    expect(done).toMatchObject({ status: 'completed', benchId: job.id, step: 1000 })
    expect([...phases]).toEqual(
      expect.arrayContaining([
        'training the statistics map (energy distance)',
        'training the flow (cfm)',
        'benchmark'
      ])
    )
    const { runs } = await value<{ runs: RunSummaryInfo[] }>(lab, 'runs:list', [])
    const demoRuns = runs.filter((r) => r.name.startsWith('demo: '))
    expect(demoRuns.map((r) => r.objective).sort()).toEqual(['cfm', 'distill', 'energy'])
    expect(demoRuns.every((r) => r.metrics?.modes === 8)).toBe(true)
    const saved = await value<BenchReportInfo>(lab, 'bench:get', [job.id])
    expect(new Set(saved.table.map((r) => r.run))).toEqual(new Set(demoRuns.map((r) => r.id)))
    expect(saved.table.every((r) => r.metrics?.modes === 8)).toBe(true)
  })

  it('cancelling a running job stops its worker through the AbortSignal; the run is cancelled', async () => {
    const job = await value<JobInfo>(lab, 'training:start', [
      { dataset: 'moons', objective: 'energy', steps: 500_000, batch: 64 }
    ])
    const running = await waitForJob(lab, job.id, (j) => j.step > 0 && j.runId !== null)
    expect(await dispatch(lab.handlers, 'training:cancel', [job.id])).toEqual({ ok: true })
    const done = await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    expect(done.status).toBe('cancelled')
    expect(done.error?.code).toBe('CANCELLED')
    const run = await value<RunDetail>(lab, 'runs:get', [running.runId])
    expect(run.status).toBe('cancelled')
  })

  it('a cancelled run is resumed from its checkpoint through training:resume, on the same run', async () => {
    const job = await value<JobInfo>(lab, 'training:start', [
      {
        dataset: 'moons',
        objective: 'energy',
        steps: 100_000,
        batch: 32,
        evalEvery: 0,
        model: { width: 8, depth: 1 }
      }
    ])
    const running = await waitForJob(lab, job.id, (j) => j.step > 0 && j.runId !== null)
    expect(await dispatch(lab.handlers, 'training:cancel', [job.id])).toEqual({ ok: true })
    await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    const runId = running.runId!
    const { runs } = await value<{ runs: RunSummaryInfo[] }>(lab, 'runs:list', [])
    const stopped = runs.find((r) => r.id === runId)!
    expect(stopped).toMatchObject({ status: 'cancelled', resumable: true })
    expect(stopped.checkpointStep).toBeGreaterThan(0)
    // The request is validated: a bad id never reaches the store.
    const bad = await dispatch(lab.handlers, 'training:resume', ['../x'])
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_REQUEST')
    // Shorten the budget on disk so the resumed job ends soon (the run keeps its own config otherwise).
    const file = path.join(lab.paths.runs, runId, 'run.json')
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'))
    fs.writeFileSync(
      file,
      JSON.stringify({ ...rec, config: { ...rec.config, steps: stopped.checkpointStep! + 50 } })
    )
    const resumed = await value<JobInfo>(lab, 'training:resume', [runId])
    expect(resumed).toMatchObject({ runId, step: stopped.checkpointStep })
    expect(resumed.title).toContain(`resumed at step ${stopped.checkpointStep}`)
    const done = await waitForJob(lab, resumed.id, (j) => TERMINAL.includes(j.status))
    expect(done.status).toBe('completed')
    const detail = await value<RunDetail>(lab, 'runs:get', [runId])
    expect(detail).toMatchObject({
      status: 'completed',
      stepsDone: stopped.checkpointStep! + 50,
      resumable: false
    })
    const again = await dispatch(lab.handlers, 'training:resume', [runId])
    expect(again.ok ? '' : again.error.message).toMatch(/has completed; there is nothing to resume/)
  })

  it('a killed worker is a failed job with a clear sentence, and the store stays readable', async () => {
    const job = await value<JobInfo>(lab, 'training:start', [
      { dataset: 'circles', objective: 'energy', steps: 500_000, batch: 64 }
    ])
    const running = await waitForJob(lab, job.id, (j) => j.step > 0 && j.runId !== null)
    process.kill(pids[pids.length - 1]!, 'SIGKILL')
    const done = await waitForJob(lab, job.id, (j) => TERMINAL.includes(j.status))
    expect(done.status).toBe('failed')
    expect(done.error?.code).toBe('WORKER_CRASHED')
    expect(done.error?.message).toMatch(/stopped unexpectedly: it was killed \(SIGKILL\)/)
    expect(done.error?.message).toContain(running.runId!)
    // It says what is on disk: killed long before its first checkpoint (10 % of 500 000 steps, or 30 s).
    expect(done.error?.message).toMatch(/stopped before its first checkpoint, so no weights were saved/)
    const { runs, problems } = await value<{ runs: RunSummaryInfo[]; problems: unknown[] }>(
      lab,
      'runs:list',
      []
    )
    expect(problems).toEqual([])
    expect(runs.find((r) => r.id === running.runId)?.status).toBe('crashed')
    const detail = await value<RunDetail>(lab, 'runs:get', [running.runId])
    expect(detail.status).toBe('crashed')
  })
})

// ── The queue, with scripted workers (no processes) ────────────────────────────────────────────────────────

class FakeWorker implements WorkerHandle {
  readonly pid = 4242
  readonly sent: ToWorker[] = []
  killed = false
  private readonly messageListeners: ((m: FromWorker) => void)[] = []
  private readonly exitListeners: ((code: number | null, signal: string | null) => void)[] = []
  private ended = false
  constructor(private readonly obeysCancel = true) {}
  send(msg: ToWorker): void {
    this.sent.push(msg)
    if (msg.type === 'cancel' && this.obeysCancel)
      queueMicrotask(() => {
        this.post({
          type: 'error',
          runId: null,
          code: 'CANCELLED',
          message: 'Training cancelled at step 3 of 10.'
        })
        this.exit(0, null)
      })
  }
  onMessage(l: (m: FromWorker) => void): void {
    this.messageListeners.push(l)
  }
  onExit(l: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(l)
  }
  kill(): void {
    this.killed = true
    queueMicrotask(() => this.exit(null, 'SIGKILL'))
  }
  post(m: FromWorker): void {
    this.messageListeners.forEach((l) => l(m))
  }
  exit(code: number | null, signal: string | null): void {
    if (this.ended) return
    this.ended = true
    this.exitListeners.forEach((l) => l(code, signal))
  }
  complete(): void {
    const m = {
      energy: 0.1,
      energyGaussian: 0.2,
      mmd: 0,
      slicedW2: 0,
      precision: 1,
      recall: 1,
      density: 1,
      coverage: 1,
      n: 10
    }
    this.post({ type: 'done', runId: null, metrics: m })
    this.exit(0, null)
  }
}

function fakeManager(maxConcurrent = 1, obeysCancel = true) {
  const workers: FakeWorker[] = []
  const updates: JobInfo[] = []
  const manager = new JobManager({
    spawn: () => {
      const w = new FakeWorker(obeysCancel)
      workers.push(w)
      return w
    },
    runsDir: tmp(),
    maxConcurrent,
    cancelGraceMs: 10,
    throttleMs: 0,
    onUpdate: (j) => updates.push(j),
    onRunsChanged: () => {}
  })
  const config = makeRunConfig(generateBuiltin('8gaussians', 100, 0), {
    objective: 'energy',
    steps: 10,
    batch: 8
  })
  const start = (title: string): JobInfo => manager.enqueueTrain({ title, config })
  const settled = (id: string): Promise<JobInfo> =>
    new Promise((resolve) => {
      const check = (): void => {
        const j = manager.get(id)
        if (j && TERMINAL.includes(j.status)) resolve(j)
        else setTimeout(check, 5)
      }
      check()
    })
  return { manager, workers, updates, start, settled }
}

describe('job queue', () => {
  it('runs jobs one at a time in FIFO order; a queued cancel never starts a worker', async () => {
    const { manager, workers, start, settled } = fakeManager(1)
    const a = start('a')
    const b = start('b')
    const c = start('c')
    expect(manager.list().map((j) => [j.title, j.status])).toEqual([
      ['a', 'running'],
      ['b', 'queued'],
      ['c', 'queued']
    ])
    expect(workers).toHaveLength(1)
    expect(workers[0]!.sent[0]).toMatchObject({ type: 'train', config: { steps: 10 } })

    manager.cancel(b.id)
    expect(manager.get(b.id)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } })
    expect(workers).toHaveLength(1)

    workers[0]!.complete()
    expect(manager.get(a.id)?.status).toBe('completed')
    expect(manager.get(c.id)?.status).toBe('running')
    expect(workers).toHaveLength(2)
    workers[1]!.complete()
    expect((await settled(c.id)).status).toBe('completed')
    expect(manager.list().map((j) => j.title)).toEqual(['c', 'b', 'a'])
  })

  it('two slots run two jobs at once', () => {
    const { manager, workers, start } = fakeManager(2)
    start('a')
    start('b')
    start('c')
    expect(manager.list().map((j) => j.status)).toEqual(['running', 'running', 'queued'])
    expect(workers).toHaveLength(2)
    workers[1]!.complete()
    expect(workers).toHaveLength(3)
    expect(
      () =>
        new JobManager({
          spawn: () => workers[0]!,
          runsDir: tmp(),
          maxConcurrent: 3,
          onUpdate: () => {},
          onRunsChanged: () => {}
        })
    ).toThrow(/1 or 2/)
  })

  it('a running job that ignores cancel is killed after the grace period', async () => {
    const { manager, workers, start, settled } = fakeManager(1, false)
    const a = start('a')
    workers[0]!.post({ type: 'run', runId: 'r-1' })
    workers[0]!.post({
      type: 'progress',
      runId: 'r-1',
      step: 3,
      steps: 10,
      loss: 0.5,
      samplesPerSec: 100,
      etaMs: 10
    })
    manager.cancel(a.id)
    const done = await settled(a.id)
    expect(workers[0]!.sent.map((m) => m.type)).toEqual(['train', 'cancel'])
    expect(workers[0]!.killed).toBe(true)
    expect(done.status).toBe('cancelled')
    expect(done.error?.message).toMatch(
      /did not stop .* killed at step 3 of 10\. Run r-1 cannot be read back: /
    )
  })

  it('an exit without a final message is a failed job; the next one starts', async () => {
    const { manager, workers, start, settled } = fakeManager(1)
    const a = start('a')
    const b = start('b')
    workers[0]!.exit(1, null)
    const done = await settled(a.id)
    expect(done).toMatchObject({ status: 'failed', error: { code: 'WORKER_CRASHED' } })
    expect(done.error?.message).toMatch(/exited with code 1 at step 0 of 10\. No run had been created yet\./)
    expect(manager.get(b.id)?.status).toBe('running')
  })

  it('a benchmark counts in configurations; one killed there says so', async () => {
    const { manager, workers, settled } = fakeManager(1)
    const b = manager.enqueueBench({
      title: 'Benchmark of r',
      options: { runs: ['r'], samplers: ['onestep', 'euler'], steps: [1, 4], batch: [1] },
      benchDir: tmp()
    })
    expect(manager.get(b.id)?.configurations).toBeNull()
    const configurations = { stage: 'timing' as const, done: 12, total: 20, round: 3, rounds: 5 }
    workers[0]!.post({ type: 'bench-progress', done: 92, total: 140, phase: 'round 3/5: r', configurations })
    expect(manager.get(b.id)).toMatchObject({ step: 92, steps: 140, configurations })
    workers[0]!.exit(null, 'SIGKILL')
    const done = await settled(b.id)
    expect(done.error?.message).toBe(
      'The benchmark process stopped unexpectedly: it was killed (SIGKILL) at 12 of 20 configurations timed in ' +
        'round 3 of 5. Nothing was saved.'
    )
  })

  it('progress builds the job: loss curve, eval curve, snapshot; engine errors keep their code', async () => {
    const { workers, updates, start, settled } = fakeManager(1)
    const a = start('a')
    const w = workers[0]!
    w.post({ type: 'backend', backend: 'wasm' })
    for (let s = 1; s <= 5; s++)
      w.post({ type: 'progress', runId: 'r', step: s, steps: 10, loss: 1 / s, samplesPerSec: 10, etaMs: 1 })
    w.post({ type: 'snapshot', step: 5, dim: 2, points: [1, 2, 3, 4] })
    w.post({ type: 'error', runId: 'r', code: 'DIVERGED', message: 'Training diverged at step 6.' })
    w.exit(0, null)
    const done = await settled(a.id)
    expect(done).toMatchObject({ status: 'failed', backend: 'wasm', step: 5, error: { code: 'DIVERGED' } })
    expect(done.lossCurve).toEqual([1, 2, 3, 4, 5].map((s) => [s, 1 / s]))
    expect(done.snapshot).toEqual({ step: 5, dim: 2, points: [1, 2, 3, 4] })
    expect(updates.filter((u) => u.id === a.id).map((u) => u.status)).toContain('running')
  })

  it("a training job's log lines before its first step are its stage; the first step clears it", async () => {
    const { manager, workers, start } = fakeManager(1)
    const a = start('a')
    const w = workers[0]!
    w.post({
      type: 'log',
      message: 'distill: teacher pairs 131,072 of 524,288 (25 %) after 3m00s, about 9m00s left'
    })
    expect(manager.get(a.id)?.phase).toBe(
      'distill: teacher pairs 131,072 of 524,288 (25 %) after 3m00s, about 9m00s left'
    )
    w.post({ type: 'progress', runId: 'r', step: 1, steps: 10, loss: 1, samplesPerSec: 10, etaMs: 1 })
    expect(manager.get(a.id)?.phase).toBeNull()
    w.post({ type: 'log', message: 'a line during training' })
    expect(manager.get(a.id)?.phase).toBeNull()
  })

  it('thins the loss curve, keeping its ends', () => {
    const curve: [number, number][] = []
    for (let s = 0; s < 1000; s++) appendThinned(curve, [s, s], 100)
    expect(curve.length).toBeLessThanOrEqual(100)
    expect(curve[0]).toEqual([0, 0])
    expect(curve[curve.length - 1]).toEqual([999, 999])
    expect(curve.map((p) => p[0])).toEqual([...curve.map((p) => p[0])].sort((x, y) => x - y))
  })
})
