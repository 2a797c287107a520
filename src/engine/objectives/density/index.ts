/**
 * The model objectives of this folder, in display order, for the registry: §2 adversarial (gan, wgan-gp),
 * §3 density (realnvp, vae), §4 annealed statistics matching (anneal).
 *
 * Stored weights (`toJSON().kind`): `gan`, `wgan-gp`, `vae` and `anneal` keep their one-step map as `phi`
 * (MlpWeights: latentDim → d), so an exporter that reads `phi` treats them like `pushforward-mlp`; `realnvp`
 * stores its coupling networks (`couplings`, d ≥ 2) or monotone layers (`mono`, d = 1). Every model samples
 * with `onestep`; realnvp's `evaluate` gives `{ nllNatsPerDim }`, vae's `{ elbo, iwae }` (nats per point).
 * `anneal` reads `ctx.step` / `ctx.steps` to pick its round; realnvp and vae their learning-rate schedule.
 */
import type { ModelObjective } from '../types'
import { anneal } from './anneal'
import { gan } from './gan'
import { realnvp } from './realnvp'
import { vae } from './vae'
import { wganGp } from './wgan-gp'

export const DENSITY_OBJECTIVES: ModelObjective[] = [gan, wganGp, realnvp, vae, anneal]

export { anneal, gan, realnvp, vae, wganGp }
