/**
 * §3 density: the likelihood-based model objectives, in display order — a coupling flow (realnvp) and a
 * variational autoencoder (vae).
 *
 * Stored weights (`toJSON().kind`): `vae` keeps its one-step map (the decoder) as `phi` (MlpWeights: latentDim →
 * d), so an exporter that reads `phi` treats it like `pushforward-mlp`; `realnvp` stores its coupling networks
 * (`couplings`, d ≥ 2) or monotone layers (`mono`, d = 1). Both sample with `onestep`; realnvp's `evaluate`
 * gives `{ nllNatsPerDim }`, vae's `{ elbo, iwae }` (nats per point); both read `ctx.step` / `ctx.steps` for
 * their learning-rate schedule.
 */
import type { ModelObjective } from '../types'
import { realnvp } from './realnvp'
import { vae } from './vae'

export const DENSITY_OBJECTIVES: ModelObjective[] = [realnvp, vae]

export { realnvp, vae }
