/**
 * A benchmark's progress as a sentence in the units the user chose, configurations: shared by the renderer (the
 * Benchmark view's job line) and the host (where a crashed or killed benchmark stopped). Plain functions.
 */
import type { BenchConfigProgress } from './api'

const STAGE_VERB: Record<BenchConfigProgress['stage'], string> = {
  prepare: 'prepared',
  'warm-up': 'warmed up',
  timing: 'timed'
}

/**
 * `12 of 34 configurations prepared`, `… warmed up`, `… timed in round 3 of 5` (no round when there is one):
 * the configurations through the current stage, of all the report will hold.
 */
export function benchProgressText(p: BenchConfigProgress): string {
  const what = `${p.done} of ${p.total} ${p.total === 1 ? 'configuration' : 'configurations'} ${STAGE_VERB[p.stage]}`
  return p.stage === 'timing' && p.round !== undefined && p.rounds !== undefined && p.rounds > 1
    ? `${what} in round ${p.round} of ${p.rounds}`
    : what
}
