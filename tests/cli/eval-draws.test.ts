/** `pfm eval --draws`: the per-draw table and its spreads (the figures themselves: cli.test.ts). */
import { describe, expect, it } from 'vitest'
import { drawSpreads, drawsTable } from '../../src/cli/commands/runs'

describe('the draws table', () => {
  const toy = [
    { seed: 3, energy: 0.004, energyRatio: 0.15 },
    { seed: 4, energy: 0.003, energyRatio: 0.12 },
    { seed: 5, energy: 0.005, energyRatio: 0.18 }
  ]
  const image = toy.map((d, i) => ({
    ...d,
    energyRatio: 12 + i,
    fd: [2.27, 2.68, 2.89][i]!,
    fdRatio: [2.27, 2.68, 2.89][i]! / 9.172,
    minClassShare: 0.08
  }))

  it('toy runs: the energy ratio per draw with mean ± sd and range', () => {
    const s = drawSpreads(toy)
    expect(Object.keys(s)).toEqual(['energyRatio'])
    expect(s.energyRatio!.mean).toBeCloseTo(0.15, 12)
    expect(s.energyRatio!.sd).toBeCloseTo(0.03, 12)
    const t = drawsTable(toy, s)
    expect(t).toMatch(/3 draws \(seeds 3–5\)/)
    expect(t).toMatch(/energy \/ Gaussian\s+0\.1500\s+0\.1200\s+0\.1800\s+mean 0\.1500 ± 0\.03000 \(sd\), range 0\.1200 – 0\.1800/)
  })

  it('image runs: fd, its ratio and the rarest class, not the pixel-space energy', () => {
    const s = drawSpreads(image)
    expect(Object.keys(s).sort()).toEqual(['energyRatio', 'fd', 'fdRatio', 'minClassShare'])
    expect(s.fd!.mean).toBeCloseTo((2.27 + 2.68 + 2.89) / 3, 12)
    const t = drawsTable(image, s)
    expect(t).toMatch(/^fd\s+2\.270\s+2\.680\s+2\.890\s+mean 2\.613/m)
    expect(t).toMatch(/fd \/ fdGaussian/)
    expect(t).toMatch(/rarest class/)
    expect(t).not.toMatch(/energy/)
    // unlabelled images: the classifier's classes are k-means clusters
    expect(drawsTable(image, s, true)).toMatch(/^rarest cluster\s+/m)
    expect(drawsTable(image, s, true)).not.toMatch(/rarest class/)
  })
})
