import { describe, expect, it } from 'vitest'
import {
  FAMILY_SYMBOLS,
  lineSymbol,
  RUN_COLORS,
  runColors,
  SAMPLER_SYMBOLS
} from '../../src/renderer/src/charts/marks'

describe('marks', () => {
  it('a sampler per symbol; a one-step map by its family, a diamond when unknown', () => {
    const symbols = [...Object.values(FAMILY_SYMBOLS), ...Object.values(SAMPLER_SYMBOLS)]
    expect(new Set(symbols).size).toBe(symbols.length)
    expect(lineSymbol('onestep')).toBe('diamond')
    expect(lineSymbol('onestep', 'statistics')).toBe('diamond')
    expect(lineSymbol('onestep', 'density')).toBe('rect')
    expect(lineSymbol('onestep', 'flows')).toBe(FAMILY_SYMBOLS.flows)
    expect(lineSymbol('heun', 'flows')).toBe('triangle')
  })

  it('deals colours so that no two series share colour and symbol while the palette allows', () => {
    // 13 one-step maps (6 statistics, 2 density, 5 flows, four of those with Euler too) and cfm (Euler, Heun).
    const D = FAMILY_SYMBOLS.statistics
    const R = FAMILY_SYMBOLS.density
    const S = FAMILY_SYMBOLS.flows
    const runs = [
      ...['energy', 'mmd', 'cf-d2', 'sinkhorn', 'gan', 'wgan-gp'].map((run) => ({ run, symbols: [D] })),
      ...['vae', 'realnvp'].map((run) => ({ run, symbols: [R] })),
      ...['ct', 'shortcut', 'meanflow', 'cd'].map((run) => ({ run, symbols: [S, 'circle'] })),
      { run: 'distill', symbols: [S] },
      { run: 'cfm', symbols: ['circle', 'triangle'] }
    ]
    const colors = runColors(runs)
    expect(colors.size).toBe(14)
    const pairs = runs.flatMap((r) => r.symbols.map((s) => `${colors.get(r.run)} ${s}`))
    expect(new Set(pairs).size).toBe(pairs.length)
    // The first runs take the palette in order (a small report keeps the app's sample colours).
    expect(runs.slice(0, 6).map((r) => colors.get(r.run))).toEqual(RUN_COLORS.slice(0, 6))
    // Every colour is used before one is used twice.
    const uses = RUN_COLORS.map((c) => [...colors.values()].filter((x) => x === c).length)
    expect(Math.min(...uses)).toBeGreaterThanOrEqual(1)
    // A run named twice keeps its first colour.
    expect(runColors([...runs, { run: 'energy', symbols: ['circle'] }]).get('energy')).toBe(RUN_COLORS[0])
  })
})
