/**
 * The order test files start in: the long ones first, so that on a 2-core run the short ones fill the gaps and
 * no long file starts last and runs alone on one core while the other idles.
 *
 * vitest orders by the durations of its last run, which a clean clone (CI) does not have, and then starts the
 * larger files first: the training-quality files — a few lines each, minutes of CPU — came last. Files matching
 * LONG_FIRST start first, in its order; the others keep vitest's order after them.
 */
import * as path from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The long files, longest first: measured on 2026-12-02 in one run of the whole suite (2-core CPU shared with
 * ~7 helpers, load ~20, 4 907 s): map-model/quality 1 507 s, flows/quality 1 215, train/quality-statistics
 * 1 202, host/jobs 657, flows/quality-onestep 537, map-model/quality-anneal 454, e2e/workbench 375, cli 277, ….
 * vitest started quality-anneal at +4 431 s, quality-statistics-2 at +4 475 and quality-likelihood at +4 750.
 */
export const LONG_FIRST: readonly RegExp[] = [
  /^tests\/engine\/map-model\/quality\.test\.ts$/,
  /^tests\/engine\/flows\/quality\.test\.ts$/,
  /^tests\/engine\/train\/quality-statistics\.test\.ts$/,
  /^tests\/host\/jobs\.test\.ts$/,
  /^tests\/engine\/flows\/quality-onestep\.test\.ts$/,
  /^tests\/engine\/map-model\/quality-anneal\.test\.ts$/,
  /^tests\/e2e\/workbench\.test\.ts$/,
  /^tests\/engine\/.*quality.*\.test\.ts$/,
  /^tests\/e2e\//,
  /^tests\/cli\/(cli|demo|kill-resume|small-data)\.test\.ts$/,
  /^tests\/engine\/(train\/train|ort\/ort-training)\.test\.ts$/
]

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const root = this.ctx.config.root
    const rank = (f: TestSpecification): number => {
      const rel = path.relative(root, f.moduleId).split(path.sep).join('/')
      const i = LONG_FIRST.findIndex((re) => re.test(rel))
      return i < 0 ? LONG_FIRST.length : i
    }
    return sorted
      .map((f, i) => ({ f, i, r: rank(f) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.f)
  }
}
