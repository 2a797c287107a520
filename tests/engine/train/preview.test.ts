import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { RunStore, SNAPSHOT_POINTS } from '../../../src/engine/store'
import { generateBuiltin } from '../../../src/engine/data'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import type { Points } from '../../../src/engine/types'

beforeAll(async () => {
  await initBackend('auto')
})

describe('live sample previews', () => {
  const ds = generateBuiltin('8gaussians', 6000, 0)

  it('come in data units from their own stream: training with previews is bit-identical to without', async () => {
    const config = makeRunConfig(ds, { objective: 'energy', steps: 20, batch: 64, seed: 3 })
    // The default held-out evaluations stay (their stream interleaves with the previews'), on 200 of the 1 200
    // held-out points: the figures are not asserted, and the pairwise metrics cost ~n².
    const evalPoints = 200
    const plain = await trainRun(ds, config, { evalPoints })
    const previews: { step: number; points: Points }[] = []
    const withPreviews = await trainRun(ds, config, {
      evalPoints,
      preview: { everyMs: 0, n: 50, onPreview: (step, points) => previews.push({ step, points }) }
    })
    expect(withPreviews.finalLoss).toBe(plain.finalLoss)
    expect(Array.from(withPreviews.samples.data)).toEqual(Array.from(plain.samples.data))
    // Every step but the last (the final samples are the result's).
    expect(previews.map((p) => p.step)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1))
    expect(previews.every((p) => p.points.n === 50 && p.points.d === 2)).toBe(true)
  })

  it('are de-standardised: data far from the origin gives previews around it', async () => {
    const shifted = { ...ds, data: ds.data.map((v) => v + 1000) }
    const config = makeRunConfig(shifted, { objective: 'energy', steps: 5, batch: 64 })
    const previews: Points[] = []
    await trainRun(shifted, config, {
      evalPoints: 200,
      preview: { everyMs: 0, n: 100, onPreview: (_s, p) => previews.push(p) }
    })
    expect(previews.length).toBeGreaterThan(0)
    const pts = previews[0]!.data
    const mean = pts.reduce((a, v) => a + v, 0) / pts.length
    expect(Math.abs(mean - 1000)).toBeLessThan(50)
  })
})

describe('training snapshots in the run store', () => {
  const ds = generateBuiltin('8gaussians', 6000, 0)

  it('keeps samples at tenths of the budget and the final ones, in data units, changing nothing else', async () => {
    const config = makeRunConfig(ds, { objective: 'energy', steps: 40, batch: 64, seed: 5 })
    const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-snap-')))
    const plain = await trainRun(ds, config)
    const stored = await trainRun(ds, config, { store })
    expect(stored.finalLoss).toBe(plain.finalLoss)
    expect(Array.from(stored.samples.data)).toEqual(Array.from(plain.samples.data))
    const { records, warnings } = store.readSnapshots(stored.runId!)
    expect(warnings).toEqual([])
    expect(records.map((r) => r.step)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40])
    expect(records.every((r) => r.d === 2 && r.points.length === 2 * SNAPSHOT_POINTS)).toBe(true)
    // The last snapshot is the head of the stored samples (data units, as samples.csv).
    const csv = store.readSamples(stored.runId!).points
    expect(records[9]!.points.slice(0, 6)).toEqual(
      Array.from(csv.data.subarray(0, 6)).map((v) => Math.fround(v))
    )
    // Data units: the 8 Gaussians sit on a circle of radius ~2√2 around the origin — not standardised (~1).
    const last = records[9]!.points
    const meanRadius =
      Array.from({ length: SNAPSHOT_POINTS }, (_, i) => Math.hypot(last[2 * i]!, last[2 * i + 1]!)).reduce(
        (a, b) => a + b
      ) / SNAPSHOT_POINTS
    expect(meanRadius).toBeGreaterThan(1.6)
    // Early snapshots differ from the final one (the map moves during training).
    expect(records[0]!.points).not.toEqual(records[9]!.points)
  })
})
