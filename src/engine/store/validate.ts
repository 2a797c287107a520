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
  let issue: z.core.$ZodIssue | undefined = error.issues[0]
  if (!issue) return 'invalid content'
  // A union (e.g. "number, or null read as NaN") says only "Invalid input": report its first branch instead.
  let path: PropertyKey[] = [...issue.path]
  while (issue.code === 'invalid_union' && issue.errors[0]?.[0]) {
    const inner: z.core.$ZodIssue = issue.errors[0][0]
    path = [...path, ...inner.path]
    issue = inner
  }
  const reason = issue.message.replace(/^Invalid input: /, '')
  return path.length ? `field "${formatPath(path)}": ${reason}` : reason
}
