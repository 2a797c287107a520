/**
 * How the benchmark charts tell configurations apart when a report holds many of them: one colour per run and
 * one symbol per sampler — a one-step map's symbol tells its objective's family (§2 statistics, §3 density,
 * §4 flows), so that thirteen one-step maps are not thirteen diamonds told apart by colour alone. Colours are
 * dealt so that no two series share both colour and symbol while the palette allows it. Pure.
 */
import type { BenchSamplerId, ObjectiveFamily } from '../../../shared/api'
import { COLORS } from './theme'

/**
 * Ten colours that stay apart on white: the app's six sample colours first (a small report looks as before),
 * then amber, pink, brown and lime.
 */
export const RUN_COLORS: readonly string[] = [...COLORS.samples, '#f59f00', '#e64980', '#8c5a2b', '#74b816']

/** Symbols as ECharts draws them: built-in names or SVG paths (scaled to the symbol's size). */
const STAR = 'path://M5,0 L6.2,3.6 L10,3.6 L6.9,5.8 L8.1,9.5 L5,7.2 L1.9,9.5 L3.1,5.8 L0,3.6 L3.8,3.6 Z'
const TRIANGLE_DOWN = 'path://M0,0 L10,0 L5,8.7 Z'
const HEXAGON = 'path://M2.5,0 L7.5,0 L10,4.33 L7.5,8.66 L2.5,8.66 L0,4.33 Z'
const PLUS =
  'path://M3.5,0 L6.5,0 L6.5,3.5 L10,3.5 L10,6.5 L6.5,6.5 L6.5,10 L3.5,10 L3.5,6.5 L0,6.5 L0,3.5 L3.5,3.5 Z'
const CROSS = 'path://M2,0 L5,3 L8,0 L10,2 L7,5 L10,8 L8,10 L5,7 L2,10 L0,8 L3,5 L0,2 Z'

/** A one-step map's symbol by its objective's family (a diamond where the family is not known). */
export const FAMILY_SYMBOLS: Record<ObjectiveFamily, string> = {
  statistics: 'diamond',
  density: 'rect',
  flows: STAR
}

/** A multi-step sampler's symbol. */
export const SAMPLER_SYMBOLS: Record<Exclude<BenchSamplerId, 'onestep'>, string> = {
  euler: 'circle',
  heun: 'triangle',
  rk4: TRIANGLE_DOWN,
  dopri5: HEXAGON,
  'dpmpp-2m': PLUS,
  ddim: CROSS
}

/** The symbol of a (run, sampler) line. */
export function lineSymbol(sampler: BenchSamplerId, family?: ObjectiveFamily): string {
  if (sampler === 'onestep') return family ? FAMILY_SYMBOLS[family] : 'diamond'
  return SAMPLER_SYMBOLS[sampler]
}

/**
 * A colour for each run, given the symbols its lines draw, runs in order: each run takes the colour least used
 * so far by its own symbols (then least used overall, then first in the palette), so that no two series share
 * colour and symbol until the palette runs out for one symbol.
 */
export function runColors(
  runs: readonly { run: string; symbols: readonly string[] }[],
  palette: readonly string[] = RUN_COLORS
): Map<string, string> {
  const bySymbol = new Map<string, number[]>()
  const overall = palette.map(() => 0)
  const out = new Map<string, string>()
  for (const { run, symbols } of runs) {
    if (out.has(run)) continue
    const cost = (c: number): number =>
      symbols.reduce((sum, s) => sum + (bySymbol.get(s)?.[c] ?? 0), 0) * palette.length + overall[c]!
    let best = 0
    for (let c = 1; c < palette.length; c++) if (cost(c) < cost(best)) best = c
    out.set(run, palette[best]!)
    overall[best]!++
    for (const s of symbols) {
      const counts = bySymbol.get(s) ?? palette.map(() => 0)
      counts[best]!++
      bySymbol.set(s, counts)
    }
  }
  return out
}
