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
 * The long files, longest first (a 2-worker run does best when each worker starts the longest file left). Order
 * from the clean-clone run of 2026-12-02 (2-core CPU, partly loaded; summed test-file seconds: quality-statistics
 * 342, quality-anneal 337, quality-onestep 294, quality-likelihood 182, flows/quality 176, quality-statistics-2
 * 174, map-model/quality 147, e2e/workbench 91, host/jobs 87, train 48, repro/fig1 30 — fig1 had no rank and
 * finished last), less the test-budget cuts of the same day (quality-statistics ≈ 200, -2 ≈ 150).
 */
export const LONG_FIRST: readonly RegExp[] = [
  /^tests\/engine\/map-model\/quality-anneal\.test\.ts$/,
  /^tests\/engine\/flows\/quality-onestep\.test\.ts$/,
  /^tests\/engine\/train\/quality-statistics\.test\.ts$/,
  /^tests\/engine\/flows\/quality\.test\.ts$/,
  /^tests\/engine\/map-model\/quality-likelihood\.test\.ts$/,
  /^tests\/engine\/train\/quality-statistics-2\.test\.ts$/,
  /^tests\/engine\/map-model\/quality\.test\.ts$/,
  /^tests\/e2e\/workbench\.test\.ts$/,
  /^tests\/host\/jobs\.test\.ts$/,
  /^tests\/engine\/.*quality.*\.test\.ts$/,
  /^tests\/engine\/(train\/train|repro\/fig1|ort\/ort-training|onnx\/flow-export)\.test\.ts$/,
  /^tests\/e2e\//,
  /^tests\/cli\/(cli|demo|kill-resume|small-data)\.test\.ts$/,
  /^tests\/engine\/train\/(preview|resume)\.test\.ts$/
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
