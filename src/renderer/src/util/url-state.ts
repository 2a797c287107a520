/**
 * The workbench's state in the URL's hash, TensorBoard-style, so that a reload, a deep link or the back button
 * restores it: the current view, the Gallery's panels and the Benchmark's report and batch size.
 *
 *   #/gallery?panels=run-a~onestep~1,run-b~heun~8
 *   #/benchmark?bench=job-3&batch=64
 *
 * The hash is untrusted input (anyone can send a link): `parseUrlState` keeps only well-formed values — a known
 * view, ids of a safe shape, whole numbers in range, at most MAX_PANELS panels — and drops the rest; the host
 * still validates every request the restored state makes. Pure functions.
 */
import { VIEWS, type ViewId } from '../stores/ui'

export const MAX_PANELS = 12
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const SAMPLER = /^[a-z][a-z0-9-]{0,23}$/

export interface UrlPanel {
  runId: string
  sampler: string
  steps: number
}

export interface UrlState {
  view: ViewId
  /** Gallery panels, in order. */
  panels: UrlPanel[]
  /** The Benchmark's open report and the batch size its charts show. */
  bench: string | null
  batch: number | null
}

export const DEFAULT_STATE: UrlState = { view: 'datasets', panels: [], bench: null, batch: null }

function wholeNumber(text: string | null, min: number, max: number): number | null {
  if (text === null || !/^\d{1,7}$/.test(text)) return null
  const v = Number(text)
  return v >= min && v <= max ? v : null
}

/** The state a hash describes; malformed parts fall back to the defaults (never throws). */
export function parseUrlState(hash: string): UrlState {
  const m = /^#?\/?([a-z]*)(?:\?(.*))?$/.exec(hash.length > 4096 ? '' : hash)
  if (!m) return { ...DEFAULT_STATE }
  const view = VIEWS.some((v) => v.id === m[1]) ? (m[1] as ViewId) : DEFAULT_STATE.view
  const q = new URLSearchParams(m[2] ?? '')
  const panels: UrlPanel[] = []
  for (const item of (q.get('panels') ?? '').split(',')) {
    const [runId, sampler, steps, ...rest] = item.split('~')
    const k = wholeNumber(steps ?? null, 1, 1000)
    if (rest.length > 0 || !runId || !ID.test(runId) || !sampler || !SAMPLER.test(sampler) || k === null)
      continue
    if (
      panels.length < MAX_PANELS &&
      !panels.some((p) => p.runId === runId && p.sampler === sampler && p.steps === k)
    )
      panels.push({ runId, sampler, steps: k })
  }
  const bench = q.get('bench')
  return {
    view,
    panels,
    bench: bench !== null && ID.test(bench) ? bench : null,
    batch: wholeNumber(q.get('batch'), 1, 65_536)
  }
}

/** The hash of a state: the view, then only the parts that differ from the defaults. */
export function formatUrlState(s: UrlState): string {
  const q: string[] = []
  if (s.panels.length > 0)
    q.push(
      `panels=${s.panels.map((p) => `${encodeURIComponent(p.runId)}~${p.sampler}~${p.steps}`).join(',')}`
    )
  if (s.bench) q.push(`bench=${encodeURIComponent(s.bench)}`)
  if (s.batch !== null) q.push(`batch=${s.batch}`)
  return `#/${s.view}${q.length > 0 ? `?${q.join('&')}` : ''}`
}
