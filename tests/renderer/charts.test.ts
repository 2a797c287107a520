import { describe, expect, it } from 'vitest'
import {
  column,
  extent,
  histogram,
  niceRange,
  niceStep,
  project,
  sharedBounds
} from '../../src/renderer/src/charts/points'
import { LARGE_THRESHOLD, scatterOption } from '../../src/renderer/src/charts/scatter'
import { equalSpans } from '../../src/renderer/src/charts/points'
import { histogramOption } from '../../src/renderer/src/charts/histogram'
import { pairDims, pairPlotOption } from '../../src/renderer/src/charts/pairplot'
import { lossCurveOption, metricCurvesOption, thin } from '../../src/renderer/src/charts/training'
import { panelOption, previewOption } from '../../src/renderer/src/charts/cloud'
import { COLORS, rangeAxis } from '../../src/renderer/src/charts/theme'
import {
  benchLines,
  bestK,
  DOMINATED_OPACITY,
  LEGEND_COLUMN,
  latencyVsStepsOption,
  paretoOption,
  runLabels,
  throughputOption
} from '../../src/renderer/src/charts/bench'
import { benchHeadlines } from '../../src/renderer/src/charts/bench-headline'
import { qualityMetric } from '../../src/shared/quality'
import { benchReport, benchRow, crowdedReport, METRICS } from './fixtures'

type Obj = Record<string, unknown>
const series = (o: unknown): Obj[] => (o as { series: Obj[] }).series
const axis = (o: unknown, k: 'xAxis' | 'yAxis'): Obj => (o as Record<string, Obj>)[k]!
const axes = (o: unknown, k: 'xAxis' | 'yAxis'): Obj[] => (o as Record<string, Obj[]>)[k]!

/** A deterministic 2-D cloud of n points on a circle of radius r. */
function circle(n: number, r = 1): number[] {
  return Array.from({ length: n }, (_, i) => [r * Math.cos(i), r * Math.sin(i)]).flat()
}

describe('points', () => {
  it('projects row-major clouds and drops non-finite rows', () => {
    const cloud = { points: [1, 2, 3, 4, 5, 6, NaN, 0, 9], dim: 3 }
    expect(project(cloud, 0, 2)).toEqual([
      [1, 3],
      [4, 6]
    ])
    expect(column(cloud, 1)).toEqual([2, 5, 0])
    expect(project({ points: [1, 2], dim: 1 })).toEqual([
      [1, 0],
      [2, 0]
    ])
    expect(extent([3, -1, 2])).toEqual([-1, 3])
  })

  it('picks nice steps and padded ranges', () => {
    expect(niceStep(10, 5)).toBe(2)
    expect(niceStep(0.7, 7)).toBe(0.1)
    expect(niceRange(-3.9, 4.1)).toEqual([-5, 5])
    expect(niceRange(2, 2)).toEqual([1, 3])
    expect(niceRange(Infinity, -Infinity)).toEqual([-1, 1])
  })

  it('shares bounds across clouds so that every point fits', () => {
    const a = { points: circle(50, 1), dim: 2 }
    const b = { points: circle(50, 3).map((v) => v + 1), dim: 2 }
    const bounds = sharedBounds([a, b])
    for (const [x, y] of [...project(a), ...project(b)]) {
      expect(x).toBeGreaterThanOrEqual(bounds.xMin)
      expect(x).toBeLessThanOrEqual(bounds.xMax)
      expect(y).toBeGreaterThanOrEqual(bounds.yMin)
      expect(y).toBeLessThanOrEqual(bounds.yMax)
    }
  })

  it('gives both axes the same span and step with `equal` (round circles in square plots)', () => {
    const wide = { points: [-4, -1, 4, 1, 0, 0.5], dim: 2 }
    const b = sharedBounds([wide], 0, 1, { equal: true })
    expect(b.xMax - b.xMin).toBeCloseTo(b.yMax - b.yMin, 12)
    expect(b.xStep).toBe(b.yStep)
    expect(b.xMin).toBeLessThanOrEqual(-4)
    expect(b.xMax).toBeGreaterThanOrEqual(4)
    expect(b.yMin).toBeLessThanOrEqual(-1)
    expect(b.yMax).toBeGreaterThanOrEqual(1)
    // snapped to half steps
    for (const v of [b.xMin, b.xMax, b.yMin, b.yMax]) {
      expect(Math.abs(v / (b.xStep! / 2) - Math.round(v / (b.xStep! / 2)))).toBeLessThan(1e-9)
    }
  })

  it('labels fixed ranges only at tick multiples', () => {
    expect(rangeAxis(-4, 4, 2)).toMatchObject({
      min: -4,
      max: 4,
      interval: 2,
      axisLabel: { showMinLabel: true }
    })
    const off = rangeAxis(-5, 4, 2)
    expect(off).not.toHaveProperty('interval')
    expect(off).toMatchObject({ axisLabel: { showMinLabel: false, showMaxLabel: true } })
    expect(rangeAxis(-4, 4, 2, true)).toMatchObject({
      axisLabel: { showMinLabel: false, showMaxLabel: false }
    })
    expect(rangeAxis(0, 1)).toEqual({ min: 0, max: 1 })
  })

  it('builds density histograms that integrate to one', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 100) / 100)
    const h = histogram(values, 20, [0, 1])
    expect(h.edges).toHaveLength(21)
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000)
    const area = h.density.reduce((a, d) => a + d * (1 / 20), 0)
    expect(area).toBeCloseTo(1, 10)
    expect(histogram([5], 4).counts.reduce((a, b) => a + b)).toBe(1)
  })
})

describe('scatterOption', () => {
  it('escapes the series name in its tooltip: a Gallery panel is named after its run, the user’s text', () => {
    const name = '<img src=x onerror=alert(1)>'
    const o = scatterOption({ series: [{ name, points: circle(3), dim: 2 }] }) as {
      tooltip: { formatter: (p: unknown) => string }
    }
    const tip = o.tooltip.formatter({ seriesName: name, value: [1, 2] })
    expect(tip).toBe('&#60;img src=x onerror=alert(1)&#62;<br/>(1.00, 2.00)')
    expect(tip).not.toContain('<img')
  })

  it('plots each cloud with named axes, given bounds and inside zoom', () => {
    const o = scatterOption({
      series: [
        { name: 'data', points: circle(10), dim: 2, role: 'data' },
        { name: 'samples', points: circle(10, 2), dim: 2 }
      ],
      xName: 'x',
      yName: 'y',
      bounds: { xMin: -4, xMax: 4, yMin: -3, yMax: 3 },
      zoom: true
    })
    expect(axis(o, 'xAxis')).toMatchObject({ name: 'x', min: -4, max: 4 })
    // The narrower range is widened about its centre: a point cloud is never stretched.
    expect(axis(o, 'yAxis')).toMatchObject({ name: 'y', min: -4, max: 4 })
    const s = series(o)
    expect(s.map((x) => x.name)).toEqual(['data', 'samples'])
    expect((s[0]!.data as unknown[]).length).toBe(10)
    expect((s[0]!.itemStyle as Obj).color).toBe(COLORS.data)
    expect((s[1]!.itemStyle as Obj).color).toBe(COLORS.samples[0])
    expect((o as { dataZoom: Obj[] }).dataZoom).toHaveLength(2)
    expect((o as { legend: Obj }).legend.show).not.toBe(false)
  })

  it.each([
    ['a wide band', [-8, -1, 8, 1, 0, 0.5], true],
    ['a tall band, no legend', [-1, -8, 1, 8], false]
  ])('draws %s with equal pixels per data unit in a square chart', (_, points, twoSeries) => {
    const clouds = [
      { name: 'a', points, dim: 2 },
      ...(twoSeries ? [{ name: 'b', points: [0, 0], dim: 2 }] : [])
    ]
    const o = scatterOption({ series: clouds }) as { grid: Record<string, number> }
    const size = 500 // ChartPanel's square box
    const g = o.grid
    const plotW = size - g.left! - g.right!
    const plotH = size - g.top! - g.bottom!
    const x = axis(o, 'xAxis') as { min: number; max: number }
    const y = axis(o, 'yAxis') as { min: number; max: number }
    expect(plotW / (x.max - x.min)).toBeCloseTo(plotH / (y.max - y.min), 9)
    for (const [px, py] of project({ points, dim: 2 })) {
      expect(px).toBeGreaterThanOrEqual(x.min)
      expect(px).toBeLessThanOrEqual(x.max)
      expect(py).toBeGreaterThanOrEqual(y.min)
      expect(py).toBeLessThanOrEqual(y.max)
    }
  })

  it('widens unequal bounds about their centre to one span and one step', () => {
    expect(equalSpans({ xMin: 0, xMax: 10, yMin: 4, yMax: 6, xStep: 2, yStep: 0.5 })).toEqual({
      xMin: 0,
      xMax: 10,
      yMin: 0,
      yMax: 10,
      xStep: 2,
      yStep: 2
    })
  })

  it('switches big clouds to large, progressive mode', () => {
    const small = series(scatterOption({ series: [{ name: 's', points: circle(100), dim: 2 }] }))[0]!
    const big = series(
      scatterOption({ series: [{ name: 'b', points: circle(LARGE_THRESHOLD + 1), dim: 2 }] })
    )[0]!
    expect(small.large).toBe(false)
    expect(big).toMatchObject({ large: true, largeThreshold: LARGE_THRESHOLD, progressive: 5000 })
  })
})

describe('histogramOption', () => {
  it('overlays data and samples on common bins as step outlines', () => {
    const o = histogramOption({
      series: [
        { name: 'data', points: [0, 0.1, 0.2, 0.9], dim: 1, role: 'data' },
        { name: 'samples', points: [0.5, 0.6], dim: 1 }
      ],
      bins: 10,
      range: [0, 1]
    })
    const [data, samples] = series(o)
    // closed step outline: 2 points per bin + both ends
    expect((data!.data as unknown[]).length).toBe(22)
    expect((samples!.data as unknown[]).length).toBe(22)
    expect(axis(o, 'xAxis')).toMatchObject({ min: 0, max: 1 })
    expect(axis(o, 'yAxis')).toMatchObject({ name: 'density' })
  })
})

describe('pairPlotOption', () => {
  it('draws k × k cells, histograms on the diagonal, for the first four coordinates', () => {
    const dim = 5
    const points = Array.from({ length: 40 * dim }, (_, i) => Math.sin(i))
    const o = pairPlotOption({ points, dim, names: ['a', 'b', 'c', 'd', 'e'] })
    const grids = (o as { grid: unknown[] }).grid
    expect(grids).toHaveLength(16)
    const s = series(o)
    expect(s.filter((x) => x.type === 'line')).toHaveLength(4)
    expect(s.filter((x) => x.type === 'scatter')).toHaveLength(12)
    const xNames = axes(o, 'xAxis')
      .map((a) => a.name)
      .filter(Boolean)
    expect(xNames).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('training charts', () => {
  it('thins long curves and keeps the last point', () => {
    const pts = Array.from({ length: 5000 }, (_, i) => i)
    const t = thin(pts, 100)
    expect(t).toHaveLength(100)
    expect(t.at(-1)).toBe(4999)
  })

  it('uses a log loss axis only for positive losses spanning two decades', () => {
    const decaying = Array.from({ length: 50 }, (_, i): [number, number] => [i * 10, 10 * Math.exp(-i / 5)])
    expect(axis(lossCurveOption(decaying), 'yAxis')).toMatchObject({ type: 'log', name: 'loss (log scale)' })
    const signed: [number, number][] = [
      [0, 0.5],
      [10, -0.01],
      [20, NaN]
    ]
    const o = lossCurveOption(signed, { totalSteps: 100 })
    expect(axis(o, 'yAxis')).toMatchObject({ type: 'value', name: 'loss' })
    expect(axis(o, 'xAxis')).toMatchObject({ name: 'step', max: 100 })
    expect(series(o)[0]!.data).toHaveLength(2)
  })

  it('splits held-out metrics into distances and k-NN rates', () => {
    const o = metricCurvesOption([
      { step: 100, metrics: METRICS },
      { step: 200, metrics: { ...METRICS, energy: 0.005 } }
    ])
    const s = series(o)
    expect(s.map((x) => x.name)).toEqual([
      'Energy distance',
      'MMD²',
      'Sliced W₂²',
      'Precision',
      'Recall',
      'Coverage'
    ])
    expect(s[0]!.data).toEqual([
      [100, 0.012],
      [200, 0.005]
    ])
    expect(s.slice(0, 3).every((x) => x.yAxisIndex === 0 && x.xAxisIndex === 0)).toBe(true)
    expect(s.slice(3).every((x) => x.yAxisIndex === 1)).toBe(true)
    expect(axes(o, 'yAxis')[1]).toMatchObject({ min: 0, max: 1 })
  })
})

describe('cloud charts', () => {
  it('previews by dimension: histogram, scatter, pair plot', () => {
    expect(series(previewOption({ points: [1, 2, 3], dim: 1 }))[0]!.type).toBe('line')
    expect(series(previewOption({ points: circle(5), dim: 2 }))[0]!.type).toBe('scatter')
    expect((previewOption({ points: Array(30).fill(1), dim: 3 }) as { grid: unknown[] }).grid).toHaveLength(9)
  })

  it('gallery panels use the shared bounds', () => {
    const bounds = { xMin: -5, xMax: 5, yMin: -2, yMax: 2 }
    const o2 = panelOption({
      clouds: [{ name: 'r', points: circle(5), dim: 2, role: 'samples' }],
      bounds,
      zoom: true
    })
    expect(axis(o2, 'xAxis')).toMatchObject({ min: -5, max: 5 })
    expect(axis(o2, 'yAxis')).toMatchObject({ min: -5, max: 5 })
    const o1 = panelOption({ clouds: [{ name: 'r', points: [0, 1], dim: 1, role: 'samples' }], bounds })
    expect(axis(o1, 'xAxis')).toMatchObject({ min: -5, max: 5 })
  })
})

describe('benchmark charts', () => {
  it('name runs by the names given to them, else by objective, with the id tail where two read the same', () => {
    const rows = [
      { ...benchRow({ run: 'a-cfm-0e3f', objective: 'cfm' }), name: 'cfm-moons-cancel' },
      { ...benchRow({ run: 'b-cfm-f428', objective: 'cfm' }), name: 'cfm-moons-b' },
      { ...benchRow({ run: 'c-energy-11aa', objective: 'energy' }), name: 'energy on 8gaussians' },
      benchRow({ run: 'd-energy-22bb', objective: 'energy' })
    ]
    expect([...runLabels(rows)]).toEqual([
      ['a-cfm-0e3f', 'cfm-moons-cancel'],
      ['b-cfm-f428', 'cfm-moons-b'],
      // a default name ("objective on data") and a run the view does not know: their objective, told apart
      ['c-energy-11aa', 'energy (y-11aa)'],
      ['d-energy-22bb', 'energy (y-22bb)']
    ])
    const lines = benchLines({ table: rows }, 64)
    expect(lines.map((l) => l.label)).toContain('cfm-moons-cancel · one step')
  })

  it('keeps the faster of fused and separate calls for each K, one-step maps first', () => {
    const lines = benchLines(benchReport(), 64)
    expect(lines.map((l) => l.label)).toEqual(['energy · one step', 'cfm · euler'])
    const euler = lines[1]!
    expect(euler.points.map((p) => p.steps)).toEqual([1, 4, 16])
    expect(euler.points.every((p) => p.fused)).toBe(true)
    expect(euler.points.map((p) => p.latencyMs.p50)).toEqual([0.1, 0.4, 1.6].map((v) => expect.closeTo(v, 9)))
    // Where the separate calls are faster, they are the point.
    const table = benchReport().table.map((r) =>
      r.run === 'run-2' && r.steps === 4 && !r.fused && r.batch === 64
        ? { ...r, latencyMs: { ...r.latencyMs, p50: 0.2 } }
        : r
    )
    const four = benchLines({ table }, 64)[1]!.points[1]!
    expect(four).toMatchObject({ steps: 4, fused: false, latencyMs: { p50: 0.2 } })
  })

  it('image runs: the plane, its front and the best K read fd, not the pixel-space energy', () => {
    const r = benchReport()
    // fd ranks the configurations against their energies: the map is worst, euler K = 1 best.
    r.table = r.table.map((x) => ({
      ...x,
      metrics: { ...x.metrics!, fd: x.sampler === 'onestep' ? 30 : 20 / x.steps }
    }))
    r.table = r.table.map((x) =>
      x.sampler === 'euler' && x.steps === 1 ? { ...x, metrics: { ...x.metrics!, fd: 1 } } : x
    )
    expect(qualityMetric(r.table)).toBe('fd')
    const o = paretoOption(r, 64)!
    expect(axis(o, 'yAxis')).toMatchObject({ name: expect.stringMatching(/^fd, classifier features/) })
    const s = series(o)
    expect((s[0]!.data as { value: number[] }[])[0]!.value).toEqual([0.1, 30])
    expect(bestK(r.table.filter((x) => x.sampler === 'euler' && x.batch === 64))).toBe(1)
    // One row without fd (a report mixing image and table runs): back to energy.
    r.table[0] = { ...r.table[0]!, metrics: { ...r.table[0]!.metrics!, fd: undefined } }
    expect(qualityMetric(r.table)).toBe('energy')
  })

  it('draws the Pareto plane: one-step diamonds, K-step paths, the front as a staircase', () => {
    const o = paretoOption(benchReport(), 64)!
    // latency 0.1 … 1.6 ms and energy 0.002 … 0.05 both span more than a decade
    expect(axis(o, 'xAxis')).toMatchObject({ type: 'log', min: 0.1, max: 2 })
    expect(axis(o, 'yAxis')).toMatchObject({ type: 'log', min: 0.002, max: 0.05 })
    expect(String(axis(o, 'xAxis').name)).toContain('(log scale)')
    const s = series(o)
    expect(s.map((x) => x.name)).toEqual(['energy · one step', 'cfm · euler', 'Pareto front'])
    expect(s[0]).toMatchObject({ type: 'scatter', symbol: 'diamond' })
    expect((s[0]!.data as { value: number[] }[])[0]!.value).toEqual([0.1, 0.004])
    expect((s[1]!.data as { k: number }[]).map((d) => d.k)).toEqual([1, 4, 16])
    // Front: the map (fastest), then euler K=16 (the only point with lower energy), already the slowest.
    expect(s[2]!.data).toEqual([
      [0.1, 0.004],
      [expect.closeTo(1.6, 9), 0.002]
    ])
    expect(s[2]).toMatchObject({ step: 'end', symbol: 'none' })
    expect((s[2]!.lineStyle as Obj).type).toBeUndefined() // solid, no longer dashed
    // Labels on the front only: the map and K=16, named as the headline names them.
    const named = s.flatMap((x) =>
      (x.data as Obj[])
        .filter((d) => (d.label as Obj | undefined)?.show)
        .map((d) => (d.label as Obj).formatter)
    )
    expect(named).toEqual(['energy · one step', 'cfm · euler K=16'])
    // A second sampler of the run: the run's colour, its own symbol.
    const two = benchReport()
    two.table.push(
      ...two.table.filter((r) => r.sampler === 'euler').map((r) => ({ ...r, sampler: 'heun' as const }))
    )
    const paths = series(paretoOption(two, 64)!).filter((x) => x.type === 'line' && x.name !== 'Pareto front')
    expect(paths.map((x) => [x.name, x.symbol, (x.itemStyle as Obj).color])).toEqual([
      ['cfm · euler', 'circle', COLORS.samples[1]],
      ['cfm · heun', 'triangle', COLORS.samples[1]]
    ])
    // Without quality there is nothing to place.
    const noQuality = { table: benchReport().table.map((r) => ({ ...r, metrics: null })) }
    expect(paretoOption(noQuality, 64)).toBeNull()
  })

  it('picks each axis of the plane by the spread of its values: linear within a decade', () => {
    // K = 1 and 4 only: latency 0.1 … 0.4 ms (4×), energy 0.004 … 0.05 (12.5×)
    const narrow = { table: benchReport().table.filter((r) => r.steps <= 4) }
    const o = paretoOption(narrow, 64)!
    expect(axis(o, 'xAxis')).toMatchObject({ type: 'value', scale: true })
    expect(String(axis(o, 'xAxis').name)).toBe('p50 latency, ms, batch 64')
    expect(axis(o, 'yAxis')).toMatchObject({ type: 'log' })
    expect(String(axis(o, 'yAxis').name)).toBe('held-out energy distance (lower is better, log scale)')
  })

  describe('a crowded report: 13 one-step maps and cfm with Euler and Heun (16 series)', () => {
    const o = paretoOption(crowdedReport(), 64)!
    const s = series(o)
    const lines = s.filter((x) => x.name !== 'Pareto front')
    type Item = { value: number[]; front: boolean; label?: Obj; itemStyle?: Obj; tip: string }
    const items = lines.flatMap((x) => (x.data as Item[]).map((d) => ({ ...d, series: String(x.name) })))

    it('emphasises and names the front, fades every configuration it beats', () => {
      expect(lines).toHaveLength(15)
      const front = ['wgan-gp · one step', 'gan · one step', 'cfm · heun K=8', 'cfm · heun K=16']
      const named = items.filter((d) => d.label?.show)
      expect(named.map((d) => d.label!.formatter).sort()).toEqual([...front].sort())
      expect(items.filter((d) => d.front)).toEqual(named)
      for (const d of items.filter((d) => !d.front))
        expect(d.itemStyle).toMatchObject({ opacity: DOMINATED_OPACITY })
      // The staircase, carried to the slowest configuration (Heun K = 32 at 1.92 ms).
      const stairs = s.find((x) => x.name === 'Pareto front')!
      expect(stairs.data).toEqual([
        [0.019, 0.018],
        [0.02, 0.007],
        [expect.closeTo(0.48, 9), 0.004],
        [expect.closeTo(0.96, 9), 0.003],
        [expect.closeTo(1.92, 9), 0.003]
      ])
      // Overlapping names move apart or hide (the LabelLayout feature is registered in setup.ts).
      expect(lines.every((x) => (x.labelLayout as Obj).hideOverlap === true)).toBe(true)
    })

    it("names in the plane the headline's one-step map and its matched configuration", () => {
      const [h] = benchHeadlines(crowdedReport(), 64)
      const named = items.filter((d) => d.label?.show).map((d) => d.label!.formatter)
      expect(named).toContain(h!.onestep.label)
      expect(named).toContain(h!.matched!.label)
    })

    it('tells 16 series apart: a colour per run, a symbol per sampler and per one-step family', () => {
      const marks = lines.map((x) => `${(x.itemStyle as Obj).color} ${x.symbol}`)
      expect(new Set(marks).size).toBe(lines.length)
      const symbol = (name: string): unknown => lines.find((x) => x.name === name)!.symbol
      expect(symbol('energy · one step')).toBe('diamond')
      expect(symbol('vae · one step')).toBe('rect')
      expect(symbol('ct · one step')).toMatch(/^path:\/\//)
      expect(symbol('cfm · heun')).toBe('triangle')
    })

    it('puts the legend in a scrolling column beside the plot, grouped by run', () => {
      expect(o.legend).toMatchObject({ type: 'scroll', orient: 'vertical' })
      const legend = (o.legend as { data: string[] }).data
      expect(legend).toHaveLength(16)
      expect(legend.at(-1)).toBe('Pareto front')
      expect(legend.slice(-3, -1)).toEqual(['cfm · euler', 'cfm · heun'])
      expect((o.grid as Obj).right).toBeGreaterThanOrEqual(LEGEND_COLUMN)
      // A small report keeps its legend in a row above the plot.
      expect(paretoOption(benchReport(), 64)!.legend).not.toHaveProperty('orient')
    })

    it('tooltips name run, sampler, K, NFE, latency and quality, and what beats a faded point', () => {
      const euler32 = items.find((d) => d.series === 'cfm · euler' && d.value[0] > 0.9)!
      expect(euler32.tip).toContain('<b>cfm · euler</b> · K = 32 · 32 NFE')
      expect(euler32.tip).toMatch(/p50 0\.960 ms/)
      expect(euler32.tip).toContain('energy 0.00500')
      expect(euler32.tip).toContain('Beaten on latency and energy by cfm · heun K=8.')
      const gan = items.find((d) => d.series === 'gan · one step')!
      expect(gan.tip).toContain('On the Pareto front')
    })

    it("throughput: a run's samplers share its colour, the second striped", () => {
      const t = series(throughputOption(crowdedReport())!)
      expect(t).toHaveLength(15)
      const [euler, heun] = t.slice(-2) as Obj[]
      expect([euler!.name, heun!.name]).toEqual(['cfm · euler K=32', 'cfm · heun K=16'])
      expect((euler!.itemStyle as Obj).color).toBe((heun!.itemStyle as Obj).color)
      expect((euler!.itemStyle as Obj).decal).toBeUndefined()
      expect((heun!.itemStyle as Obj).decal).toMatchObject({ rotation: Math.PI / 4 })
      expect(throughputOption(crowdedReport())!.legend).toMatchObject({ orient: 'vertical' })
    })
  })

  it('plots latency against K on log–log axes, one-step maps as dashed lines across the K range', () => {
    const o = latencyVsStepsOption(benchReport(), 1)!
    expect(axis(o, 'xAxis')).toMatchObject({ type: 'log', min: 1, max: 16 })
    expect(axis(o, 'yAxis')).toMatchObject({ type: 'log' })
    expect(String(axis(o, 'yAxis').name)).toContain('batch 1')
    const [map, euler] = series(o)
    expect(map).toMatchObject({ lineStyle: { type: 'dashed' } })
    expect(map!.data).toEqual([{ value: [1, 0.05], symbol: 'diamond', symbolSize: 10 }, [16, 0.05]])
    expect((euler!.data as { value: number[] }[]).map((d) => d.value[0])).toEqual([1, 4, 16])
    expect(latencyVsStepsOption(benchReport(), 999)).toBeNull()
  })

  it('bars throughput per batch size, multi-step samplers at the K with the lowest energy', () => {
    expect(bestK(benchLines(benchReport(), 64)[1]!.points)).toBe(16)
    expect(bestK(benchLines(benchReport(), 64)[1]!.points.map((p) => ({ ...p, metrics: null })))).toBe(16)
    const o = throughputOption(benchReport())!
    expect((o as { xAxis: { data: string[] } }).xAxis.data).toEqual(['1', '64'])
    expect(axis(o, 'yAxis')).toMatchObject({ type: 'log' })
    const s = series(o)
    expect(s.map((x) => x.name)).toEqual(['energy · one step', 'cfm · euler K=16'])
    const values = (x: Obj): number[] => (x.data as { value: number }[]).map((d) => d.value)
    expect(values(s[0]!)).toEqual([expect.closeTo(20_000, 6), expect.closeTo(640_000, 6)])
    expect(values(s[1]!)).toEqual([expect.closeTo(1250, 6), expect.closeTo(40_000, 6)])
  })

  it('escapes run names in tooltips: a name is the user’s text, not markup', () => {
    const r = benchReport()
    const name = '<img src=x onerror=alert(1)>'
    r.table = r.table.map((x) => (x.run === 'run-1' ? { ...x, name } : x))
    const tips = [paretoOption(r, 64), latencyVsStepsOption(r, 64), throughputOption(r)].flatMap((o) =>
      series(o).flatMap((x) => (x.data as { tip?: string }[]).map((d) => d?.tip ?? ''))
    )
    expect(tips.join('')).not.toContain('<img')
    expect(tips.join('')).toContain('&#60;img src=x onerror=alert(1)&#62; · one step')
  })
})

describe('pair plot coordinates', () => {
  it('shows the chosen coordinates in order, ignoring ones out of range; the first four by default', () => {
    expect(pairDims(13)).toEqual([0, 1, 2, 3])
    expect(pairDims(3)).toEqual([0, 1, 2])
    expect(pairDims(13, [1, 12, 40, -1])).toEqual([1, 12])
    expect(pairDims(13, [])).toEqual([0, 1, 2, 3])
    const points = Array.from({ length: 13 * 5 }, (_, k) => k % 13)
    const o = pairPlotOption({
      points,
      dim: 13,
      dims: [2, 12],
      names: Array.from({ length: 13 }, (_, j) => `c${j}`)
    })
    const xs = (o.xAxis as { name: string }[]).map((a) => a.name).filter(Boolean)
    expect(xs).toEqual(['c2', 'c12'])
    // The diagonal histogram of c12 sits where every value is 12.
    const diag = (o.series as { type: string; data: [number, number][] }[]).filter((s) => s.type === 'line')
    expect(diag[1]!.data.some(([x, y]) => y > 0 && Math.abs(x - 12) < 0.5)).toBe(true)
  })
})
