/**
 * Image sets in the renderer: the rows-per-class chart, the shared grid layout the canvases draw, and the
 * Gallery's hook (image runs draw 64 images from one seed, so every panel shows the same latent draws; they
 * show the run's stored held-out metrics rather than scoring 64 images).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { gridRaster } from '../../src/shared/image-grid'
import { classCountsOption } from '../../src/renderer/src/charts/classes'
import { detail, mockApi, sampleSet } from './fixtures'

const m = vi.hoisted(() => ({ api: {} as Record<string, unknown> }))
vi.mock('../../src/renderer/src/api', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/renderer/src/api')>()
  return {
    ...real,
    api: new Proxy({}, { get: (_t, domain: string) => m.api[domain] }),
    onEvent: () => () => {}
  }
})
const { isImageRun, useGalleryStore } = await import('../../src/renderer/src/stores/gallery')

beforeEach(() => setActivePinia(createPinia()))

describe('classCountsOption', () => {
  it('draws one bar per class in class order, labelled with count and share', () => {
    expect(classCountsOption([])).toBeNull()
    const o = classCountsOption([
      { name: '0', count: 30 },
      { name: '1', count: 10 }
    ]) as {
      yAxis: { data: string[] }
      series: { data: number[]; label: { formatter(p: unknown): string } }[]
    }
    expect(o.yAxis.data).toEqual(['0', '1'])
    expect(o.series[0]!.data).toEqual([30, 10])
    expect(o.series[0]!.label.formatter({ value: 10 })).toBe('10 (25.0 %)')
  })
})

describe('gridRaster (the canvases and the PNG grids)', () => {
  it('puts image i at column i mod cols, row ⌊i / cols⌋', () => {
    // Four 1×1 images, 2 per row, no gap or enlargement: the raster is the images themselves.
    const r = gridRaster([0, 1, 0.5, 0], 4, { shape: [1, 1], range: [0, 1] }, { cols: 2, scale: 1, gap: 0 })
    expect([r.width, r.height]).toEqual([2, 2])
    expect(Array.from(r.data.filter((_, k) => k % 4 === 0))).toEqual([0, 255, 128, 0])
  })
})

describe('the Gallery with image runs', () => {
  it('draws 64 images from one shared seed for an image run, 2000 points otherwise', async () => {
    const image = { shape: [14, 14], range: [0, 1] }
    m.api = mockApi({
      runs: {
        get: async (id: string) =>
          detail({
            id,
            name: id,
            config: id === 'img' ? { dataset: { spec: 'mnist14', name: 'mnist14', image } } : undefined
          }),
        samples: async (req) => sampleSet({ runId: req.runId })
      }
    }) as unknown as Record<string, unknown>
    expect(isImageRun(detail({ config: { dataset: { image } } }))).toBe(true)
    expect(isImageRun(detail())).toBe(false)
    const g = useGalleryStore()
    await g.addPanel('img')
    await g.addPanel('pts')
    const samples = (m.api.runs as { samples: ReturnType<typeof vi.fn> }).samples
    expect(samples.mock.calls.map(([req]) => [req.runId, req.n, req.seed, req.metrics])).toEqual([
      ['img', 64, 0, false],
      ['pts', 2000, undefined, true]
    ])
    // The image panel keeps the run's stored metrics and the sampler that measured them; the other does not.
    const [img, pts] = g.panels
    expect(img!.stored).toEqual({ metrics: detail().metrics, sampler: 'onestep', steps: 1 })
    expect(pts!.stored).toBeNull()
  })
})
