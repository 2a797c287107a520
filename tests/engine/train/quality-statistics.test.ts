/** §2 objectives at their default budgets, first part (statistics-quality.ts); the parts cover the registry. */
import { expect, it } from 'vitest'
import { allObjectives } from '../../../src/engine/objectives/registry'
import { describeStatistics, STATISTICS_PARTS } from './statistics-quality'

it('the two statistics quality files cover every §2 objective', () => {
  const ids = allObjectives()
    .filter((o) => o.kind === 'pushforward')
    .map((o) => o.id)
  expect(STATISTICS_PARTS.flat().sort()).toEqual([...ids].sort())
})

describeStatistics(STATISTICS_PARTS[0])
