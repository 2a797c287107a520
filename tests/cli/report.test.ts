/**
 * The CLI's result table (`metricsTable`): a run's extra figures sit in the same columns as its metrics, under
 * names a reader can parse (transport cost, path straightness 0 = straight, reflow's rounds), not camelCase keys.
 */
import { describe, expect, it } from 'vitest'
import { metricsTable } from '../../src/cli/commands/train'
import type { Metrics } from '../../src/engine/types'

const metrics: Metrics = {
  energy: 0.002,
  energyGaussian: 0.02,
  mmd: 1e-4,
  slicedW2: 0.01,
  precision: 0.9,
  recall: 0.95,
  density: 1,
  coverage: 0.9,
  n: 4000
}

describe('the result table with extra figures', () => {
  it('names them and aligns their values with the metrics', () => {
    const lines = metricsTable(metrics, {
      transportCost: 1.25,
      straightness: 0.5,
      straightnessRound1: 0.9
    }).split('\n')
    const energy = lines.find((l) => l.startsWith('energy distance'))!
    const cost = lines.find((l) => l.startsWith('transport cost'))!
    const straight = lines.find((l) => l.startsWith('path straightness '))!
    const round = lines.find((l) => l.startsWith('path straightness, round 1'))!
    const column = energy.indexOf('0.002')
    expect(cost.indexOf('1.25')).toBe(column)
    expect(straight.indexOf('0.5')).toBe(column)
    expect(round.indexOf('0.9')).toBe(column)
    expect(straight).toMatch(/0 = straight/)
    expect(lines.join('\n')).not.toMatch(/transportCost|straightnessRound/)
  })

  it('gives no ratio to a Gaussian yard-stick at or below zero (the data are near-Gaussian or few)', () => {
    const near = metricsTable({ ...metrics, energy: -6e-4, energyGaussian: -0.0025 })
    expect(near).toMatch(/within the estimate's noise of the data, so no ratio\)/)
    expect(near).not.toMatch(/ratio -?\d/)
    expect(metricsTable(metrics)).toMatch(/\(Gaussian fit: 0\.02000, ratio 0\.1000\)/)
  })

  it('prints an unknown figure under its key, and nothing more without extras', () => {
    expect(metricsTable(metrics, { criticLoss: 3 })).toMatch(/\ncriticLoss +3$/)
    expect(metricsTable(metrics).split('\n').at(-1)).toMatch(/^points compared +4000$/)
  })
})

describe('pfm objectives', () => {
  it('one blank line between objectives, and a help text of several lines continues under its option', async () => {
    const { pfmInProcess } = await import('./in-process')
    const text = (await pfmInProcess(['objectives'])).stdout
    expect(text).not.toMatch(/\n\n\n/)
    // every line is an objective's head (at the margin) or indented under it
    const lines = text.trimEnd().split('\n')
    const heads = lines.filter((l) => l !== '' && !l.startsWith(' '))
    expect(heads.every((l) => /^[a-z0-9-]+ {2}\[(statistics|density|flows)\]/.test(l))).toBe(true)
    expect(text).toMatch(/It warms up as\n {6}min\(decay/)
  })
})
