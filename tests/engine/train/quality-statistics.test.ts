/** §2 objectives at their default budgets, first part (statistics-quality.ts); the parts cover the registry. */
import { expect, it } from 'vitest'
import { allObjectives } from '../../../src/engine/objectives/registry'
import { describeStatistics, STATISTICS_PARTS, TEST_STEPS } from './statistics-quality'

it('the two statistics quality files cover every §2 objective, each with at most its default steps', () => {
  const objectives = allObjectives().filter((o) => o.kind === 'pushforward')
  expect(STATISTICS_PARTS.flat().sort()).toEqual(objectives.map((o) => o.id).sort())
  for (const o of objectives) {
    expect(TEST_STEPS[o.id], o.id).toBeGreaterThan(0)
    expect(TEST_STEPS[o.id], o.id).toBeLessThanOrEqual(o.defaults.steps)
  }
})

describeStatistics(STATISTICS_PARTS[0])
