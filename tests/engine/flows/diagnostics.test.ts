/** Transport cost and path straightness (objectives/flows/diagnostics.ts) against closed forms. */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { cfm } from '../../../src/engine/objectives/flows'
import { pathDiagnostics, transportCost } from '../../../src/engine/objectives/flows/diagnostics'
import { Rng } from '../../../src/engine/rng'
import { modelSpec } from './helpers'

beforeAll(async () => {
  await initBackend('auto')
})

describe('diagnostics', () => {
  it('transport cost is the mean squared displacement', () => {
    expect(transportCost(Float32Array.from([0, 0, 1, 1]), Float32Array.from([3, 4, 1, 2]), 2)).toBeCloseTo(
      13,
      10
    )
  })

  it('a constant field is straight and moves every point by c: cost ‖c‖², straightness 0', () => {
    const z = new Rng(1).normals(200)
    const r = pathDiagnostics((x) => x.map((_, i) => (i % 2 === 0 ? 1 : -2)), z, 2)
    expect(r.transportCost).toBeCloseTo(5, 4)
    expect(r.straightness).toBeLessThan(1e-9)
  })

  it('a field whose speed changes along the path is not straight: v = 2t·c gives E(2t − 1)²‖c‖² = ‖c‖²/3', () => {
    const z = new Rng(2).normals(200)
    const K = 400
    const r = pathDiagnostics((x, t) => x.map((_, i) => (i % 2 === 0 ? 2 * t : 0)), z, 2, K)
    // Euler on the grid t_k = k/K: displacement Σ 2t_k/K = (K − 1)/K, deviation (2t_k − (K − 1)/K)².
    expect(r.straightness).toBeCloseTo(1 / 3, 2)
    expect(r.transportCost).toBeCloseTo(((K - 1) / K) ** 2, 6)
  })

  it('cfm models report straightness and transport cost with their held-out figures', async () => {
    const model = await cfm.create(modelSpec(cfm, 2, { model: { width: 16, depth: 2 } }))
    const r = model.evaluate!({ n: 0, d: 2, data: new Float32Array() }, new Rng(3))
    expect(Object.keys(r).sort()).toEqual(['straightness', 'transportCost'])
    expect(r.straightness).toBeGreaterThan(0)
    model.dispose()
  })
})
