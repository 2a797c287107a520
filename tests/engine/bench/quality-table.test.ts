/**
 * bench:quality's markdown table: the mode columns for data with known modes, dashes for the others; the
 * lines of what was not run; the image table.
 */
import { describe, expect, it } from 'vitest'
import {
  failureLines,
  qualityTable,
  type QualityBenchReport,
  type QualityBenchRow
} from '../../../src/engine/bench/quality-bench'
import { imageQualityTable } from '../../../src/engine/bench/quality-images'
import type { Metrics } from '../../../src/engine/types'

const base: Metrics = {
  energy: 0.01,
  energyGaussian: 0.1,
  mmd: 0.001,
  slicedW2: 0.02,
  precision: 0.9,
  recall: 0.8,
  density: 1,
  coverage: 0.85,
  n: 4000
}
const row = (dataset: string, metrics: Metrics): QualityBenchRow => ({
  objective: 'energy',
  family: 'statistics',
  dataset,
  steps: 100,
  batch: 256,
  sampler: 'onestep',
  samplerSteps: 1,
  metrics,
  ratio: metrics.energy / metrics.energyGaussian,
  trainSeconds: 1.5,
  backend: 'cpu'
})

describe('qualityTable', () => {
  it('has the modes-covered and in-a-mode columns, filled where the data have known modes', () => {
    const rep: QualityBenchReport = {
      backend: 'cpu',
      n: 20000,
      seed: 0,
      date: '2026-12-02',
      machine: { cpus: 2, cpuModel: 'x', node: 'v20', platform: 'linux x64' },
      rows: [
        {
          ...row('8gaussians', {
            ...base,
            modes: 8,
            modesCovered: 7,
            highQuality: 0.4123,
            memorisation: 0.987
          }),
          transportCost: 1.23456,
          straightness: 0.0123,
          latency: { rows: 1000, ms: 12.345 }
        },
        row('moons', base)
      ],
      yardsticks: [],
      failures: []
    }
    const lines = qualityTable(rep).split('\n')
    const cells = (l: string): string[] =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
    const head = cells(lines[0]!)
    expect(head).toContain('modes covered')
    expect(head).toContain('in a mode')
    expect(cells(lines[1]!)).toHaveLength(head.length)
    const eight = cells(lines[2]!)
    const moons = cells(lines[3]!)
    expect(eight).toHaveLength(head.length)
    expect(eight[head.indexOf('modes covered')]).toBe('7 / 8')
    expect(eight[head.indexOf('in a mode')]).toBe('41.2 %')
    expect(moons[head.indexOf('modes covered')]).toBe('—')
    expect(moons[head.indexOf('in a mode')]).toBe('—')
    expect(eight[head.indexOf('memorisation')]).toBe('0.99')
    expect(moons[head.indexOf('memorisation')]).toBe('—')
    // The diagnostics and the sampling latency: a flow's straightness, a map's transport cost.
    expect(eight[head.indexOf('transport cost')]).toBe('1.235')
    expect(eight[head.indexOf('straightness')]).toBe('1.23e-2')
    expect(eight[head.indexOf('ms / 1000 samples')]).toBe('12.3')
    for (const col of ['transport cost', 'straightness', 'ms / 1000 samples'])
      expect(moons[head.indexOf(col)]).toBe('—')
  })
})

describe('failureLines', () => {
  it('groups the objectives that failed for one reason on one data set into one line', () => {
    const noBudget = 'it declares no image budget (imageDefaults); its toy budget was never sized for images.'
    expect(
      failureLines([
        { dataset: 'nope', error: 'Unknown built-in dataset "nope".' },
        { dataset: 'mnist14', objective: 'mmd', error: noBudget },
        { dataset: 'mnist14', objective: 'cfm', error: 'Training diverged at step 3.' },
        { dataset: 'mnist14', objective: 'gan', error: noBudget },
        { dataset: 'fashion-mnist14', objective: 'gan', error: noBudget }
      ])
    ).toEqual([
      'not run: nope: Unknown built-in dataset "nope".',
      `not run on mnist14 (mmd, gan): ${noBudget}`,
      'not run on mnist14 (cfm): Training diverged at step 3.',
      `not run on fashion-mnist14 (gan): ${noBudget}`
    ])
  })
})

describe('imageQualityTable', () => {
  it('prints the yard-sticks once, then a row per image run, diverged figures with an exponent', () => {
    const image = {
      fd: 6.196e66,
      fdGaussian: 9.857,
      fdData: 1.1157,
      kid: 1.2e197,
      precision: 0.8,
      recall: 0.8,
      density: 0.7,
      coverage: 0.7,
      classKL: 0.0406,
      minClassShare: 0.069,
      memorisation: 0.9951,
      copies: 0,
      classifierAccuracy: 0.935
    }
    const r: QualityBenchRow = {
      objective: 'cfm',
      family: 'flows',
      dataset: 'mnist',
      steps: 300,
      batch: 128,
      sampler: 'heun',
      samplerSteps: 100,
      metrics: { ...base, image },
      ratio: image.fd / image.fdGaussian,
      trainSeconds: 119.09,
      evalSeconds: 122.27,
      backend: 'onnxruntime',
      latency: { rows: 64, ms: 1321.57 }
    }
    const lines = imageQualityTable({
      rows: [r],
      yardsticks: [{ dataset: 'mnist', fdGaussian: 9.857, fdData: 1.1157, images: 10000, heldout: 2000 }]
    }).split('\n')
    expect(lines[0]).toBe(
      'mnist: fdGaussian 9.857, fdData 1.116 (the floor) — 10000 images, 2000 held out and scored against; ' +
        'classifier test accuracy 93.5 %'
    )
    expect(lines[4]).toBe(
      '| `cfm` | mnist | 300 × 128 | heun K = 100 | 6.20e+66 | **6.29e+65** | 1.20e+197 | 0.041 | 6.9 % | ' +
        '1.00 | 0.0 % | 119.1 | 122.3 | 1321.6 | onnxruntime |'
    )
  })
})
