/** Learning-rate schedules: the one cosine decay every objective's optimiser uses, in its variants. */

export interface CosineOptions {
  /** The factor at the last step (default 0.05). */
  floor?: number
  /** Fraction of the run held at factor 1 before the decay starts (default 0). */
  hold?: number
}

/**
 * The learning-rate factor at `step` (0-based) of `steps`: 1 for the first `hold` fraction of the run, then a
 * half cosine down to `floor` at the last step. Annealing the rate lets the last steps average out the
 * mini-batch noise of a stochastic loss instead of jittering around the optimum.
 */
export function cosineFactor(step: number, steps: number, opts: CosineOptions = {}): number {
  const floor = opts.floor ?? 0.05
  const hold = opts.hold ?? 0
  if (!(steps > 1)) return 1
  const u = Math.min(1, Math.max(0, step / (steps - 1)))
  if (u <= hold) return 1
  const v = (u - hold) / (1 - hold)
  return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * v))
}

/** Sets an optimizer's learning rate (tfjs keeps it in a protected field that its update reads each step). */
export function setLearningRate(opt: object, lr: number): void {
  ;(opt as { learningRate: number }).learningRate = lr
}
