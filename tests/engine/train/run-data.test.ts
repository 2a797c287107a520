/**
 * A stored run reloads the data it trained on (src/engine/train/evaluate.ts `resolveRunDataset`): a built-in
 * drawn with another seed than the run's training seed comes back as the same points, and a data file whose
 * values changed since training (same shape) is refused with a clear error instead of being scored against.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { datasetDigest, resolveDataset } from '../../../src/engine/data'
import { StoreError } from '../../../src/engine/errors'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun, rebuildData, resolveRunDataset } from '../../../src/engine/train/evaluate'
import { makeRunConfig, prepareData, trainRun } from '../../../src/engine/train/train'
import { removeTempRoots, tempRoot, tinyRunConfig } from '../store/helpers'

afterEach(removeTempRoots)
beforeAll(async () => {
  await initBackend('cpu')
})

describe("a run's data", () => {
  it('a built-in drawn with seed 0 and trained with seed 5 reloads as the same points', () => {
    const ds = resolveDataset('moons', { n: 500, seed: 0 })
    const config = makeRunConfig(ds, { objective: 'energy', seed: 5 })
    expect(config.dataset.seed).toBe(0)
    expect(config.dataset.digest).toBe(datasetDigest(ds))
    expect(resolveRunDataset(config).data).toEqual(ds.data)
    // The run's seed draws another sample of the distribution: that is what runs stored before the data
    // seed was recorded fall back to.
    const { seed: _seed, digest: _digest, ...old } = config.dataset
    const reloaded = resolveRunDataset({ ...config, dataset: old })
    expect(reloaded.data).not.toEqual(ds.data)
    expect(reloaded.data).toEqual(resolveDataset('moons', { n: 500, seed: 5 }).data)
  })

  it('the digest sees one changed value, and a changed label, in a file of the same shape', () => {
    const dir = tempRoot()
    const file = path.join(dir, 'points.csv')
    const rows = Array.from({ length: 40 }, (_, i) => `${i / 10},${Math.sin(i)},${i % 3}`)
    fs.writeFileSync(file, ['x,y,c', ...rows].join('\n'))
    const ds = resolveDataset(file, { imageShape: '1x2', labelColumn: 'c' })
    const config = makeRunConfig(ds, { objective: 'energy', seed: 1 })
    expect(config.dataset.seed).toBeUndefined()
    expect(resolveRunDataset(config).data).toEqual(ds.data)

    fs.writeFileSync(file, ['x,y,c', ...rows.map((r, i) => (i === 17 ? '1.7,0.5,2' : r))].join('\n'))
    expect(() => resolveRunDataset(config)).toThrow(StoreError)
    expect(() => resolveRunDataset(config)).toThrow(/points\.csv has the run's 40×2 shape but other values/)

    fs.writeFileSync(file, ['x,y,c', ...rows.map((r, i) => (i === 17 ? r.replace(/,\d$/, ',0') : r))].join('\n'))
    expect(resolveDataset(file, { imageShape: '1x2', labelColumn: 'c' }).data).toEqual(ds.data)
    expect(() => resolveRunDataset(config)).toThrow(/other values or labels/)

    fs.writeFileSync(file, ['x,y,c', ...rows].join('\n'))
    expect(resolveRunDataset(config).data).toEqual(ds.data)
  })

  it('a stored run whose data seed differs from its training seed evaluates against its own held-out split', async () => {
    const store = new RunStore(tempRoot())
    const ds = resolveDataset('8gaussians', { n: 400, seed: 0 })
    const config = tinyRunConfig(ds, { objective: 'energy', evalEvery: 0 })
    const r = await trainRun(ds, config, { store, evalPoints: 100 })
    const stored = store.load(r.runId!).config
    expect(stored.dataset).toMatchObject({ seed: 0, digest: datasetDigest(ds) })
    expect(rebuildData(stored).heldout.data).toEqual(prepareData(ds, config).heldout.data)
    const e = await evaluateRun(store, r.runId!, { n: 100 })
    expect(e.metrics.energy).toBeGreaterThan(0)
  })
})
