/**
 * §2 statistics matching: the losses on a generated batch φ(z) and a data batch (mmd, energy, cf-d2, sliced-w2,
 * sinkhorn), and the adversarial objectives (gan, wgan-gp), whose learned critic is the statistic (the D∞ end
 * of the family). `gan` and `wgan-gp` keep their one-step map as `phi` (MlpWeights: latentDim → d) and sample
 * with `onestep`.
 */
import { ConfigError } from '../../errors'
import type { AnyObjective, ModelObjective, Objective } from '../types'
import { mmd } from './mmd'
import { energy } from './energy'
import { cfD2Objective } from './cf-d2'
import { slicedW2Objective } from './sliced-w2'
import { sinkhorn } from './sinkhorn'
import { gan } from './gan'
import { wganGp } from './wgan-gp'

export type { Objective, PushforwardObjective, LossContext, Family, TrainDefaults } from '../types'

/** The statistics losses, trained by the loop on a plain one-step map. */
export const OBJECTIVES: Objective[] = [mmd, energy, cfD2Objective, slicedW2Objective, sinkhorn]

/** The adversarial objectives: model objectives that bring their generator and critic. */
export const ADVERSARIAL_OBJECTIVES: ModelObjective[] = [gan, wganGp]

/** The whole §2 family, in display order. */
export const STATISTICS_OBJECTIVES: AnyObjective[] = [...OBJECTIVES, ...ADVERSARIAL_OBJECTIVES]

export { gan, wganGp }

/** The statistics loss with this id; a `ConfigError` naming the known ids otherwise. */
export function getObjective(id: string): Objective {
  const o = OBJECTIVES.find((x) => x.id === id)
  if (!o) {
    throw new ConfigError(`Unknown objective "${id}" (known: ${OBJECTIVES.map((x) => x.id).join(', ')}).`)
  }
  return o
}
