/** The split sizes the Objectives form warns with (src/shared/split.ts) are the ones a run splits by. */
import { describe, expect, it } from 'vitest'
import { generateBuiltin, splitHeldout } from '../../../src/engine/data'
import { Rng } from '../../../src/engine/rng'
import { heldoutSize, trainingRows } from '../../../src/shared/split'
import { constantColumnNotes, heldoutNote } from '../../../src/engine/train/train'

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

describe('the log line of a split other than the one asked for', () => {
  it('is silent where the fraction holds, and says the rows and why where the minimum overrides it', () => {
    expect(heldoutNote(20000, 0.2, heldoutSize(20000, 0.2))).toBeNull()
    expect(heldoutNote(5000, 0.2, heldoutSize(5000, 0.2))).toBe(
      'held out 2000 of 5000 rows (40 %), not the 20 % asked for: a run keeps at least min(2000, n/2) rows out so that its held-out metrics are not noise.'
    )
    expect(heldoutNote(500, 0.1, heldoutSize(500, 0.1))).toMatch(/^held out 250 of 500 rows \(50 %\), not the 10 %/)
  })
})

describe('the log line of a constant column', () => {
  it('names each column that holds one value in every row, and nothing for a varying one', () => {
    const data = new Float32Array([1, 5, 7, 2, 5, 7, 3, 5, 7])
    expect(constantColumnNotes({ n: 3, d: 3, data, columns: ['a', 'b', 'c'] })).toEqual([
      'column "b" is 5 in every row: there is nothing to learn in it (leave it out of the columns).',
      'column "c" is 7 in every row: there is nothing to learn in it (leave it out of the columns).'
    ])
    expect(constantColumnNotes({ n: 2, d: 1, data: new Float32Array([0, 1e-7]), columns: ['x'] })).toEqual([])
  })
})
