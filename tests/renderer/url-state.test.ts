import { describe, expect, it } from 'vitest'
import {
  DEFAULT_STATE,
  formatUrlState,
  MAX_PANELS,
  parseUrlState
} from '../../src/renderer/src/util/url-state'

describe('URL state', () => {
  it('round-trips the view, the Gallery panels and the Benchmark selection', () => {
    const s = {
      view: 'gallery' as const,
      panels: [
        { runId: '20250101-energy-ab12', sampler: 'onestep', steps: 1 },
        { runId: 'run-2', sampler: 'heun', steps: 8 }
      ],
      bench: 'job-7',
      batch: 64
    }
    const hash = formatUrlState(s)
    expect(hash).toBe('#/gallery?panels=20250101-energy-ab12~onestep~1,run-2~heun~8&bench=job-7&batch=64')
    expect(parseUrlState(hash)).toEqual(s)
    expect(formatUrlState(DEFAULT_STATE)).toBe('#/datasets')
    expect(parseUrlState('')).toEqual(DEFAULT_STATE)
  })

  it('keeps a panel time grid: its spacing and an adaptive sampler tolerance', () => {
    const s = {
      ...DEFAULT_STATE,
      view: 'gallery' as const,
      panels: [
        { runId: 'a', sampler: 'heun', steps: 8, spacing: 'karras' as const },
        { runId: 'a', sampler: 'heun', steps: 8 },
        { runId: 'a', sampler: 'dopri5', steps: 1, tolerance: 0.0001 },
        { runId: 'a', sampler: 'dopri5', steps: 1, spacing: 'cosine' as const, tolerance: 0.001 }
      ]
    }
    const hash = formatUrlState(s)
    expect(hash).toBe('#/gallery?panels=a~heun~8~karras,a~heun~8,a~dopri5~1~~0.0001,a~dopri5~1~cosine~0.001')
    expect(parseUrlState(hash)).toEqual(s)
    // A spacing or tolerance that is not one: the item is dropped, not half-read.
    const bad = parseUrlState(
      '#/gallery?panels=a~heun~8~nope,a~dopri5~1~~2,a~dopri5~1~~-1,a~dopri5~1~~1e5,a~euler~2~~~x'
    )
    expect(bad.panels).toEqual([])
    expect(parseUrlState('#/gallery?panels=a~dopri5~1~~1e-5').panels).toEqual([
      { runId: 'a', sampler: 'dopri5', steps: 1, tolerance: 1e-5 }
    ])
  })

  it('drops what is malformed in an untrusted link and keeps the rest', () => {
    expect(parseUrlState('#/admin').view).toBe('datasets')
    expect(parseUrlState('#/benchmark?bench=../../etc&batch=-1')).toMatchObject({
      view: 'benchmark',
      bench: null,
      batch: null
    })
    const s = parseUrlState(
      '#/gallery?panels=ok~euler~4,<script>~onestep~1,r~EULER~4,r~euler~0,r~euler~1e3,r~euler~4~x,ok~euler~4'
    )
    expect(s.panels).toEqual([{ runId: 'ok', sampler: 'euler', steps: 4 }])
    const many = Array.from({ length: 40 }, (_, i) => `r${i}~onestep~1`).join(',')
    expect(parseUrlState(`#/gallery?panels=${many}`).panels).toHaveLength(MAX_PANELS)
    expect(parseUrlState(`#/gallery?panels=${'x'.repeat(5000)}`)).toEqual(DEFAULT_STATE)
  })
})
