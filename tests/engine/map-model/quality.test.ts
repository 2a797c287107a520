/** Training quality of the adversarial objectives (quality-cases.ts), and the parts cover every objective. */
import { expect, it } from 'vitest'
import { QUALITY_BUDGETS, QUALITY_DATASETS } from './budgets'
import { MAP_OBJECTIVES } from './harness'
import { describeQuality, QUALITY_PARTS } from './quality-cases'

it('the quality files cover every one-step-map model objective, each with a budget', () => {
  const covered = Object.values(QUALITY_PARTS).flat()
  expect([...covered].sort()).toEqual(MAP_OBJECTIVES.map((o) => o.id).sort())
  for (const id of covered) expect(QUALITY_BUDGETS[id], id).toBeDefined()
  // A long case may leave the suite (`longOnly`), never an objective's every data set.
  for (const id of covered)
    expect(
      QUALITY_DATASETS.filter((ds) => !QUALITY_BUDGETS[id]!.longOnly?.includes(ds)),
      id
    ).not.toHaveLength(0)
})

describeQuality(QUALITY_PARTS.adversarial)
