/**
 * The image budget of the one-step maps a statistic or a density trains (§2, §3) on MNIST-size data (784 px),
 * sized to about ten minutes of this 2-core CPU on TensorFlow.js `wasm` (docs/benchmarks.md, "Every one-step
 * objective on mnist, in one table"): a 64-dimensional latent (a map from 784-D noise spends its first layer on noise
 * the data do not have), a 512 × 3 MLP, Adam at 1e-3 (the toys' 2e-3 to 5e-3 diverge or stall at this
 * width). Measured on mnist at 2 000 × 256 with energy: fd 21.3 against 366.8 at 40 steps, 7.2 % in the rarest
 * class, strokes readable as digits (0.14 s a step).
 */
import type { TrainDefaults } from './types'

/** The generator of the §2 / §3 one-step maps on images: z ∈ ℝ⁶⁴ → 512 × 3 MLP → 784 pixels. */
export const IMAGE_MAP_MODEL = { latentDim: 64, width: 512, depth: 3 } as const

/** An image budget for a one-step map: {@link IMAGE_MAP_MODEL}, rate 1e-3 unless given, and the parameters. */
export function mapImageDefaults(
  steps: number,
  batch: number,
  params?: TrainDefaults['params'],
  lr = 1e-3
): TrainDefaults {
  return { steps, batch, lr, model: { ...IMAGE_MAP_MODEL }, ...(params ? { params } : {}) }
}
