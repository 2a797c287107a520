/** The shapes every fault-injection category shares (see scripts/check-faults.mjs for how to add one). */

/** One thing that was tried, and whether the app held. */
export interface Trial {
  /** What was tried, one line: `bad/ragged.csv`, `POST /api/runs/get with a 2 MiB body`. */
  case: string
  /** True when the app answered as designed (refused cleanly, lost nothing, kept serving). */
  held: boolean
  /** What happened, one line: the error's sentence, the HTTP status and code. */
  outcome: string
}

/** What a category gets from the runner. */
export interface FaultContext {
  /** The repository root. */
  root: string
  /** A fresh empty folder (removed when the run ends). */
  tmpDir(): string
  /** Progress on stderr. */
  log(message: string): void
}

/** One kind of fault: bad files, hostile requests, corrupt run records, killed workers, … */
export interface FaultCategory {
  /** Short kebab-case id (`--only <id>` runs just this one). */
  id: string
  /** The table's row title. */
  title: string
  /** One sentence: what "held" means for this category. */
  expectation: string
  /** Tries every case; a case that throws is recorded as not held by the runner. */
  run(ctx: FaultContext): Promise<Trial[]>
}

/** One line of any error or value, at most `max` characters (for the report's table cells). */
export function oneLine(s: unknown, max = 160): string {
  const text = (s instanceof Error ? s.message : String(s)).replace(/\s*\n\s*/g, ' ⏎ ').trim()
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
