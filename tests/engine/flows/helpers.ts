/**
 * Test helpers for the §4 objectives: a `ModelSpec` the way the shared loop builds one — over runs given as
 * `loadRun` (in memory), restored for teachers by the loop's own `runRestorer`.
 */
import { resolveParams } from '../../../src/engine/params'
import { Rng } from '../../../src/engine/rng'
import type { ModelObjective, ModelSpec } from '../../../src/engine/objectives/types'
import type { ModelConfig } from '../../../src/engine/train/config'
import { runRestorer } from '../../../src/engine/train/train'

export function modelSpec(
  obj: ModelObjective,
  dim: number,
  o: {
    params?: Record<string, unknown>
    lr?: number
    batch?: number
    seed?: number
    model?: Partial<ModelConfig>
  } = {},
  loadRun?: ModelSpec['loadRun']
): ModelSpec {
  const spec = {
    dim,
    model: {
      latentDim: dim,
      base: 'normal',
      width: 128,
      depth: 3,
      activation: 'silu',
      ...o.model
    } as ModelConfig,
    lr: o.lr ?? obj.defaults.lr,
    batch: o.batch ?? obj.defaults.batch
  }
  return {
    ...spec,
    params: resolveParams(obj.id, obj.params, o.params ?? {}),
    rng: new Rng(o.seed ?? 1),
    ...(loadRun ? { loadRun, restoreRun: runRestorer(loadRun, spec) } : {})
  }
}
