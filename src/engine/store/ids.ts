/**
 * Run ids: sortable, readable and safe as a single path segment, e.g.
 * `20261123-154102-energy-8gaussians-a1b2` (UTC timestamp, objective, dataset slug, 4 random hex digits).
 */
import { StoreError } from '../errors'
import { randomHex } from './fs-utils'

const ID_RE = /^[A-Za-z0-9._-]+$/
const MAX_ID_LENGTH = 200

/** Why `id` is not a safe run id, or null when it is. */
export function invalidIdReason(id: unknown): string | null {
  if (typeof id !== 'string' || id === '') return 'it is empty'
  if (id.length > MAX_ID_LENGTH) return `it is longer than ${MAX_ID_LENGTH} characters`
  if (id.includes('/') || id.includes('\\')) return 'it contains a path separator'
  if (id.includes('..')) return 'it contains ".."'
  if (!ID_RE.test(id)) return 'only letters, digits, ".", "_" and "-" are allowed'
  if (id.startsWith('.')) return 'it starts with "." (reserved for temporary entries)'
  return null
}

/** Throws StoreError unless `id` is a safe run id (so no caller can reach outside the store's root). */
export function assertRunId(id: unknown): asserts id is string {
  const why = invalidIdReason(id)
  if (why) throw new StoreError(`${JSON.stringify(id)} is not a valid run id: ${why}.`)
}

/** Lower-case, `[a-z0-9-]` only, at most `max` characters; `fallback` when nothing is left. */
export function slug(s: string, max = 24, fallback = 'x'): string {
  const out = s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '')
  return out || fallback
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** `YYYYMMDD-HHMMSS` in UTC (UTC so that ids sort in creation order across DST changes). */
export function timestampPart(d: Date): string {
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  )
}

export function newRunId(now: Date, objective: string, dataset: string): string {
  return `${timestampPart(now)}-${slug(objective, 16, 'run')}-${slug(dataset, 24, 'data')}-${randomHex(2)}`
}
