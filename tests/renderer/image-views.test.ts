/**
 * Image sets in the renderer: the rows-per-class chart, the shared grid layout the canvases draw, and the
 * Gallery's hook (image runs draw 64 images from one seed, so every panel shows the same latent draws; they
 * show the run's stored held-out metrics rather than scoring 64 images; a clicked image asks for its nearest
 * training image, and its grid's images are buttons reached by keyboard).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createApp, nextTick, type Component } from 'vue'
import type { NearestImage, NearestImageRequest } from '../../src/shared/api'
import { gridLayout, gridRaster } from '../../src/shared/image-grid'
import ImageGridPanel from '../../src/renderer/src/components/ImageGridPanel.vue'
import MetricBadges from '../../src/renderer/src/components/MetricBadges.vue'
import NearestImageCard from '../../src/renderer/src/components/NearestImageCard.vue'
import { classCountsOption } from '../../src/renderer/src/charts/classes'
import { IMAGE_METRICS, METRICS, detail, mockApi, sampleSet } from './fixtures'

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

/** Mounts one component with its props on an element of the page; `unmount` removes both. */
function mountWith(
  component: Component,
  props: Record<string, unknown>
): { el: HTMLElement; unmount(): void } {
  const el = document.createElement('div')
  document.body.appendChild(el)
  const app = createApp(component, props)
  app.mount(el)
  return {
    el,
    unmount: () => {
      app.unmount()
      el.remove()
    }
  }
}

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

  it('asks the host for a clicked image’s nearest training image; the last click wins', async () => {
    const image = { shape: [2, 2], range: [0, 1] }
    const answers: ((r: NearestImage) => void)[] = []
    m.api = mockApi({
      runs: {
        get: async (id: string) => detail({ id, config: { dataset: { spec: 'x', name: 'x', image } } }),
        samples: async (req) =>
          sampleSet({ runId: req.runId, dim: 4, n: 2, points: [0, 0, 0, 0, 1, 1, 1, 1] }),
        nearest: (req: NearestImageRequest) =>
          new Promise<NearestImage>((resolve) =>
            answers.push((r) => resolve({ ...r, runId: req.runId, image: req.pixels }))
          )
      }
    }) as unknown as Record<string, unknown>
    const g = useGalleryStore()
    await g.addPanel('img')
    const key = g.panels[0]!.key
    const answer = (distance: number): NearestImage =>
      ({ index: 7, trainSize: 10, distance, heldoutMedian: 2, heldoutQueries: 5 }) as NearestImage
    const first = g.pickImage(key, 0, [0, 0, 0, 0], null)
    const second = g.pickImage(key, 1, [1, 1, 1, 1], 40)
    expect(g.panels[0]!.nearest).toMatchObject({ index: 1, step: 40, loading: true, result: null })
    answers[1]!(answer(0.1))
    await second
    answers[0]!(answer(9))
    await first
    expect(g.panels[0]!.nearest).toMatchObject({
      index: 1,
      loading: false,
      error: null,
      result: { distance: 0.1, image: [1, 1, 1, 1] }
    })
    const nearest = (m.api.runs as { nearest: ReturnType<typeof vi.fn> }).nearest
    expect(nearest.mock.calls.map(([req]) => req)).toEqual([
      { runId: 'img', pixels: [0, 0, 0, 0] },
      { runId: 'img', pixels: [1, 1, 1, 1] }
    ])
    g.closeNearest(key)
    expect(g.panels[0]!.nearest).toBeNull()
  })
})

describe('a selectable image grid', () => {
  it('places one button per image over its cell; a click selects, arrows move the focus', async () => {
    const picked: number[] = []
    const { el, unmount } = mountWith(ImageGridPanel, {
      points: new Array(6 * 4).fill(0.5),
      image: { shape: [2, 2], range: [0, 1] },
      cols: 3,
      selectable: true,
      selected: 4,
      onSelect: (i: number) => picked.push(i)
    })
    await nextTick()
    const cells = [...el.querySelectorAll<HTMLButtonElement>('[data-test=image-cell]')]
    expect(cells).toHaveLength(6)
    // Image 4 (second row, second column) sits where the raster draws it, in percent of the raster.
    const c = gridLayout(6, [2, 2], { cols: 3 }).cell(4)
    const { width, height } = gridLayout(6, [2, 2], { cols: 3 })
    expect(cells[4]!.style.left).toBe(`${(100 * c.x) / width}%`)
    expect(cells[4]!.style.top).toBe(`${(100 * c.y) / height}%`)
    // One tab stop, on the selected image.
    expect(cells.map((b) => b.tabIndex)).toEqual([-1, -1, -1, -1, 0, -1])
    expect(cells[4]!.getAttribute('aria-pressed')).toBe('true')
    cells[1]!.click()
    cells[4]!.focus()
    cells[4]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }))
    await nextTick()
    await nextTick()
    expect(document.activeElement).toBe(cells[1])
    expect(cells.map((b) => b.tabIndex)).toEqual([-1, 0, -1, -1, -1, -1])
    expect(picked).toEqual([1])
    unmount()
  })
})

describe('the nearest-image card', () => {
  /** The card's verdict for a sample at `distance` from its neighbour, the held-out median being 2. */
  async function verdict(distance: number): Promise<string> {
    const result = {
      runId: 'r',
      index: 3,
      trainSize: 10,
      image: [0, 1, 0, 1],
      distance,
      heldoutMedian: 2,
      heldoutQueries: 5
    }
    const pick = { index: 0, pixels: [0, 1, 0, 1], step: null, loading: false, result, error: null }
    const { el, unmount } = mountWith(NearestImageCard, {
      pick,
      image: { shape: [2, 2], range: [0, 1] },
      of: 64
    })
    await nextTick()
    expect(el.querySelector('[data-test=nearest-distance]')!.textContent).toBe(String(distance))
    expect(el.textContent).toContain('training image 4 of 10')
    const v = el.querySelector('[data-test=nearest-verdict]')!
    const out = `${v.className.replace('verdict ', '')}: ${v.textContent!.trim()}`
    unmount()
    return out
  }

  it('calls a sample under a tenth of the held-out median a copy, one far above it off the data', async () => {
    expect(await verdict(0.1)).toMatch(/^poor: A copy/)
    expect(await verdict(1.8)).toMatch(/^good: Not a copy: held-out images lie a median 2 /)
    expect(await verdict(5)).toMatch(/^fair: Not a copy, but off the data/)
  })
})

describe('the badges of an image run', () => {
  it('name the n of fd and of its yard-sticks, and leave an fd of fewer samples uncoloured', async () => {
    const image = IMAGE_METRICS
    const text = async (m: typeof METRICS): Promise<{ fd: string; energy: string; tone: string }> => {
      const { el, unmount } = mountWith(MetricBadges, { metrics: m, showReference: true })
      await nextTick()
      const out = {
        fd: el.querySelector('[data-test=fd-reference]')!.textContent!.trim(),
        energy: el.querySelector('[data-test=energy-reference]')!.textContent!.trim(),
        tone: el.querySelector('[data-metric=fd]')!.className
      }
      unmount()
      return out
    }
    // An evaluation before the end: fd of 500 samples, yard-sticks at 2000; a stored run has no energy floor.
    const mid = await text({ ...METRICS, n: 500, image: { ...image, n: 500, referenceN: 2000 } })
    expect(mid.fd).toBe(
      'FD reference at n = 2,000: data floor 1.7 · Gaussian fit 9; this fd is of 500 samples, so it sits higher by small-sample bias (not coloured)'
    )
    expect(mid.tone).toContain('plain')
    expect(mid.energy).toBe('energy reference: Gaussian fit 0.3')
    const end = await text({ ...METRICS, energyFloor: 0.01, image: { ...image, n: 2000, referenceN: 2000 } })
    expect(end.fd).toBe('FD reference at n = 2,000: data floor 1.7 · Gaussian fit 9')
    expect(end.tone).toContain('fair')
    expect(end.energy).toBe('energy reference: data floor 0.01 · Gaussian fit 0.3')
  })

  it('say Clusters, not Classes, for unlabelled images scored by a classifier of k-means clusters', async () => {
    const label = async (features?: 'classes' | 'clusters'): Promise<string> => {
      const image = { ...IMAGE_METRICS, ...(features ? { features } : {}) }
      const { el, unmount } = mountWith(MetricBadges, { metrics: { ...METRICS, image } })
      await nextTick()
      const out = el.querySelector('[data-metric=classes] .badge-label')!.textContent!.trim()
      unmount()
      return out
    }
    // the badges' n is of the pixel-space metrics; fd states its own
    const { el, unmount } = mountWith(MetricBadges, { metrics: { ...METRICS, image: IMAGE_METRICS } })
    await nextTick()
    expect(el.querySelector('[data-test=points-n]')!.textContent!.trim()).toMatch(
      /^n = [\d,]+ \(pixel metrics\)$/
    )
    unmount()
    expect(await label('clusters')).toBe('Clusters')
    expect(await label('classes')).toBe('Classes')
    expect(await label()).toBe('Classes') // runs stored before the field
  })
})
