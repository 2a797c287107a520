/**
 * The figures a run stores beside its held-out metrics (`extra`): the model's own (`evaluate`: a flow's path
 * straightness and transport cost, a density's likelihood, …) and, for every one-step map z ↦ φ(z) of the
 * data dimension from N(0, I) noise — the §2 statistics maps, gan / wgan-gp, vae (the decoder mean), realnvp,
 * distill and the one-step flow families — its transport cost E‖φ(z) − z‖² (flows/diagnostics.ts), read from
 * the map the run exports (`phi`, or realnvp's sampling direction). A map from another latent dimension or a
 * uniform base has no cost to report: z and φ(z) do not live in one space.
 */
import * as tf from '@tensorflow/tfjs-core'
import { Mlp, type MlpWeights } from '../models/mlp'
import { mapDiagnostics } from '../objectives/flows/diagnostics'
import type { TrainableModel } from '../objectives/types'
import type { Rng } from '../rng'
import type { Points } from '../types'
import type { ModelConfig } from './config'

/** The one-step map z [n, d] → x [n, d] (standardised) of a model, or null when it has none on N(0, I_d). */
export function oneStepMap(
  model: Pick<TrainableModel, 'exportAs'>,
  weights: Record<string, unknown>,
  base: ModelConfig['base'],
  d: number
): ((z: Float32Array) => Float32Array) | null {
  const e = model.exportAs?.()
  if (e?.kind === 'flow') return null
  if (e?.kind === 'realnvp') return (z) => e.forward(z, z.length / d)
  const phi = weights.phi as MlpWeights | undefined
  const b = weights.base === 'uniform' || weights.base === 'normal' ? weights.base : base
  if (!phi?.spec || !Array.isArray(phi.layers) || b !== 'normal') return null
  if (phi.spec.inDim !== d || phi.spec.outDim !== d) return null
  return (z) => {
    const mlp = Mlp.fromJSON(phi, 'diagnostic')
    try {
      const y = tf.tidy(() => mlp.apply(tf.tensor2d(z, [z.length / d, d])))
      const x = y.dataSync() as Float32Array
      y.dispose()
      return x
    } finally {
      mlp.dispose()
    }
  }
}

/** The model's own figures and, for a one-step map, its transport cost (see the header). */
export function runDiagnostics(
  model: Pick<TrainableModel, 'evaluate' | 'exportAs'>,
  weights: Record<string, unknown>,
  config: { model: Pick<ModelConfig, 'base'> },
  heldout: Points,
  rng: Rng
): Record<string, number> {
  const own = model.evaluate?.(heldout, rng) ?? {}
  const map = oneStepMap(model, weights, config.model.base, heldout.d)
  return map && own.transportCost === undefined
    ? { ...own, ...mapDiagnostics(map, heldout.d, rng.fork()) }
    : own
}
