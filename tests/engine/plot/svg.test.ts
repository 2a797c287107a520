/** SVG plots: point clouds keep equal scales on both axes (a circle stays a circle); curves do not need to. */
import { describe, expect, it } from 'vitest'
import { equalizeRanges, renderPanels, renderPlot, type Series } from '../../../src/engine/plot/svg'
import { svgScales } from './svg-scales'

/** An ellipse-free test cloud: a wide, flat band of points (x in [−8, 8], y in [−1, 1]). */
const band: Series = {
  name: 'band',
  x: Float32Array.from({ length: 50 }, (_, i) => -8 + (16 * i) / 49),
  y: Float32Array.from({ length: 50 }, (_, i) => Math.sin(i)),
  color: '#000',
  style: 'points'
}

describe('renderPlot', () => {
  it('draws a point cloud with equal pixels per unit on both axes, even in a wide frame of a flat band', () => {
    const s = svgScales(renderPlot([band], { title: 't', xLabel: 'x', yLabel: 'y', width: 900, height: 400 }))
    expect(s.x).toBeCloseTo(s.y, 6)
  })

  it('keeps independent scales for curves, and on request for points', () => {
    const curve: Series = { ...band, style: 'line' }
    const c = svgScales(renderPlot([curve], { title: 't', xLabel: 'x', yLabel: 'y' }))
    expect(c.y / c.x).toBeGreaterThan(3)
    const p = svgScales(renderPlot([band], { title: 't', xLabel: 'x', yLabel: 'y', equalScales: false }))
    expect(p.y / p.x).toBeGreaterThan(3)
  })

  it('escapes titles', () => {
    expect(renderPlot([band], { title: 'a < b & "c"', xLabel: 'x', yLabel: 'y' })).toContain(
      'a &lt; b &amp; &quot;c&quot;'
    )
  })
})

describe('renderPanels', () => {
  it('draws every panel on the same square axes with equal scales', () => {
    const tall: Series = { ...band, x: band.y, y: band.x }
    const svg = renderPanels(
      [
        { title: 'wide\nsecond line', series: [band] },
        { title: 'tall', series: [tall] }
      ],
      { title: 'panels', xLabel: 'x', yLabel: 'y', size: 200 }
    )
    expect(svg.match(/<g class="panel"/g)).toHaveLength(2)
    const s = svgScales(svg)
    expect(s.x).toBeCloseTo(s.y, 6)
    // The shared range holds both clouds: ±8 on both axes (plus padding) in 200 px.
    expect(s.x).toBeLessThan(200 / 16)
    expect(svg).toContain('second line')
  })
})

describe('equalizeRanges', () => {
  it('widens the narrower range about its centre to the same units per pixel', () => {
    const { xr, yr } = equalizeRanges([0, 10], [4, 6], 100, 50)
    expect(xr).toEqual([0, 10])
    expect(yr).toEqual([2.5, 7.5])
  })
})
