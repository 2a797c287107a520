/** Reads the axis scales back from a rendered SVG: pixels per data unit from its tick labels. */
export interface Scales {
  /** Pixels per data unit across (x) and up (y), from the first two tick labels of each axis. */
  x: number
  y: number
}

/** The scales of the first plot area in `svg` (the first panel of a multi-panel figure). */
export function svgScales(svg: string): Scales {
  const panel = svg.split('<g class="panel"')[1] ?? svg
  const read = (cls: string, coord: 'x' | 'y'): [number, number][] =>
    [
      ...panel.matchAll(
        new RegExp(`<text class="${cls}" x="([-\\d.e]+)" y="([-\\d.e]+)"[^>]*>([-\\d.e]+)</text>`, 'g')
      )
    ].map((m) => [Number(coord === 'x' ? m[1] : m[2]), Number(m[3])])
  const slope = (t: [number, number][]): number => {
    if (t.length < 2) throw new Error('fewer than two tick labels')
    return Math.abs((t[1]![0] - t[0]![0]) / (t[1]![1] - t[0]![1]))
  }
  return { x: slope(read('xt', 'x')), y: slope(read('yt', 'y')) }
}
