/**
 * `snapshots.jsonl`: samples of the model at fixed fractions of its training (and at the end), in data units,
 * one `{ step, d, points }` per line — what the Gallery's slider over training shows. Appended as training
 * goes; a torn last line is skipped on read.
 */
import { z } from 'zod'

export const SNAPSHOTS_FILE = 'snapshots.jsonl'

/** Snapshots a run keeps over its training (plus the final one). */
export const SNAPSHOT_COUNT = 10
/** Points per snapshot. */
export const SNAPSHOT_POINTS = 500

export const SnapshotRecordSchema = z
  .object({
    step: z.number().int().min(0),
    d: z.number().int().min(1),
    points: z.array(z.number())
  })
  .refine((r) => r.points.length % r.d === 0, 'points is not a whole number of rows of d values')

export type SnapshotRecord = z.infer<typeof SnapshotRecordSchema>

/** The steps (1-based) after which a run of `steps` steps takes a snapshot, the last step excluded. */
export function snapshotSteps(steps: number, count = SNAPSHOT_COUNT): number[] {
  const out = new Set<number>()
  for (let k = 1; k < count; k++) {
    const s = Math.round((k * steps) / count)
    if (s >= 1 && s < steps) out.add(s)
  }
  return [...out].sort((a, b) => a - b)
}
