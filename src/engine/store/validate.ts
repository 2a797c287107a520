/** Turns zod issues into the store's error sentences: `field "config.dataset.dim": expected number, received string`. */
import type { z } from 'zod'

/** `config.dataset.columnNames[2]` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += (out ? '.' : '') + String(p)
  }
  return out
}

/** The first issue, as `field "a.b": reason` (or just the reason for a top-level problem). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'invalid content'
  const reason = issue.message.replace(/^Invalid input: /, '')
  return issue.path.length ? `field "${formatPath(issue.path)}": ${reason}` : reason
}
