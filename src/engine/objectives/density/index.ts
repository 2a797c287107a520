/**
 * The model objectives of this folder, in display order, for the lead to merge into the main registry:
 * §2 adversarial (gan, wgan-gp), §3 density (realnvp, vae), §4 annealed statistics matching (anneal).
 */
import type { ModelObjective } from '../types'
import { anneal } from './anneal'
import { gan } from './gan'
import { realnvp } from './realnvp'
import { vae } from './vae'
import { wganGp } from './wgan-gp'

export const DENSITY_OBJECTIVES: ModelObjective[] = [gan, wganGp, realnvp, vae, anneal]

export { anneal, gan, realnvp, vae, wganGp }
