/**
 * `runs:nearest` (host/nearest-image.ts): the training image nearest to one sample image, searched over the
 * run's own split as its evaluation rebuilds it; the held-out median as the reference; clear one-line errors.
 * The run is stored without training (the search reads only its config).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateBuiltin, invertStandardization, resolveDataset } from '../../src/engine/data'
import { RunStore } from '../../src/engine/store'
import { rebuildData } from '../../src/engine/train/evaluate'
import { makeRunConfig } from '../../src/engine/train/train'
import type { Points } from '../../src/engine/types'
import { createLab, dispatch } from '../../src/host/handlers'
import { NearestImages } from '../../src/host/nearest-image'
import type { NearestImage } from '../../src/shared/api'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-nearest-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

const store = new RunStore(path.join(tmp, 'runs'))
const ds = resolveDataset('mnist14', { n: 300, seed: 4 })
const config = makeRunConfig(ds, { objective: 'energy', steps: 1, seed: 9 })
const runId = store.create({ config }).id
const { train, heldout, stats } = rebuildData(config)
/** Row i of standardised points, in data units (what the Gallery holds and sends). */
const pixels = (p: Points, i: number): number[] =>
  Array.from(invertStandardization({ n: 1, d: p.d, data: p.data.slice(i * p.d, (i + 1) * p.d) }, stats).data)

describe('runs:nearest', () => {
  const nearest = new NearestImages(store)

  it('finds a training image of the run’s split at distance 0, its own index, the image in data units', () => {
    for (const i of [0, 77]) {
      const r = nearest.find({ runId, pixels: pixels(train, i) })
      expect(r).toMatchObject({ runId, index: i, trainSize: train.n, heldoutQueries: heldout.n })
      expect(r.distance).toBeLessThan(1e-5)
      expect(r.image).toHaveLength(196)
      expect(Math.max(...r.image.map((v, k) => Math.abs(v - pixels(train, i)[k]!)))).toBeLessThan(1e-6)
    }
  })

  it('a held-out image is no copy: its distance is of the order of the held-out median', () => {
    const r = nearest.find({ runId, pixels: pixels(heldout, 3) })
    expect(r.heldoutMedian).toBeGreaterThan(1)
    expect(r.distance).toBeGreaterThan(0.3 * r.heldoutMedian)
    // The distance is in standardised units: the neighbour's pixels, scaled to [−1, 1], by hand.
    const q = pixels(heldout, 3)
    const byHand = Math.sqrt(r.image.reduce((s, v, k) => s + (2 * (v - q[k]!)) ** 2, 0))
    expect(r.distance).toBeCloseTo(byHand, 4)
  })

  it('refuses an image of the wrong size and a run not trained on images, in one line', () => {
    expect(() => nearest.find({ runId, pixels: [0, 1, 2] })).toThrow(
      /^Run "[^"]+" has images of 14×14 = 196 values; the request sent 3\.$/
    )
    const points = makeRunConfig(generateBuiltin('moons', 200, 0), { objective: 'energy', steps: 1 })
    const table = store.create({ config: points }).id
    expect(() => nearest.find({ runId: table, pixels: [0, 0] })).toThrow(
      /^Run "[^"]+" was not trained on images: it has no nearest training image\.$/
    )
  })
})

describe('runs:nearest over the contract', () => {
  const lab = createLab({
    version: '0',
    dataDir: tmp,
    spawnWorker: () => {
      throw new Error('no worker in this test')
    }
  })
  afterAll(() => lab.close())

  it('answers a valid request', async () => {
    const r = await dispatch(lab.handlers, 'runs:nearest', [{ runId, pixels: pixels(train, 5) }])
    expect(r.ok).toBe(true)
    if (r.ok) expect((r.value as NearestImage).index).toBe(5)
  })

  const bad: [string, unknown][] = [
    ['no pixels', { runId }],
    ['no run', { pixels: [0] }],
    ['a path as run id', { runId: '../runs', pixels: [0] }],
    ['empty pixels', { runId, pixels: [] }],
    ['a NaN pixel', { runId, pixels: [0, NaN] }],
    ['a string pixel', { runId, pixels: [0, '1'] }],
    ['too many values', { runId, pixels: new Array(64 * 64 * 4 + 1).fill(0) }],
    ['an unknown field', { runId, pixels: [0], index: 3 }]
  ]
  it.each(bad)('refuses %s with INVALID_REQUEST', async (_, payload) => {
    const r = await dispatch(lab.handlers, 'runs:nearest', [payload])
    expect(r).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.any(String) } })
    if (!r.ok) expect(r.error.message).not.toContain('\n')
  })

  it('names the run that does not exist', async () => {
    const r = await dispatch(lab.handlers, 'runs:nearest', [{ runId: 'nope', pixels: [0] }])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toMatch(/nope/)
  })
})

describe('runs:heldout (the Gallery’s reference panel)', () => {
  const nearest = new NearestImages(store)

  it('gives images of the run’s own held-out split, in data units, never a training image', () => {
    const p = nearest.heldout(runId, 64)
    expect(p.info).toMatchObject({ title: 'mnist14', rows: heldout.n, dim: 196, image: { shape: [14, 14] } })
    expect(p.n).toBe(64)
    expect(p.image).toEqual({ shape: [14, 14], range: [0, 1] })
    const rows = (q: Points): string[] =>
      Array.from({ length: q.n }, (_, i) =>
        pixels(q, i)
          .map((v) => v.toFixed(4))
          .join(',')
      )
    const held = new Set(rows(heldout))
    const trained = new Set(rows(train))
    for (let i = 0; i < p.n; i++) {
      const row = p.points
        .slice(i * 196, (i + 1) * 196)
        .map((v) => v.toFixed(4))
        .join(',')
      expect(held.has(row)).toBe(true)
      expect(trained.has(row)).toBe(false)
    }
  })

  it('refuses a run whose data changed since, naming why (the Gallery then shows the dataset’s sample)', () => {
    const other = makeRunConfig(ds, { objective: 'energy', steps: 1, seed: 9 })
    const changed = store.create({ config: { ...other, dataset: { ...other.dataset, rows: 301 } } }).id
    expect(() => nearest.heldout(changed, 64)).toThrow(/The data of this run changed/)
  })
})
