/** The fault-injection runner (entry: scripts/check-faults.mjs). */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { CATEGORIES } from './index'
import { renderReport, type CategoryResult } from './report'
import { oneLine, type FaultCategory, type FaultContext } from './types'

export interface RunOptions {
  root: string
  /** Category ids to run (default all). */
  only?: string[]
  /** Where the report goes (default docs/reliability.md); null writes none. */
  out?: string | null
  /** The categories to choose from (default: every registered one). */
  categories?: readonly FaultCategory[]
}

/** Runs the categories, writes the report, and returns the number of cases that did not hold. */
export async function runFaults(opts: RunOptions): Promise<{ failed: number; results: CategoryResult[] }> {
  const all = opts.categories ?? CATEGORIES
  const unknown = (opts.only ?? []).filter((id) => !all.some((c) => c.id === id))
  if (unknown.length > 0)
    throw new Error(`Unknown category ${unknown.join(', ')} (known: ${all.map((c) => c.id).join(', ')}).`)
  const chosen = all.filter((c) => !opts.only?.length || opts.only.includes(c.id))
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-faults-'))
  const results: CategoryResult[] = []
  try {
    for (const category of chosen) {
      const ctx: FaultContext = {
        root: opts.root,
        tmpDir: () => fs.mkdtempSync(path.join(base, `${category.id}-`)),
        log: (m) => process.stderr.write(`[${category.id}] ${m}\n`)
      }
      const t0 = performance.now()
      let trials
      try {
        trials = await category.run(ctx)
      } catch (e) {
        trials = [{ case: 'the category itself', held: false, outcome: `crashed: ${oneLine(e)}` }]
      }
      const seconds = (performance.now() - t0) / 1000
      const failed = trials.filter((t) => !t.held)
      process.stderr.write(
        `${category.id}: ${trials.length} tried, ${failed.length} failed (${seconds.toFixed(1)} s)\n` +
          failed.map((t) => `  ✗ ${t.case}: ${t.outcome}\n`).join('')
      )
      results.push({ category, trials, seconds })
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
  const out = opts.out === undefined ? path.join(opts.root, 'docs/reliability.md') : opts.out
  if (out && !opts.only?.length) fs.writeFileSync(out, renderReport(results))
  return { failed: results.reduce((s, r) => s + r.trials.filter((t) => !t.held).length, 0), results }
}
