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
