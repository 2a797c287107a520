/**
 * Image runs' samples as a PNG grid: the layout and pixel mapping of `imageGrid`, and the whole path from a
 * trained image run to `sampleRun` (the PNG of `pfm sample --out grid.png`) and the contract's `runs:samples`
 * with `grid` (same seed → same draws).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, describe, expect, it } from 'vitest'
import { imageGrid, imageGridPng } from '../../../src/engine/io/image-grid'
import { RunStore } from '../../../src/engine/store'
import { sampleRun } from '../../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'
import { sampleSet } from '../../../src/host/runs'
import { cheapImageEvaluator } from '../../helpers/image-evaluator'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-grid-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('imageGrid', () => {
  it('lays images out row by row with gaps, clips to the range and enlarges', () => {
    // Three 1×2 grey images in [0, 10]: (0, 10), (5, 20 → clipped to 10), (−3 → 0, 2.5).
    const pts = { n: 3, d: 2, data: new Float32Array([0, 10, 5, 20, -3, 2.5]) }
    const r = imageGrid(pts, { shape: [1, 2], range: [0, 10] }, { cols: 2, scale: 2, gap: 1 })
    expect([r.width, r.height]).toEqual([2 * 4 + 3, 2 * 2 + 3])
    const px = (x: number, y: number): number[] =>
      Array.from(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4))
    expect(px(0, 0)).toEqual([96, 96, 96, 255]) // gap
    expect(px(1, 1)).toEqual([0, 0, 0, 255]) // image 0, pixel 0
    expect(px(4, 2)).toEqual([255, 255, 255, 255]) // image 0, pixel 1 (enlarged ×2)
    expect(px(6, 1)).toEqual([128, 128, 128, 255]) // image 1, pixel 0: 5 of 10
    expect(px(8, 1)).toEqual([255, 255, 255, 255]) // image 1, pixel 1: clipped
    expect(px(1, 4)).toEqual([0, 0, 0, 255]) // image 2 on the second row: clipped
    expect(px(3, 4)).toEqual([64, 64, 64, 255])
    expect(px(6, 4)).toEqual([96, 96, 96, 255]) // empty cell
  })

  it('writes RGB images as a PNG that decodes to the same pixels', () => {
    const pts = { n: 1, d: 3, data: new Float32Array([1, 0, 0.5]) }
    const png = PNG.sync.read(
      Buffer.from(imageGridPng(pts, { shape: [1, 1, 3], range: [0, 1] }, { scale: 1, gap: 0 }))
    )
    expect([png.width, png.height]).toEqual([1, 1])
    expect(Array.from(png.data)).toEqual([255, 0, 128, 255])
  })

  it('refuses samples that are not images of the shape', () => {
    expect(() =>
      imageGrid({ n: 1, d: 5, data: new Float32Array(5) }, { shape: [2, 2], range: [0, 1] })
    ).toThrow(/Images of 2×2 need 4 values, the samples have 5\./)
  })
})

describe('an image run', () => {
  it('samples to a PNG grid (CLI) and a grid over the contract with shared draws', async () => {
    // 64 random 4×4 images in [0, 255] (pixel range fixed by a 0 and a 255), a few steps of the energy map.
    const n = 64
    const data = new Float32Array(n * 16).map((_, k) => (k % 17 === 0 ? 255 : (k * 37) % 200))
    data[1] = 0
    const ds: Dataset = {
      name: 'tiny',
      source: { kind: 'file', path: 'tiny.npy' },
      n,
      d: 16,
      data,
      columns: Array.from({ length: 16 }, (_, j) => `x${j}`),
      image: { shape: [4, 4], range: [0, 255] }
    }
    const store = new RunStore(path.join(tmp, 'runs'))
    const config = makeRunConfig(ds, {
      objective: 'energy',
      steps: 3,
      batch: 16,
      heldout: 0.25,
      model: { width: 16, depth: 1 }
    })
    // This test reads none of the run's image metrics: a classifier trained for a few steps scores them.
    const r = await trainRun(ds, config, { store, images: await cheapImageEvaluator(ds, config) })
    const id = r.runId!

    const s = await sampleRun(store, id, 9)
    expect(s.image).toEqual({ shape: [4, 4], range: [0, 255] })
    const png = PNG.sync.read(Buffer.from(imageGridPng(s.points, s.image!)))
    // 3 × 3 images of 4 px enlarged ×7 (to 28 px), 2-px gaps.
    expect([png.width, png.height]).toEqual([3 * 28 + 4 * 2, 3 * 28 + 4 * 2])

    const a = await sampleSet(store, { runId: id, n: 4, grid: true, seed: 7 })
    const b = await sampleSet(store, { runId: id, n: 4, grid: true, seed: 7 })
    const c = await sampleSet(store, { runId: id, n: 4, seed: 8 })
    expect(a.image).toEqual({ shape: [4, 4], range: [0, 255] })
    expect(a.gridPng).toBe(b.gridPng)
    expect(a.points).toEqual(b.points)
    expect(c.points).not.toEqual(a.points)
    expect(c.gridPng).toBeUndefined()
    const grid = PNG.sync.read(Buffer.from(a.gridPng!, 'base64'))
    expect([grid.width, grid.height]).toEqual([2 * 28 + 3 * 2, 2 * 28 + 3 * 2])
  })
})
