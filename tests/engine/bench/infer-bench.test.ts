import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { benchTable } from '../../../src/cli/commands/bench'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initBackend } from '../../../src/engine/backend'
import { benchInference } from '../../../src/engine/bench/infer-bench'
import { benchCsv, CSV_COLUMNS } from '../../../src/engine/bench/infer-files'
import { summarize } from '../../../src/engine/bench/infer-summary'
import { BenchError, percentiles, type InferBenchProgress } from '../../../src/engine/bench/infer-timing'
import type { BenchResult, InferBenchReport } from '../../../src/engine/bench/infer-types'
import { generateBuiltin } from '../../../src/engine/data'
import { ConfigError } from '../../../src/engine/errors'
import { ortBinDir } from '../../../src/engine/onnx/providers'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun } from '../../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

const ds = generateBuiltin('8gaussians', 4000, 0)
let root: string
let store: RunStore
let energyId: string
let cfmId: string
let report: InferBenchReport
/** The progress the tiny grid's benchmark reported. */
const events: InferBenchProgress[] = []
const SEED = 7

beforeAll(async () => {
  await initBackend('auto')
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bench-test-'))
  store = new RunStore(path.join(root, 'runs'))
  const train = async (objective: string): Promise<string> =>
    (
      await trainRun(ds, makeRunConfig(ds, { objective, steps: 30, batch: 128, seed: 1, evalEvery: 0 }), {
        store,
        evalPoints: 200
      })
    ).runId!
  energyId = await train('energy')
  cfmId = await train('cfm')
  report = await benchInference(
    store,
    {
      runs: [energyId, cfmId],
      // the default grid's ddim is cfm's too (DDIM on a velocity flow is Euler): left out to keep the grid small
      samplers: ['onestep', 'euler', 'heun'],
      steps: [1, 2],
      batch: [1, 8],
      repeats: 3,
      warmupMs: 0,
      seed: SEED,
      outDir: path.join(root, 'out')
    },
    { onProgress: (p) => events.push(p) }
  )
})

afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('pfm bench on a tiny grid', () => {
  it('has one result per run, sampler, K, batch and way of running it', () => {
    // energy: onestep, K = 1, whatever the grid says; cfm: euler and heun × K × batch × fused/separate
    expect(report.results).toHaveLength(2 + 2 * 2 * 2 * 2)
    const one = report.results.filter((r) => r.run === energyId)
    expect(one.map((r) => [r.sampler, r.steps, r.batch, r.fused])).toEqual([
      ['onestep', 1, 1, true],
      ['onestep', 1, 8, true]
    ])
    const keys = (r: BenchResult): string => `${r.sampler} ${r.steps} ${r.batch} ${r.fused}`
    expect(
      report.results
        .filter((r) => r.run === cfmId)
        .map(keys)
        .sort()
    ).toEqual(
      ['euler', 'heun']
        .flatMap((s) =>
          [1, 2].flatMap((k) => [1, 8].flatMap((b) => [true, false].map((f) => `${s} ${k} ${b} ${f}`)))
        )
        .sort()
    )
    expect(report.skipped).toEqual([])
  })

  it('reports latency percentiles, throughput, quality and parity for each', () => {
    for (const r of report.results) {
      expect(Object.keys(r).sort()).toEqual(
        [
          'batch',
          'dataset',
          'evaluations',
          'form',
          'fused',
          'latencyMs',
          'metrics',
          'objective',
          'parity',
          'run',
          'runs',
          'sampler',
          'samplesPerSec',
          'steps'
        ].sort()
      )
      expect(r.dataset).toBe('8gaussians')
      expect(r.runs).toBe(3)
      expect(r.latencyMs.p10).toBeGreaterThan(0)
      expect(r.latencyMs.p10).toBeLessThanOrEqual(r.latencyMs.p50)
      expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p90)
      expect(r.samplesPerSec).toBeCloseTo(r.batch / (r.latencyMs.p50 / 1000), -1)
      expect(Object.keys(r.metrics!).sort()).toEqual(
        ['coverage', 'energy', 'highQuality', 'mmd', 'modes', 'modesCovered', 'precision', 'recall'].sort()
      )
      expect(r.metrics!.modes).toBe(8)
      expect(r.parity).toBeGreaterThanOrEqual(0)
      expect(r.parity).toBeLessThan(1e-3)
      expect(r.evaluations).toBe(r.sampler === 'heun' ? 2 * r.steps : r.steps)
    }
  })

  it('the quality numbers are `evaluateRun` (pfm eval) for the same sampler, K and seed', async () => {
    const configs = [
      { run: energyId, sampler: 'onestep', steps: 1 },
      { run: cfmId, sampler: 'euler', steps: 1 },
      { run: cfmId, sampler: 'heun', steps: 2 }
    ] as const
    for (const c of configs) {
      const e = await evaluateRun(store, c.run, { sampler: c.sampler, steps: c.steps, seed: SEED })
      const rows = report.results.filter(
        (r) => r.run === c.run && r.sampler === c.sampler && r.steps === c.steps
      )
      expect(rows.length).toBeGreaterThan(0)
      for (const r of rows)
        expect(r.metrics).toEqual({
          energy: e.metrics.energy,
          mmd: e.metrics.mmd,
          precision: e.metrics.precision,
          recall: e.metrics.recall,
          coverage: e.metrics.coverage,
          modes: 8,
          modesCovered: e.metrics.modesCovered,
          highQuality: e.metrics.highQuality
        })
    }
  })

  it('counts its progress in configurations, the report’s rows, stage by stage; the work’s share to the end', () => {
    const n = report.results.length
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.configurations?.total === n)).toBe(true)
    const order = ['prepare', 'warm-up', 'timing']
    const key = (e: InferBenchProgress): number[] => {
      const c = e.configurations!
      return [order.indexOf(c.stage), c.round ?? 0, c.done]
    }
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [key(events[i - 1]!), key(events[i]!)]
      // never back: a later stage, a later round, or more configurations through this one
      expect(a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! <= b[2]!)))).toBe(
        true
      )
      expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done)
    }
    // each warmed up in turn: 0, 1, … n − 1 through the stage as each one starts
    const warm = events
      .filter((e) => e.configurations!.stage === 'warm-up')
      .map((e) => e.configurations!.done)
    expect(warm).toEqual(Array.from({ length: n }, (_, i) => i))
    // the first round times each in turn, and the last event has them all timed in every round, all work done
    const round1 = events.filter((e) => e.configurations!.round === 1).map((e) => e.configurations!.done)
    expect(round1).toEqual(Array.from({ length: n }, (_, i) => i))
    // the share of the work is the same count: configurations × stages (prepared, warmed up, each round) done,
    // so the bar moves within a round too
    const stagesDone = (e: InferBenchProgress): number => {
      const c = e.configurations!
      return c.stage === 'prepare' ? c.done : c.stage === 'warm-up' ? n + c.done : n * (1 + c.round!) + c.done
    }
    expect(events.map((e) => e.done)).toEqual(events.map(stagesDone))
    expect(events.every((e) => e.total === n * (5 + 2))).toBe(true)
    const last = events.at(-1)!
    expect(last.configurations).toEqual({ stage: 'timing', done: n, total: n, round: 5, rounds: 5 })
    expect(last.done).toBe(last.total)
  })

  it('records the machine, onnxruntime and the settings', () => {
    expect(report.machine).toMatchObject({ threads: 1, ep: 'cpu', ort: expect.stringMatching(/^1\.\d+/) })
    expect(report.machine.cpus).toBeGreaterThan(0)
    expect(report.settings).toMatchObject({
      steps: [1, 2],
      batch: [1, 8],
      repeats: 3,
      seed: SEED,
      forms: ['unrolled']
    })
  })

  it('prints MMD² for toys and fd, the metric image reports rank by, where every row has it', () => {
    const header = (text: string): string[] => text.split('\n')[2]!.trim().split(/\s+/)
    expect(header(benchTable(report))).toContain('mmd')
    const images = {
      ...report,
      results: report.results.map((r, i) => ({ ...r, metrics: r.metrics && { ...r.metrics, fd: 10 + i } }))
    }
    const text = benchTable(images)
    expect(header(text)).toContain('fd')
    expect(header(text)).not.toContain('mmd')
    // each row prints its own fd
    for (let i = 0; i < images.results.length; i++)
      expect(text.split('\n')[3 + i]).toMatch(new RegExp(`\\b${10 + i}\\b`))
  })

  it('summarises: the one-step run, the best multi-step configuration, matched quality, fused vs separate', () => {
    const [c, ...rest] = report.summary.comparisons
    expect(rest).toEqual([])
    expect(c!.dataset).toBe('8gaussians')
    expect(c!.onestep).toMatchObject({ run: energyId, sampler: 'onestep', steps: 1 })
    // lowest energy at the largest K of the grid
    const atK2 = report.results.filter((r) => r.run === cfmId && r.steps === 2)
    const bestEnergy = Math.min(...atK2.map((r) => r.metrics!.energy))
    expect(c!.best).toMatchObject({ run: cfmId, steps: 2, energy: bestEnergy })
    expect(c!.energyRatio).toBeCloseTo(c!.onestep.energy! / bestEnergy, 2)
    expect(c!.byBatch.map((b) => b.batch)).toEqual([1, 8])
    for (const b of c!.byBatch) {
      const timed = atK2.filter((r) => r.sampler === c!.best.sampler && r.batch === b.batch)
      expect(b.best.p50).toBe(Math.min(...timed.map((r) => r.latencyMs.p50)))
      expect(b.latencyRatio).toBeCloseTo(b.best.p50 / b.onestepP50, 1)
      if (b.matched) expect(b.matched.energy).toBeLessThanOrEqual(c!.onestep.energy!)
    }
    expect(report.summary.fusedVsSeparate.map((f) => [f.sampler, f.steps, f.batch])).toEqual([
      ['euler', 2, 1],
      ['euler', 2, 8],
      ['heun', 2, 1],
      ['heun', 2, 8]
    ])
  })

  it('writes bench.json and bench.csv', () => {
    const dir = path.join(root, 'out')
    expect(report.files).toEqual([path.join(dir, 'bench.json'), path.join(dir, 'bench.csv')])
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8')) as InferBenchReport
    expect(json.results).toEqual(report.results)
    const csv = fs.readFileSync(path.join(dir, 'bench.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toBe(CSV_COLUMNS.join(','))
    expect(csv).toHaveLength(report.results.length + 1)
    expect(benchCsv(report.results)).toBe(fs.readFileSync(path.join(dir, 'bench.csv'), 'utf8'))
  })
})

describe('bench pieces', () => {
  it('percentiles as torch_infer.py: sorted, index ⌊q·n⌋', () => {
    expect(percentiles([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual({ p10: 2, p50: 6, p90: 10 })
  })

  it('matched quality: the fastest configuration with energy ≤ the one-step map, else null', () => {
    const row = (
      run: string,
      sampler: BenchResult['sampler'],
      steps: number,
      p50: number,
      energy: number,
      fused = true
    ): BenchResult => ({
      run,
      objective: sampler === 'onestep' ? 'distill' : 'cfm',
      dataset: 'd',
      sampler,
      steps,
      evaluations: steps,
      batch: 1,
      fused,
      form: sampler === 'onestep' || !fused ? null : 'unrolled',
      latencyMs: { p10: p50, p50, p90: p50 },
      samplesPerSec: 1000 / p50,
      runs: 3,
      metrics: { energy, mmd: 0, precision: 1, recall: 1, coverage: 1 },
      parity: 0
    })
    const s = summarize([
      row('one', 'onestep', 1, 0.01, 0.02),
      row('f', 'euler', 4, 0.05, 0.03),
      row('f', 'euler', 16, 0.2, 0.019),
      row('f', 'euler', 16, 0.3, 0.019, false),
      row('f', 'heun', 16, 0.4, 0.015),
      row('f', 'heun', 16, 0.9, 0.015, false)
    ])
    const c = s.comparisons[0]!
    expect(c.best).toMatchObject({ sampler: 'heun', steps: 16, energy: 0.015 })
    expect(c.energyRatio).toBeCloseTo(0.02 / 0.015, 3)
    expect(c.byBatch[0]).toMatchObject({ best: { fused: true, p50: 0.4 }, latencyRatio: 40 })
    expect(c.byBatch[0]!.matched).toMatchObject({
      sampler: 'euler',
      steps: 16,
      fused: true,
      p50: 0.2,
      speedup: 20
    })
    expect(s.fusedVsSeparate).toEqual([
      {
        run: 'f',
        sampler: 'euler',
        steps: 16,
        batch: 1,
        form: 'unrolled',
        fusedP50: 0.2,
        separateP50: 0.3,
        speedup: 1.5
      },
      {
        run: 'f',
        sampler: 'heun',
        steps: 16,
        batch: 1,
        form: 'unrolled',
        fusedP50: 0.4,
        separateP50: 0.9,
        speedup: 2.25
      }
    ])
    const none = summarize([row('one', 'onestep', 1, 0.01, 0.001), row('f', 'euler', 4, 0.05, 0.03)])
    expect(none.comparisons[0]!.byBatch[0]!.matched).toBeNull()
    expect(none.notes.join(' ')).toMatch(/no multi-step configuration of the grid reaches/)
    expect(c.metric).toBe('energy')

    // Image runs rank by fd: here the energies order the configurations the other way round.
    const img = (r: BenchResult, fd: number): BenchResult => ({ ...r, metrics: { ...r.metrics!, fd } })
    const f = summarize([
      img(row('one', 'onestep', 1, 0.01, 0.001), 9),
      img(row('f', 'euler', 4, 0.05, 0.002), 8),
      img(row('f', 'euler', 16, 0.2, 0.003), 5)
    ]).comparisons[0]!
    expect(f.metric).toBe('fd')
    expect(f.best).toMatchObject({ steps: 16, energy: 0.003, fd: 5 })
    expect(f.energyRatio).toBeCloseTo(9 / 5, 3)
    expect(f.byBatch[0]!.matched).toMatchObject({ steps: 4, fd: 8, speedup: 5 })
  })

  it.each<[string, Parameters<typeof benchInference>[1], new (m: string) => Error, RegExp]>([
    ['no runs', { runs: [] }, ConfigError, /--runs: name at least one run/],
    [
      'an unknown sampler',
      { runs: ['x'], samplers: ['ddpm' as never] },
      ConfigError,
      /--samplers: "ddpm" is not one of/
    ],
    ['a bad batch', { runs: ['x'], batch: [0] }, ConfigError, /--batch: 0 is not an integer/],
    [
      'an unknown execution provider',
      { runs: ['x'], ep: 'quantum' },
      BenchError,
      /^--ep quantum: not an execution provider \(choose auto, cpu, webgpu, cuda\)\.$/
    ]
  ])('%s', async (_, opts, cls, msg) => {
    const p = benchInference(store, opts)
    await expect(p).rejects.toBeInstanceOf(cls)
    await expect(p).rejects.toThrow(msg)
  })
})

describe('a few-step run (shortcut)', () => {
  it('is timed in one step and in K jumps, each a fused graph that passes parity, with quality', async () => {
    const id = (
      await trainRun(
        ds,
        makeRunConfig(ds, {
          objective: 'shortcut',
          steps: 10,
          batch: 64,
          seed: 1,
          model: { width: 16, depth: 2 }
        }),
        { store, evalPoints: 100 }
      )
    ).runId!
    const rep = await benchInference(store, {
      runs: [id],
      steps: [1, 2, 4],
      batch: [8],
      repeats: 2,
      warmupMs: 0,
      evalN: 200,
      seed: SEED
    })
    expect(rep.results.map((r) => [r.sampler, r.steps, r.evaluations, r.fused, r.form])).toEqual([
      ['onestep', 1, 1, true, null],
      ['euler', 2, 2, true, null],
      ['euler', 4, 4, true, null]
    ])
    for (const r of rep.results) {
      expect(r.parity).toBeLessThan(1e-3)
      expect(r.metrics!.energy).toBeGreaterThan(-1)
    }
    // Different samplers of one network: the 4-jump samples are not the one-step map's.
    expect(rep.results[2]!.metrics!.energy).not.toBe(rep.results[0]!.metrics!.energy)
  })
})

describe('execution providers', () => {
  it('--ep cuda: a one-line refusal where onnxruntime cannot load CUDA (runs where it can)', async () => {
    const r = await benchInference(store, {
      runs: [energyId],
      ep: 'cuda',
      batch: [1],
      repeats: 1,
      warmupMs: 0,
      quality: false,
      parityPoints: 16
    }).then(
      () => null,
      (e: unknown) => e
    )
    if (r === null) return
    expect(r).toBeInstanceOf(BenchError)
    const msg = (r as Error).message
    expect(msg).not.toContain('\n')
    if (!fs.existsSync(path.join(ortBinDir(), 'libonnxruntime_providers_cuda.so')))
      expect(msg).toMatch(
        /^--ep cuda: onnxruntime-node's CUDA provider files are not installed \(ONNXRUNTIME_NODE_INSTALL=cuda12 .*\)$/
      )
    else expect(msg).toMatch(/^--ep cuda: \S/)
  })
})

describe('pfm bench', () => {
  it('--json prints { machine, results, summary }, times both fused forms, progress on stderr', () => {
    const bin = path.resolve(__dirname, '../../../bin/pfm.mjs')
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'bench',
        '--runs',
        `${energyId},${cfmId}`,
        '--samplers',
        'euler',
        '--steps',
        '1',
        '--batch',
        '1',
        '--repeats',
        '2',
        '--form',
        'unrolled,loop',
        '-n',
        '200',
        '--json',
        '--runs-dir',
        path.join(root, 'runs')
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, PFM_DEBUG: '' }, timeout: 120_000 }
    )
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const j = JSON.parse(lines[0]!) as InferBenchReport
    expect(j).toEqual(
      expect.objectContaining({
        machine: expect.any(Object),
        results: expect.any(Array),
        summary: expect.any(Object)
      })
    )
    expect(j.results.map((x) => [x.sampler, x.fused, x.form])).toEqual([
      ['onestep', true, null],
      ['euler', true, 'unrolled'],
      ['euler', true, 'loop'],
      ['euler', false, null]
    ])
    // off a terminal, progress is a line at most every 30 s: the first one here, not one per phase; it counts
    // configurations in the Benchmark view's words (4: the one-step map and euler's three forms), then the phase
    expect(r.stderr).toMatch(/^0 of \d+ \(0 %\) {2}0 of 4 configurations prepared · \S+ onestep: parity$/m)
    expect(r.stderr.split('\n').filter((l) => / of \d+ \(\d+ %\)/.test(l)).length).toBeLessThanOrEqual(2)
  })
})
