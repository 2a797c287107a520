import { describe, expect, it } from 'vitest'
import {
  axisScale,
  dominator,
  LOG_SPREAD,
  logBounds,
  paretoFront
} from '../../src/renderer/src/charts/pareto'

/** A named point of the plane: `name` latency/score. */
const pt = (latency: number, score: number): { latency: number; score: number; name: string } => ({
  latency,
  score,
  name: `${latency}/${score}`
})

describe('Pareto front', () => {
  // Each case: points → the front's names, in latency order. Both coordinates are lower-is-better.
  const cases: [string, ReturnType<typeof pt>[], string[]][] = [
    ['empty', [], []],
    ['one point', [pt(1, 1)], ['1/1']],
    [
      'dominated points left off, ties on latency resolved by score',
      [pt(1, 0.5), pt(2, 0.6), pt(3, 0.1), pt(0.5, 0.9), pt(4, 0.1), pt(5, 0.05), pt(3, 0.2)],
      ['0.5/0.9', '1/0.5', '3/0.1', '5/0.05']
    ],
    [
      // The fastest point is also the best: it beats everything (a one-step map that no sampler reaches).
      'one point beats all',
      [pt(2, 0.3), pt(0.02, 0.007), pt(0.4, 0.03), pt(0.02, 0.01)],
      ['0.02/0.007']
    ],
    ['equal points: the first kept', [pt(1, 1), pt(1, 1)], ['1/1']]
  ]
  it.each(cases)('%s', (_name, points, front) => {
    expect(paretoFront(points).map((p) => p.name)).toEqual(front)
  })

  it('every point off the front is beaten on both by a front point, named as the fastest such', () => {
    const points = [pt(1, 0.5), pt(2, 0.6), pt(3, 0.1), pt(0.5, 0.9), pt(4, 0.1), pt(5, 0.05), pt(3, 0.2)]
    const front = paretoFront(points)
    expect(dominator(pt(2, 0.6), front)?.name).toBe('1/0.5')
    expect(dominator(pt(3, 0.2), front)?.name).toBe('3/0.1')
    // beaten by 1/0.5, 3/0.1 and 5/0.05: the cheapest is named
    expect(dominator(pt(6, 0.6), front)?.name).toBe('1/0.5')
    expect(dominator(pt(4, 0.1), front)?.name).toBe('3/0.1')
    for (const f of front) expect(dominator(f, front)).toBeNull()
    for (const p of points.filter((p) => !front.includes(p))) expect(dominator(p, front)).not.toBeNull()
  })
})

describe('plane axes', () => {
  it('log only where positive values span a decade', () => {
    expect(LOG_SPREAD).toBe(10)
    // one-step maps at 0.02 ms, Heun K = 32 at 2 ms: two decades
    expect(axisScale([0.019, 0.04, 0.5, 1.96])).toBe('log')
    expect(axisScale([0.1, 1])).toBe('log')
    // eight samplers within 3× of each other
    expect(axisScale([0.3, 0.45, 0.6, 0.9])).toBe('value')
    expect(axisScale([0.1, 0.99])).toBe('value')
    expect(axisScale([2])).toBe('value')
    // nothing to log: a score at or below zero, or no value
    expect(axisScale([-0.001, 0.5])).toBe('value')
    expect(axisScale([0, 10])).toBe('value')
    expect(axisScale([])).toBe('value')
    expect(axisScale([0.01, 1], 1000)).toBe('value')
  })

  it('a log axis ends at the 1–2–5 steps around its values, not a whole decade out', () => {
    expect(logBounds([0.019, 0.4, 1.96])).toEqual([0.01, 2])
    expect(logBounds([0.0069, 0.8])).toEqual([0.005, 1])
    expect(logBounds([0.023, 0.31])).toEqual([0.02, 0.5])
    expect(logBounds([0.05, 5])).toEqual([0.05, 5])
    expect(logBounds([3, 60])).toEqual([2, 100])
    expect(logBounds([-1, 0])).toEqual([1, 10])
  })
})
