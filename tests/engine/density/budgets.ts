/**
 * The training budgets of the quality tests (quality.test.ts), per objective and dataset, and what they
 * measured while tuning (seed 0, 20 000 points, 4 000 held out; ratio = held-out energy / that of a Gaussian
 * fitted to the training split; CPU seconds of the training loop, wasm backend, one thread — wall time is
 * 1–2.5× that on a shared machine). Parameters not listed are the objective's defaults; `model` is the run's
 * model configuration (harness default: width 128, depth 3, SiLU, latent dimension d).
 *
 * The test runs seed 1 (8gaussians / moons): gan 0.069 / 0.069, wgan-gp 0.091 / 0.091, realnvp 0.054 / 0.068,
 * vae 0.109 (3000 steps: 0.102) / 0.171, anneal 0.087 / 0.268. On moons with seed 1 plain energy matching
 * (anneal with one round) stalls too, at 0.236 after 1000 steps; anneal with the mmd loss reaches 0.092 there,
 * in 85 CPU s.
 */
import type { HarnessOptions } from './harness'

export const QUALITY_DATASETS = ['8gaussians', 'moons'] as const

export interface Budget {
  /** Options for every dataset, then per-dataset overrides. */
  common: HarnessOptions
  perDataset?: Record<string, HarnessOptions>
  /** The ratio asserted, where it is not the 0.1 (a documented gap). */
  bar?: Record<string, number>
}

export const QUALITY_BUDGETS: Record<string, Budget> = {
  // Defaults (R1 γ = 1, weight average 0.995, critic 64×2) with a 64×2 generator: 8gaussians 0.054 (22 CPU s),
  // moons 0.059 (19 s). Without R1 and the average: 0.17–0.35. The default 128×3 generator: 8gaussians 0.074
  // (22 s) but moons 0.36 (one moon half dropped, recall 0.58).
  gan: { common: { model: { width: 64, depth: 2 } } },
  // Defaults (λ = 1, 3 critic steps, 1000 steps) with a 64×2 generator: 8gaussians 0.066 (31 s), moons 0.094
  // (24 s) — 5 critic steps give moons 0.047 (48 s), used here for the margin. λ = 10 reaches 0.22 on 8gaussians.
  'wgan-gp': {
    common: { model: { width: 64, depth: 2 } },
    perDataset: { moons: { params: { criticSteps: 5 } } }
  },
  // Defaults (8 couplings of 64×2, 1500 steps, lr 3e-3 with cosine decay): 8gaussians 0.056 (25 s, NLL 0.855
  // nats/dim), moons 0.033 (19 s). A constant lr gives 0.10–0.13 on 8gaussians.
  realnvp: { common: {} },
  // Defaults (σ = 0.2, 2000 steps, lr 3e-3) with a 4-D latent: 8gaussians 0.077 (32 s); a 2-D latent 0.107 at
  // 2500 steps. Moons stay at 0.16 (σ 0.1–0.3, latent 1–4, β 1–2, decoder noise on or off: 0.16–0.24; 4000
  // steps with σ = 0.1: 0.133, 56 s): the prior's mass between the two arcs decodes between them.
  vae: {
    common: { model: { latentDim: 4 } },
    perDataset: { moons: { model: { latentDim: 2 } } },
    bar: { moons: 0.2 }
  },
  // Defaults (3 rounds t = 1, ¼, 0; 2400 steps of batch 512, energy loss): 8gaussians 0.073 (51 s), moons 0.064
  // (50 s); a 64×2 map: 0.118 / 0.110. 5 rounds: 0.17 at 1000 steps, 0.14 at 1500 (4 quadratic rounds); plain
  // energy: 0.077 at 1000 steps.
  anneal: { common: {} }
}
