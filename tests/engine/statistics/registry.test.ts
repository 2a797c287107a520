import { describe, expect, it } from 'vitest'
import { OBJECTIVES, getObjective } from '../../../src/engine/objectives/statistics'
import { ConfigError } from '../../../src/engine/errors'
import { resolveParams } from '../../../src/engine/params'

const STATISTICS = ['mmd', 'energy', 'cf-d2', 'sliced-w2', 'sinkhorn']

describe('objective registry', () => {
  it('lists the five §2 statistics-matching objectives once each', () => {
    const ids = OBJECTIVES.map((o) => o.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of STATISTICS) {
      const o = getObjective(id)
      expect(o.id).toBe(id)
      expect(o.family).toBe('statistics')
      expect(o.kind).toBe('pushforward')
    }
  })

  it('rejects an unknown id with a ConfigError naming the known ones', () => {
    expect(() => getObjective('wgan')).toThrow(ConfigError)
    expect(() => getObjective('wgan')).toThrow(
      /Unknown objective "wgan".*mmd, energy, cf-d2, sliced-w2, sinkhorn/
    )
  })

  describe.each(OBJECTIVES.map((o) => [o.id, o] as const))('%s', (id, o) => {
    it('is described for a researcher', () => {
      expect(o.title.length).toBeGreaterThan(3)
      expect(o.paper).toMatch(/^§\d/)
      const lines = o.summary.split('\n')
      expect(lines).toHaveLength(2)
      for (const l of lines) expect(l.trim().length).toBeGreaterThan(10)
      expect(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)).toBe(true)
    })

    it('declares well-formed parameters whose defaults resolve', () => {
      for (const [name, s] of Object.entries(o.params)) {
        expect(/^[a-z][a-zA-Z0-9]*$/.test(name), name).toBe(true)
        expect(s.help.length, name).toBeGreaterThan(10)
        if (s.type === 'int' || s.type === 'float') {
          expect(s.min, name).toBeLessThanOrEqual(s.default)
          expect(s.default, name).toBeLessThanOrEqual(s.max)
          if (s.type === 'int') expect(Number.isInteger(s.default) && Number.isInteger(s.min)).toBe(true)
        }
        if (s.type === 'enum') expect(s.options, name).toContain(s.default)
      }
      const resolved = resolveParams(`Objective ${id}`, o.params, {})
      expect(Object.keys(resolved).sort()).toEqual(Object.keys(o.params).sort())
    })

    it('has a training budget', () => {
      expect(Number.isInteger(o.defaults.steps) && o.defaults.steps > 0).toBe(true)
      expect(Number.isInteger(o.defaults.batch) && o.defaults.batch >= 2).toBe(true)
      expect(o.defaults.lr).toBeGreaterThan(0)
      expect(o.defaults.lr).toBeLessThan(1)
    })
  })
})
