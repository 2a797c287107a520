/**
 * `gan` (§2, eq. (2)): the test function of the maximum formulation learned by a discriminator D = σ∘f, with
 * the non-saturating generator loss and an optional R1 penalty. See adversarial.ts for the training step.
 */
import { float } from '../../params'
import type { ModelObjective } from '../types'
import { AdversarialModel, adversarialParams } from './adversarial'
import { mapImageDefaults } from '../image-budget'

export const gan: ModelObjective = {
  kind: 'model',
  id: 'gan',
  family: 'statistics',
  title: 'GAN (non-saturating)',
  paper: '§2, eq. (2)',
  summary:
    'Maximum formulation of eq. (2) with a learned test function: a discriminator D = σ∘f against φ#ν.\n' +
    'Min–max by alternating Adam steps; the generator minimises −E log D(φ(z)) (non-saturating).',
  params: {
    ...adversarialParams({
      criticLr: 2e-3,
      criticSteps: 1,
      beta1: 0.5,
      beta2: 0.9,
      criticWidth: 64,
      criticDepth: 2,
      ema: 0.995
    }),
    r1: float(
      1,
      0,
      1000,
      'R1 penalty γ: adds γ/2·E‖∇f(y)‖² on data to the discriminator loss (Mescheder et al. 2018; 0: off, ' +
        'the plain game).'
    )
  },
  defaults: { steps: 1500, batch: 256, lr: 2e-3, model: { width: 64, depth: 2 } },
  // DCGAN's rates for both players (2e-4, β₁ = 0.5) and a critic as wide as the generator.
  imageDefaults: mapImageDefaults(
    1500,
    128,
    { criticLr: 2e-4, criticWidth: 512, criticDepth: 2, ema: 0.999 },
    2e-4
  ),
  async create(spec) {
    return AdversarialModel.create('gan', spec)
  },
  restore(weights, spec) {
    return AdversarialModel.restore('gan', weights, spec)
  }
}
