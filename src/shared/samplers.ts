/**
 * The one list of sampler ids: the engine's sampler records (src/engine/samplers/), the CLI's help, the host's
 * schemas and the renderer's pickers all read it. `onestep` is a one-step map's single evaluation; the rest
 * integrate a flow or diffusion model in K steps.
 */
export const SAMPLER_IDS = ['onestep', 'euler', 'heun', 'rk4', 'dopri5', 'dpmpp-2m', 'ddim', 'ddpm'] as const

export type SamplerId = (typeof SAMPLER_IDS)[number]

/** Samplers with a deterministic graph (every sampler but the stochastic `ddpm`): export and benchmark. */
export const DETERMINISTIC_SAMPLER_IDS = SAMPLER_IDS.filter(
  (s): s is Exclude<SamplerId, 'ddpm'> => s !== 'ddpm'
)
export type DeterministicSamplerId = (typeof DETERMINISTIC_SAMPLER_IDS)[number]

/** Time-grid spacings a multi-step sampler can step on (besides a list of times). */
export const GRID_SPACINGS = ['uniform', 'quadratic', 'cosine', 'karras', 'logsnr'] as const
export type GridSpacing = (typeof GRID_SPACINGS)[number]

/** A spacing, or K + 1 explicit times in the direction of integration. */
export type GridSpec = GridSpacing | readonly number[]

/** What each sampler is, for pickers and help (the engine's records carry the same titles). */
export const SAMPLER_TITLES: Record<SamplerId, string> = {
  onestep: 'One step: a single network evaluation',
  euler: 'Euler, 1 call per step',
  heun: 'Heun, 2 calls per step',
  rk4: 'Runge–Kutta 4, 4 calls per step',
  dopri5: 'Dormand–Prince 5(4), adaptive',
  'dpmpp-2m': 'DPM-Solver++ 2M, 1 call per step',
  ddim: 'DDIM (η = 0), 1 call per step',
  ddpm: 'DDPM ancestral (stochastic)'
}

/**
 * The grid a new inference benchmark times by default (`pfm bench infer`, the host and the Benchmark view):
 * small enough to finish in about a minute on a laptop CPU.
 */
export const DEFAULT_BENCH_GRID: {
  samplers: readonly DeterministicSamplerId[]
  steps: readonly number[]
  batch: readonly number[]
} = {
  samplers: ['onestep', 'euler', 'heun', 'ddim'],
  steps: [1, 2, 4, 8, 16, 32, 64, 100],
  batch: [1, 64, 1024]
}
