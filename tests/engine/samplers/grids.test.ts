/** Time grids (spacings, a user's list), the models' own grids, and `--grid/--rtol/--atol` as CLI options. */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { ConfigError } from '../../../src/engine/errors'
import { cfm, ddpm } from '../../../src/engine/objectives/flows'
import type { VelocityModel } from '../../../src/engine/objectives/flows/common'
import { Rng } from '../../../src/engine/rng'
import { vpSchedule } from '../../../src/engine/objectives/flows/schedule'
import {
  GridError,
  VELOCITY_FIELD,
  checkGridList,
  epsField,
  logSnrGrid,
  parseGrid,
  spacedGrid
} from '../../../src/engine/samplers'
import { samplerOptions } from '../../../src/cli/sampler-flags'
import { modelSpec } from '../flows/helpers'

beforeAll(async () => {
  await initBackend('auto')
})

describe('spacings', () => {
  it.each<[Parameters<typeof spacedGrid>[0], number[]]>([
    ['uniform', [0, 0.25, 0.5, 0.75, 1]],
    ['quadratic', [0, 0.4375, 0.75, 0.9375, 1]],
    ['cosine', [0, (1 - Math.SQRT1_2) / 2, 0.5, (1 + Math.SQRT1_2) / 2, 1]]
  ])('%s on [0, 1], K = 4', (spacing, expected) => {
    spacedGrid(spacing, 0, 1, 4).forEach((t, i) => expect(t).toBeCloseTo(expected[i]!, 12))
    // the same fractions of the span in the other direction
    spacedGrid(spacing, 1, 0, 4).forEach((t, i) => expect(t).toBeCloseTo(1 - expected[i]!, 12))
  })

  it('logsnr: uniform in λ = log(α/σ) between ends clipped at 0.4/K of the span, on either path', () => {
    const logit = (t: number): number => Math.log(t / (1 - t))
    const g = logSnrGrid(VELOCITY_FIELD, 0, 1, 8)
    expect(g[0]).toBe(0)
    expect(g[8]).toBe(1)
    const step = (logit(1 - 0.05) - logit(0.05)) / 8
    for (let i = 1; i < 8; i++) {
      expect(logit(g[i]!)).toBeCloseTo(logit(0.05) + i * step, 9)
      expect(g[i]! + g[8 - i]!).toBeCloseTo(1, 9)
    }
    expect(g[1]).toBeCloseTo(0.099, 4)
    // a diffusion from t = 1 down to the data end: λ(t) = log √(ᾱ/(1 − ᾱ)) rises in equal steps
    const vp = vpSchedule('cosine')
    const lam = (t: number): number => 0.5 * Math.log(vp.alphaBar(t) / (1 - vp.alphaBar(t)))
    const d = spacedGrid('logsnr', 1, 0, 5, epsField(vp.alphaBar, vp.beta))
    expect([d[0], d[5]]).toEqual([1, 0])
    const steps = [2, 3, 4].map((i) => lam(d[i]!) - lam(d[i - 1]!))
    steps.forEach((h) => expect(h).toBeCloseTo(steps[0]!, 9))
    expect(() => spacedGrid('logsnr', 0, 1, 4)).toThrow(/needs the model's noise path/)
  })

  it('parses a spacing or a list, and says what is wrong', () => {
    expect(parseGrid('logsnr')).toBe('logsnr')
    expect(parseGrid('cosine')).toBe('cosine')
    expect(parseGrid('0, 0.5,1')).toEqual([0, 0.5, 1])
    expect(() => parseGrid('0,x,1')).toThrow(/"x" is not a number/)
    expect(() => checkGridList([0, 0.6, 0.5, 1], 0, 1)).toThrow(/strictly from 0 towards 1; 0.6 → 0.5/)
    expect(() => checkGridList([0, 1.5], 0, 1)).toThrow(GridError)
    expect(() => checkGridList([1], 0, 1)).toThrow(/at least two times/)
  })

  it('--grid, --rtol and --atol become sampler options', () => {
    expect(samplerOptions({ sampler: 'dopri5', grid: '0,0.5,1', rtol: '1e-4' })).toEqual({
      sampler: 'dopri5',
      grid: [0, 0.5, 1],
      rtol: 1e-4
    })
    expect(() => samplerOptions({ sampler: 'rk5' })).toThrow(/"rk5" is not one of onestep, euler, heun, rk4/)
    expect(() => samplerOptions({ atol: '2' })).toThrow(ConfigError)
  })
})

describe("a model's own grid", () => {
  const small = { model: { width: 8, depth: 1 } }

  it('cfm: 0 → 1 under a spacing or a list; dopri5 reports the evaluations it used', async () => {
    const m = (await cfm.create(modelSpec(cfm, 2, small))) as VelocityModel
    expect(m.timeGrid('euler', 2)).toEqual([0, 0.5, 1])
    // DPM-Solver++ steps on its own logsnr spacing unless told otherwise
    expect(m.timeGrid('dpmpp-2m', 8)).toEqual(logSnrGrid(VELOCITY_FIELD, 0, 1, 8))
    expect(m.timeGrid('dpmpp-2m', 2, 'uniform')).toEqual([0, 0.5, 1])
    expect(m.timeGrid('heun', 2, [0, 0.2, 1])).toEqual([0, 0.2, 1])
    expect(() => m.timeGrid('heun', 2, [1, 0])).toThrow(ConfigError)
    m.sample(16, new Rng(1), { sampler: 'dopri5', steps: 1, rtol: 1e-3, atol: 1e-3 })
    const { nfe, grid } = m.lastRun!
    expect(nfe).toBe(1 + 6 * (grid.length - 1))
    // a list of times fixes the steps: dopri5 then replays them
    m.sample(16, new Rng(1), { sampler: 'dopri5', steps: 1, grid: [0, 0.5, 1] })
    expect(m.lastRun).toEqual({ nfe: 12, grid: [0, 0.5, 1] })
    m.dispose()
  })

  it('ddpm: from t = 1 to tMin, or to 0 for the samplers that end at the data', async () => {
    const m = (await ddpm.create(
      modelSpec(ddpm, 2, { ...small, params: { tMin: 0.01, grid: 'uniform' } })
    )) as VelocityModel
    expect(m.timeGrid('heun', 2)).toEqual([1, 0.505, 0.01])
    expect(m.timeGrid('dpmpp-2m', 2)).toEqual([1, 0.5, 0])
    expect(m.timeGrid('ddim', 2, 'quadratic')).toEqual([1, 0.25, 0])
    expect(() => m.timeGrid('ddim', 2, [1, 0.5, 0.7])).toThrow(/strictly from 1 towards 0/)
    m.dispose()
  })
})
