/**
 * The Gallery's samples (`runs:samples` → host/runs.ts `sampleSet`) are the engine's `sampleRun`: the same
 * seeded points as `pfm sample`, the sampler's own count of network evaluations, and — when asked — held-out
 * metrics beside the data's energy floor.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initBackend } from '../../src/engine/backend'
import { generateBuiltin } from '../../src/engine/data'
import { RunStore } from '../../src/engine/store'
import { rebuildData, sampleRun } from '../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../src/engine/train/train'
import { runDetail, sampleSet } from '../../src/host/runs'
import { runDataInfo } from '../../src/engine/train/train'
import { sameRunData, type RunDataInfo } from '../../src/shared/run-data'

const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-host-runs-')))
let runId = ''

beforeAll(async () => {
  await initBackend('wasm')
  const ds = generateBuiltin('8gaussians', 2000, 0)
  const config = makeRunConfig(ds, {
    objective: 'cfm',
    steps: 10,
    batch: 64,
    seed: 3,
    evalEvery: 0,
    backend: 'wasm'
  })
  runId = (await trainRun(ds, config, { store })).runId!
})

describe('runs:samples', () => {
  it("draws the engine's points for the same seed, counting rk4's four evaluations per step", async () => {
    const set = await sampleSet(store, { runId, n: 40, sampler: 'rk4', steps: 3, seed: 2 })
    const engine = await sampleRun(store, runId, 40, { seed: 2, sampler: 'rk4', steps: 3 })
    expect(set).toMatchObject({ sampler: 'rk4', steps: 3, n: 40, dim: 2, metrics: null })
    expect(set.points).toEqual(Array.from(engine.points.data))
    expect(set.cost.evaluations).toBe(12)
    expect(set.cost.msPerSample).toBeGreaterThan(0)
  })

  it('scores against the held-out split when asked, capping n at its size, with the energy floor', async () => {
    const set = await sampleSet(store, { runId, n: 100_000, metrics: true, sampler: 'euler', steps: 2 })
    const { heldout } = rebuildData(store.load(runId).config)
    expect(heldout.n).toBeLessThan(2000)
    expect(set.n).toBe(heldout.n)
    expect(set.cost.evaluations).toBe(2)
    expect(set.metrics!.energy).toBeGreaterThan(0)
    expect(set.metrics!.energyFloor).toBeGreaterThan(0)
    expect(set.metrics!.energyFloor).toBeLessThan(set.metrics!.energy)
  })

  it("refuses a sampler the run's model does not offer, naming the ones it does", async () => {
    await expect(sampleSet(store, { runId, sampler: 'ddpm', steps: 4 })).rejects.toThrow(
      /^Run "[^"]+" samples with heun, euler, .*, not "ddpm"\.$/
    )
  })
})

describe('runs:get data', () => {
  it('says what the run learned: a built-in by id, with no file digest', async () => {
    const d = await runDetail(store, runId)
    expect(d.data).toEqual({ name: '8gaussians', spec: '8gaussians', builtin: true })
  })

  it('keeps a file’s digest, columns and skipped lines', () => {
    const dataset = store.load(runId).config.dataset
    const file = { ...dataset, spec: '/d/points.csv', name: 'points.csv', columns: '0-1', skipRows: 1 }
    delete (file as { seed?: number }).seed
    expect(runDataInfo(file)).toEqual({
      name: 'points.csv',
      spec: '/d/points.csv',
      builtin: false,
      digest: dataset.digest,
      columns: '0-1',
      skipRows: 1
    })
  })

  const builtin = (spec: string): RunDataInfo => ({ name: spec, spec, builtin: true })
  const file = (over: Partial<RunDataInfo> = {}): RunDataInfo => ({
    name: 'points.csv',
    spec: '/d/points.csv',
    builtin: false,
    ...over
  })
  it.each<[string, RunDataInfo, RunDataInfo, boolean]>([
    ['one built-in', builtin('8gaussians'), builtin('8gaussians'), true],
    ['two built-ins', builtin('8gaussians'), builtin('moons'), false],
    ['a built-in and a file of its name', builtin('moons'), file({ name: 'moons', spec: 'moons' }), false],
    [
      'one digest under two names',
      file({ digest: 'a'.repeat(16) }),
      file({ spec: '/d/b.csv', digest: 'a'.repeat(16) }),
      true
    ],
    ['two digests of one path', file({ digest: 'a'.repeat(16) }), file({ digest: 'b'.repeat(16) }), false],
    ['one path, no digests', file(), file({ digest: 'a'.repeat(16) }), true],
    ['one path, other columns', file({ columns: '0-1' }), file({ columns: '1-2' }), false],
    ['one path, other skipped lines', file(), file({ skipRows: 2 }), false]
  ])('sameRunData: %s → %s', (_case, a, b, same) => {
    expect(sameRunData(a, b)).toBe(same)
    expect(sameRunData(b, a)).toBe(same)
  })
})
