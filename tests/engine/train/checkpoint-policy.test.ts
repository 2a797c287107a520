/** When the training loop writes a periodic checkpoint (`checkpointDue`, src/engine/train/train.ts). */
import { describe, expect, it } from 'vitest'
import { checkpointDue, DEFAULT_CHECKPOINTS } from '../../../src/engine/train/train'

const policy = DEFAULT_CHECKPOINTS // every 10 % of the steps or 30 s, checkpoints at most 5 % of the run

describe('checkpoint policy', () => {
  it('checkpoints every tenth of the budget and every 30 s when checkpoints are cheap', () => {
    const due = [...Array(1000).keys()]
      .map((i) => i + 1)
      .filter((s) => checkpointDue(policy, s, 1000, 1, 0.01))
    expect(due).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]) // not the last step: the run ends there
    expect(checkpointDue(policy, 17, 1000, 29_999, 10)).toBe(false)
    expect(checkpointDue(policy, 17, 1000, 30_000, 10)).toBe(true)
  })

  it('waits until a slow checkpoint is at most 5 % of the training since the last one', () => {
    // an MNIST-size network: a checkpoint of 4 s is due after 76 s of training, not after 30 s
    expect(checkpointDue(policy, 17, 9000, 30_000, 4000)).toBe(false)
    expect(checkpointDue(policy, 17, 9000, 75_999, 4000)).toBe(false)
    expect(checkpointDue(policy, 17, 9000, 76_000, 4000)).toBe(true)
    // the tenth-of-the-budget rule waits too
    expect(checkpointDue(policy, 900, 9000, 50_000, 4000)).toBe(false)
    expect(checkpointDue(policy, 900, 9000, 80_000, 4000)).toBe(true)
    // without a cap (maxShare 1) every rule fires on its own
    expect(checkpointDue({ fraction: 0.1, everyMs: 30_000, maxShare: 1 }, 17, 9000, 30_000, 4000)).toBe(true)
    expect(checkpointDue({ fraction: 0.1, everyMs: 30_000 }, 900, 9000, 1, 4000)).toBe(true)
  })
})
