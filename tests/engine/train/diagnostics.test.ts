/**
 * Transport cost E‖φ(z) − z‖² of every one-step map (train/diagnostics.ts): read from the map a run exports,
 * stored with the run's figures and reported again by `evaluateRun` (what `pfm eval` prints).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import type { MlpWeights } from '../../../src/engine/models/mlp'
import type { TrainableModel } from '../../../src/engine/objectives/types'
import { Rng } from '../../../src/engine/rng'
import { RunStore } from '../../../src/engine/store'
import { runDiagnostics } from '../../../src/engine/train/diagnostics'
import { evaluateRun } from '../../../src/engine/train/evaluate'
import { trainRun } from '../../../src/engine/train/train'
import { removeTempRoots, tempRoot, tinyRunConfig } from '../store/helpers'

afterEach(removeTempRoots)

beforeAll(async () => {
  await initBackend('cpu')
})

/** φ(z) = z + (3, 4): a residual MLP with zero weights and the shift in the last bias; cost ‖(3, 4)‖² = 25. */
function shiftMap(inDim = 2): MlpWeights {
  return {
    spec: { inDim, outDim: 2, width: 4, depth: 1, activation: 'relu', residual: inDim === 2 },
    layers: [
      { inDim, outDim: 4, w: new Array(inDim * 4).fill(0), b: [0, 0, 0, 0] },
      { inDim: 4, outDim: 2, w: new Array(8).fill(0), b: [3, 4] }
    ]
  }
}

const model = (extra: Partial<TrainableModel> = {}): TrainableModel => ({ ...extra }) as TrainableModel
const heldout = { n: 0, d: 2, data: new Float32Array() }
const normal = { model: { base: 'normal' as const } }

describe('transport cost of one-step maps', () => {
  it('is E‖φ(z) − z‖² of the stored map, for N(0, I) noise of the data dimension only', () => {
    expect(runDiagnostics(model(), { phi: shiftMap() }, normal, heldout, new Rng(1)).transportCost).toBeCloseTo(
      25,
      4
    )
    // A uniform base (stored with the weights or in the config), another latent dimension: no common space.
    expect(runDiagnostics(model(), { phi: shiftMap(), base: 'uniform' }, normal, heldout, new Rng(1))).toEqual({})
    expect(
      runDiagnostics(model(), { phi: shiftMap() }, { model: { base: 'uniform' } }, heldout, new Rng(1))
    ).toEqual({})
    expect(runDiagnostics(model(), { phi: shiftMap(3) }, normal, heldout, new Rng(1))).toEqual({})
  })

  it("keeps a model's own figures: a flow's cost along its paths is not replaced", () => {
    const own = model({ evaluate: () => ({ transportCost: 7, straightness: 0.5 }) })
    expect(runDiagnostics(own, { phi: shiftMap() }, normal, heldout, new Rng(1))).toEqual({
      transportCost: 7,
      straightness: 0.5
    })
    const nll = model({ evaluate: () => ({ nllNatsPerDim: 1.5 }) })
    const r = runDiagnostics(nll, { phi: shiftMap() }, normal, heldout, new Rng(1))
    expect(r.nllNatsPerDim).toBe(1.5)
    expect(r.transportCost).toBeCloseTo(25, 4)
  })

  it.each(['energy', 'realnvp'])(
    '%s runs store it with their figures, and evaluating the run reports it again',
    async (objective) => {
      const ds = resolveDataset('8gaussians', { n: 400, seed: 3 })
      const store = new RunStore(tempRoot())
      const cfg = tinyRunConfig(ds, { objective })
      const r = await trainRun(ds, cfg, { store, evalPoints: 100 })
      const cost = r.extra.transportCost!
      // Standardised 8gaussians sits at radius ≈ 1.4 from N(0, I) noise: a cost of the order of 1, not 0.
      expect(cost).toBeGreaterThan(0.05)
      expect(cost).toBeLessThan(50)
      expect(store.load(r.runId!).result?.extra?.transportCost).toBe(cost)
      const again = await evaluateRun(store, r.runId!, { n: 100 })
      expect(again.extra.transportCost).toBeGreaterThan(0.5 * cost)
      expect(again.extra.transportCost).toBeLessThan(2 * cost)
    }
  )
})
