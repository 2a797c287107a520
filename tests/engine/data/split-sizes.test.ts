/** The split sizes the Objectives form warns with (src/shared/split.ts) are the ones a run splits by. */
import { describe, expect, it } from 'vitest'
import { generateBuiltin, splitHeldout } from '../../../src/engine/data'
import { Rng } from '../../../src/engine/rng'
import { trainingRows } from '../../../src/shared/split'

describe('training rows of the default split', () => {
  it.each([
    [178, 89],
    [150, 75],
    [3, 2],
    [5000, 3000],
    [20000, 16000]
  ])('%i rows train on %i', (n, rows) => {
    expect(trainingRows(n)).toBe(rows)
    expect(splitHeldout(generateBuiltin('moons', n, 1), 0.2, new Rng(1)).train.n).toBe(rows)
  })
})
