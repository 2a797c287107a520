/**
 * samples.csv holds the samples a run was scored on. A run scored on fewer points than it holds out
 * (`evalPoints`, as the quality tests and the workbench's short runs use) once stored as many rows as the held-out
 * split with only the scored ones filled: the rest read back as NaN.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { generateBuiltin } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-stored-samples-'))
beforeAll(async () => {
  await initBackend('auto')
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

it('stores the scored samples, all finite, when a run scores fewer points than it holds out', async () => {
  const store = new RunStore(tmp)
  const ds = generateBuiltin('moons', 2000, 0)
  const config = makeRunConfig(ds, { objective: 'energy', steps: 5, batch: 32, evalEvery: 0, seed: 1 })
  const r = await trainRun(ds, config, { store, evalPoints: 64 })
  expect(r.heldout.n).toBeGreaterThan(64)
  const { columns, points } = store.readSamples(r.runId!)
  expect(columns).toEqual(ds.columns)
  expect(points.n).toBe(64)
  expect(points.data.every((v) => Number.isFinite(v))).toBe(true)
})
