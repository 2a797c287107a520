/**
 * The objective registry: every objective the CLI, the UI and the training loop know, in display order.
 * §2 statistics matching: mmd, energy, cf-d2, sliced-w2, sinkhorn.
 */
import { ConfigError } from '../errors'
import type { Objective } from './types'
import { mmd } from './mmd'
import { energy } from './energy'
import { cfD2Objective } from './cf-d2'
import { slicedW2Objective } from './sliced-w2'
import { sinkhorn } from './sinkhorn'

export type { Objective, PushforwardObjective, LossContext, Family, TrainDefaults } from './types'

export const OBJECTIVES: Objective[] = [mmd, energy, cfD2Objective, slicedW2Objective, sinkhorn]

/** The objective with this id; a `ConfigError` naming the known ids otherwise. */
export function getObjective(id: string): Objective {
  const o = OBJECTIVES.find((x) => x.id === id)
  if (!o) {
    throw new ConfigError(`Unknown objective "${id}" (known: ${OBJECTIVES.map((x) => x.id).join(', ')}).`)
  }
  return o
}
