import { describe, expect, it } from 'vitest'
import {
  formatDuration,
  formatNumber,
  formatRate,
  runLabel,
  summaryText
} from '../../src/renderer/src/util/format'

describe('format', () => {
  it.each([
    [null, '—'],
    [NaN, '—'],
    [Infinity, '∞'],
    [0, '0'],
    [42, '42'],
    [0.012345, '0.0123'],
    [1.23456, '1.23'],
    [0.00001234, '1.23e-5'],
    [-2.5e7, '-2.50e7']
  ])('formatNumber(%s) = %s', (x, s) => expect(formatNumber(x)).toBe(s))

  it.each([
    [null, '—'],
    [500, '< 1 s'],
    [12_400, '12 s'],
    [185_000, '3 min 05 s'],
    [3_720_000, '1 h 02 min']
  ])('formatDuration(%s) = %s', (ms, s) => expect(formatDuration(ms)).toBe(s))

  it('formats throughput', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(512.4)).toBe('512 samples/s')
    expect(formatRate(12_345)).toBe('12.3k samples/s')
    expect(formatRate(2_500_000)).toBe('2.5M samples/s')
  })

  it('names a run in a picker once: what it trained on only where its name does not say it', () => {
    expect(runLabel({ name: 'cfm on moons', objective: 'cfm', dataset: 'moons' })).toBe('cfm on moons')
    expect(runLabel({ name: 'wide net', objective: 'cfm', dataset: 'moons' })).toBe('wide net — cfm on moons')
  })
})

describe('summaryText', () => {
  it('keeps a break after a sentence and joins one inside a sentence', () => {
    expect(
      summaryText('Regress the average velocity (du/dt by\nan exact derivative): one step.\nNo adversary.')
    ).toBe('Regress the average velocity (du/dt by an exact derivative): one step.\nNo adversary.')
    expect(summaryText('A list:\nitem.')).toBe('A list:\nitem.')
  })
})
