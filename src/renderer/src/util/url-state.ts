/**
 * The workbench's state in the URL's hash, TensorBoard-style, so that a reload, a deep link or the back button
 * restores it: the current view, the Gallery's panels and the Benchmark's report and batch size.
 *
 *   #/gallery?panels=run-a~onestep~1,run-b~heun~8~karras,run-c~dopri5~1~~0.0001
 *   #/benchmark?bench=job-3&batch=64
 *
 * The hash is untrusted input (anyone can send a link): `parseUrlState` keeps only well-formed values — a known
 * view, ids of a safe shape, whole numbers in range, at most MAX_PANELS panels — and drops the rest; the host
 * still validates every request the restored state makes. Pure functions.
 */
import { GRID_SPACINGS, type GridSpacing } from '../../../shared/samplers'
import { VIEWS, type ViewId } from '../stores/ui'

export const MAX_PANELS = 12
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const SAMPLER = /^[a-z][a-z0-9-]{0,23}$/
const TOLERANCE = /^(\d{1,3}(\.\d{1,12})?|\.\d{1,12})(e-\d{1,2})?$/

/** A panel: run, sampler, K, and its time grid where one was chosen (`~spacing~tolerance`, either empty). */
export interface UrlPanel {
  runId: string
  sampler: string
  steps: number
  spacing?: GridSpacing
  tolerance?: number
}

/** An adaptive sampler's tolerance from a link: a plain positive number ≤ 1, else null. */
function tolerance(text: string): number | null {
  if (!TOLERANCE.test(text)) return null
  const v = Number(text)
  return v > 0 && v <= 1 ? v : null
}

/** One `run~sampler~K[~spacing[~tolerance]]` item; null when any part is malformed. */
function parsePanel(item: string): UrlPanel | null {
  const [runId, sampler, steps, spacing = '', tol = '', ...rest] = item.split('~')
  const k = wholeNumber(steps ?? null, 1, 1000)
  if (rest.length > 0 || !runId || !ID.test(runId) || !sampler || !SAMPLER.test(sampler) || k === null)
    return null
  const panel: UrlPanel = { runId, sampler, steps: k }
  if (spacing !== '') {
    if (!(GRID_SPACINGS as readonly string[]).includes(spacing)) return null
    panel.spacing = spacing as GridSpacing
  }
  if (tol !== '') {
    const t = tolerance(tol)
    if (t === null) return null
    panel.tolerance = t
  }
  return panel
}

/** A panel's identity in a link (two items naming the same panel are one). */
function panelItem(p: UrlPanel): string {
  const grid = [p.spacing ?? '', p.tolerance !== undefined ? String(p.tolerance) : '']
    .join('~')
    .replace(/~+$/, '')
  return `${encodeURIComponent(p.runId)}~${p.sampler}~${p.steps}${grid ? `~${grid}` : ''}`
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
    const panel = parsePanel(item)
    if (!panel || panels.length >= MAX_PANELS) continue
    if (!panels.some((p) => panelItem(p) === panelItem(panel))) panels.push(panel)
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
  if (s.panels.length > 0) q.push(`panels=${s.panels.map(panelItem).join(',')}`)
  if (s.bench) q.push(`bench=${encodeURIComponent(s.bench)}`)
  if (s.batch !== null) q.push(`batch=${s.batch}`)
  return `#/${s.view}${q.length > 0 ? `?${q.join('&')}` : ''}`
}
