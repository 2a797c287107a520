/**
 * The right plot for a cloud of any dimension: a histogram in 1-D, a scatter in 2-D, a pair plot above
 * (previews) or the first two coordinates (side-by-side gallery panels, which need one shared plane).
 */
import type { EChartsOption } from 'echarts'
import { histogramOption } from './histogram'
import { pairPlotOption } from './pairplot'
import { scatterOption } from './scatter'
import { sharedBounds, type Bounds, type Cloud } from './points'
import { COLORS } from './theme'

export interface NamedCloud extends Cloud {
  name: string
  role: 'data' | 'samples'
  color?: string
}

/** A dataset preview: histogram (1-D), scatter (2-D) or pair plot of the first four coordinates. */
export function previewOption(
  cloud: Cloud & { names?: string[]; dims?: number[] },
  name = 'data'
): EChartsOption {
  const xName = cloud.names?.[0] ?? 'x1'
  if (cloud.dim <= 1) return histogramOption({ series: [{ ...cloud, name, role: 'data' }], xName })
  if (cloud.dim === 2) {
    return scatterOption({
      series: [{ ...cloud, name, role: 'data', color: COLORS.samples[0] }],
      xName,
      yName: cloud.names?.[1] ?? 'x2'
    })
  }
  return pairPlotOption({ ...cloud, names: cloud.names, ...(cloud.dims ? { dims: cloud.dims } : {}) })
}

export interface PanelInput {
  clouds: NamedCloud[]
  /** Shared bounds across linked panels (2-D); from {@link panelBounds}. */
  bounds?: Bounds
  names?: string[]
  zoom?: boolean
}

/** Shared bounds for a set of side-by-side panels (first two coordinates, same span on both axes). */
export function panelBounds(clouds: Cloud[]): Bounds {
  return sharedBounds(clouds, 0, 1, { equal: true })
}

/** One gallery panel: histogram for 1-D clouds, scatter of the first two coordinates otherwise. */
export function panelOption(input: PanelInput): EChartsOption {
  const dim = input.clouds[0]?.dim ?? 2
  const xName = input.names?.[0] ?? 'x1'
  if (dim <= 1) {
    const range: [number, number] | undefined = input.bounds
      ? [input.bounds.xMin, input.bounds.xMax]
      : undefined
    return histogramOption({ series: input.clouds, xName, range, zoom: input.zoom })
  }
  return scatterOption({
    series: input.clouds,
    xName,
    yName: input.names?.[1] ?? 'x2',
    bounds: input.bounds,
    zoom: input.zoom,
    legend: input.clouds.length > 1
  })
}
