#!/usr/bin/env node
// `npm run check:faults`: the fault-injection table. Tries bad data files, hostile HTTP requests against the web
// host, … (one category each), prints what did not hold, and rewrites docs/reliability.md (what was tried, how
// many, the outcome per category and per case). Exits 1 when any case did not hold.
//
//   npm run check:faults                      all categories, writes docs/reliability.md
//   npm run check:faults -- --only bad-files  some categories (comma-separated ids); writes no report
//
// Adding a category (corrupt run records, killed workers, …):
//   1. Write scripts/faults/<id>.ts exporting a `FaultCategory` (scripts/faults/types.ts):
//        { id, title, expectation, run(ctx) → Trial[] }  — a Trial is { case, held, outcome }, one line each.
//      `ctx.tmpDir()` gives a fresh folder (removed afterwards), `ctx.root` the repository. Drive the real code
//      paths (the run store, `pfm` in a child process, the web host), never mocks, and decide `held` from what is
//      on disk and what the user is told. A category that throws is recorded as one failed case.
//   2. Add it to CATEGORIES in scripts/faults/index.ts. The runner and the report need nothing else.
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

register()
const { values } = parseArgs({ options: { only: { type: 'string' } } })
const root = fileURLToPath(new URL('..', import.meta.url))
const { runFaults } = await import(fileURLToPath(new URL('./faults/run.ts', import.meta.url)))
const only = values.only
  ? values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : []
const { failed } = await runFaults({ root, only })
process.exitCode = failed > 0 ? 1 : 0
