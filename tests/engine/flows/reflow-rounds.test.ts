/**
 * k-rectified flow in one run (`reflow --set rounds=k`, objectives/flows/reflow.ts): each round after the first
 * learns from pairs of the previous round's flow, its straightness is logged and stored with the run's figures,
 * and the paths straighten from round to round. Tiny budgets on 8gaussians (onnxruntime's step, ~10 s).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import { RunStore } from '../../../src/engine/store'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import { roundStart } from '../../../src/engine/objectives/flows/reflow'
import { removeTempRoots, tempRoot } from '../store/helpers'

afterEach(removeTempRoots)

beforeAll(async () => {
  await initBackend('auto')
})

describe('reflow rounds', () => {
  it('splits the steps into rounds, the last one short', () => {
    expect([0, 1, 2].map((r) => roundStart(r, 200, 3))).toEqual([0, 67, 134])
  })

  it('regenerates its pairs each round, logs and stores each round’s straightness, which improves', async () => {
    const ds = resolveDataset('8gaussians', { n: 1000, seed: 3 })
    const store = new RunStore(tempRoot())
    const base = { seed: 3, batch: 128, model: { width: 32, depth: 2 }, backend: 'auto' as const }
    const teacher = await trainRun(ds, makeRunConfig(ds, { ...base, objective: 'cfm', steps: 400 }), {
      store,
      evalPoints: 200
    })
    const log: string[] = []
    const r = await trainRun(
      ds,
      makeRunConfig(ds, {
        ...base,
        objective: 'reflow',
        steps: 200,
        params: { teacher: teacher.runId, rounds: 2, pool: 1024, teacherSteps: 8 }
      }),
      { store, evalPoints: 200, log: (m) => log.push(m) }
    )
    expect(log.filter((m) => m.startsWith('reflow round'))).toEqual([
      expect.stringMatching(/^reflow round 1 of 2: path straightness \d/)
    ])
    const { straightness, straightnessRound1, straightnessRound2 } = r.extra
    expect(straightnessRound2).toBe(straightness)
    // Measured 0.0082 → 0.0032 (and 0.019 → 0.0044 → 0.0030 over three rounds).
    expect(straightnessRound2!).toBeLessThan(0.8 * straightnessRound1!)
    expect(store.load(r.runId!).result?.extra).toMatchObject({ straightnessRound1, straightnessRound2 })
  })
})
