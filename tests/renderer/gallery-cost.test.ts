import { describe, expect, it } from 'vitest'
import { pointsOutside } from '../../src/renderer/src/charts/points'
import { evaluationsLabel, formatLatency, stepsLabel } from '../../src/renderer/src/util/format'
import {
  classTone,
  energyPosition,
  energyTone,
  fdTone,
  memoTone,
  modesTone
} from '../../src/renderer/src/util/metric-tones'
import { IMAGE_METRICS, METRICS } from './fixtures'

describe('metric badge tones', () => {
  const floor = { ...METRICS, energyFloor: 0.002, energyGaussian: 0.302 }

  it('colours energy by its place between the data floor and the Gaussian fit', () => {
    expect(energyPosition({ ...floor, energy: 0.032 })).toBeCloseTo(0.1, 9)
    expect(energyTone({ ...floor, energy: 0.02 })).toBe('good')
    expect(energyTone({ ...floor, energy: 0.1 })).toBe('fair')
    expect(energyTone({ ...floor, energy: 0.2 })).toBe('poor')
    // Just under half the Gaussian baseline was green before; it is nearly half-way from the floor: amber.
    expect(energyTone({ ...floor, energy: 0.14 })).toBe('fair')
    expect(energyTone({ ...floor, energyGaussian: Number.NaN })).toBe('plain')
    // image runs: the pixel-space energy is not coloured (fd is their verdict), even far above the Gaussian
    expect(energyTone({ ...floor, energy: 0.2, image: IMAGE_METRICS })).toBe('plain')
  })

  it('never colours a mode-collapsed map green: a missed mode is red whatever its energy', () => {
    const collapsed = { ...floor, energy: 0.01, modes: 8, modesCovered: 6, highQuality: 0.97 }
    expect(energyTone({ ...floor, energy: 0.01 })).toBe('good')
    expect(energyTone(collapsed)).toBe('poor')
    expect(modesTone(collapsed)).toBe('poor')
    expect(modesTone({ ...collapsed, modesCovered: 8 })).toBe('good')
    expect(modesTone({ ...collapsed, modesCovered: 8, highQuality: 0.6 })).toBe('fair')
    expect(modesTone(METRICS)).toBe('plain')
  })

  it('colours an image run fd between its yard-sticks, and its class mix by KL and the rarest class', () => {
    // Floor fdData 1.6, Gaussian fit 4.7 (mnist14's figures): green up to 10 % of the way, red from half.
    const y = { fdData: 1.6, fdGaussian: 4.7 }
    expect(fdTone({ ...y, fd: 1.8 })).toBe('good')
    expect(fdTone({ ...y, fd: 2.5 })).toBe('fair')
    expect(fdTone({ ...y, fd: 284 })).toBe('poor')
    expect(fdTone({ ...y, fd: 2, fdGaussian: 1 })).toBe('plain')
    // An fd of 500 samples against yard-sticks at n = 2000 (an evaluation before the end): not coloured.
    expect(fdTone({ ...y, fd: 1.8, n: 500, referenceN: 2000 })).toBe('plain')
    expect(fdTone({ ...y, fd: 1.8, n: 2000, referenceN: 2000 })).toBe('good')
    expect(fdTone({ ...y, fd: 284, n: 300, referenceN: 300 })).toBe('poor')
    expect(classTone({ classKL: 0.02, minClassShare: 0.08 })).toBe('good')
    expect(classTone({ classKL: 0.2, minClassShare: 0.05 })).toBe('fair')
    expect(classTone({ classKL: 0.02, minClassShare: 0 })).toBe('poor') // a missing class
    expect(classTone({ classKL: 2.3, minClassShare: 0.02 })).toBe('poor')
  })

  it('colours memorisation green only near 1: copies below, off-data samples far above', () => {
    expect(memoTone(1.02)).toBe('good')
    expect(memoTone(0.8)).toBe('fair')
    expect(memoTone(0.3)).toBe('poor')
    expect(memoTone(2)).toBe('fair')
    expect(memoTone(17.5)).toBe('poor')
    expect(memoTone(Number.NaN)).toBe('plain')
  })
})

describe('gallery panel cost and axes', () => {
  it('counts the points a plot leaves out: outside the bounds or not finite', () => {
    const bounds = { xMin: -1, xMax: 1, yMin: -1, yMax: 1 }
    const cloud = { dim: 2, points: [0, 0, 0.5, -0.5, 2, 0, 0, -3, Number.NaN, 0, 1, 1] }
    expect(pointsOutside(cloud, bounds)).toBe(3)
    expect(pointsOutside({ dim: 1, points: [0, 5, -0.2] }, bounds)).toBe(1)
  })

  it('says 1 step, 1 network evaluation, and latencies in readable units', () => {
    expect(stepsLabel(1)).toBe('1 step')
    expect(stepsLabel(16)).toBe('16 steps')
    expect(evaluationsLabel(1)).toBe('1 network evaluation')
    expect(evaluationsLabel(2000)).toBe('2,000 network evaluations')
    expect(formatLatency(0.0008)).toBe('800 ns')
    expect(formatLatency(0.0125)).toBe('12.5 µs')
    expect(formatLatency(3.2)).toBe('3.2 ms')
    expect(formatLatency(1400)).toBe('1.4 s')
  })
})
