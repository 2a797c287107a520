/** A Datasets preview of an image set: 64 images, pooled pixel statistics and the rows per class. */
import { describe, expect, it } from 'vitest'
import { resolveDataset } from '../../src/engine/data'
import { IMAGE_PREVIEW, previewOf } from '../../src/host/dataset-parse'

describe('previewOf an image set', () => {
  it('sends at most 64 images, one pixel-statistics row and the class counts of all rows', () => {
    const ds = resolveDataset('mnist14', { n: 300, seed: 2 })
    const p = previewOf(ds, 2000)
    expect(p.n).toBe(IMAGE_PREVIEW)
    expect(p.points).toHaveLength(64 * 196)
    expect(p.image).toEqual({ shape: [14, 14], range: [0, 1] })
    expect(p.stats).toHaveLength(1)
    expect(p.stats[0]).toMatchObject({ name: 'pixels', min: 0, max: expect.closeTo(1, 2) })
    expect(p.classCounts!.map((c) => c.name)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    expect(p.classCounts!.reduce((s, c) => s + c.count, 0)).toBe(300)
    expect(p.classCounts![3]!.count).toBe(ds.labels!.filter((l) => l === 3).length)
  })
})
