/** Number and time formatting for tables, badges and tooltips. Pure functions. */

/** A number with `digits` significant digits; exponent form for very small or large magnitudes; `—` for none. */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—'
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞'
  if (x === 0) return '0'
  const a = Math.abs(x)
  if (a < 1e-3 || a >= 1e6) return x.toExponential(Math.max(0, digits - 1)).replace('e+', 'e')
  if (Number.isInteger(x) && a < 1e6) return String(x)
  return String(Number(x.toPrecision(digits)))
}

/** A duration in ms as `1 h 02 min`, `3 min 05 s`, `12 s`, `< 1 s`; `—` for none. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return '< 1 s'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`
  const h = Math.floor(m / 60)
  return `${h} h ${String(m % 60).padStart(2, '0')} min`
}

/** A throughput such as `12.3k samples/s`; `—` for none. */
export function formatRate(perSec: number | null | undefined, unit = 'samples/s'): string {
  if (perSec === null || perSec === undefined || !Number.isFinite(perSec)) return '—'
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(1)}M ${unit}`
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)}k ${unit}`
  return `${Math.round(perSec)} ${unit}`
}

/** An ISO date as a short local `YYYY-MM-DD HH:MM`. */
export function formatDate(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** `1 step`, `16 steps`. */
export function stepsLabel(k: number): string {
  return `${k.toLocaleString('en-US')} step${k === 1 ? '' : 's'}`
}

/** `1 network evaluation`, `32 network evaluations`. */
export function evaluationsLabel(n: number): string {
  return `${n.toLocaleString('en-US')} network evaluation${n === 1 ? '' : 's'}`
}

/** A latency in ms with a readable unit: `840 ns`, `12.5 µs`, `3.2 ms`, `1.4 s`; `—` for none. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms >= 1000) return `${formatNumber(ms / 1000, 3)} s`
  if (ms >= 1) return `${formatNumber(ms, 3)} ms`
  if (ms >= 1e-3) return `${formatNumber(ms * 1e3, 3)} µs`
  return `${formatNumber(ms * 1e6, 3)} ns`
}

/** An objective's parameters as `name value` pairs in name order (`bandwidths median · k 4`); `—` for none. */
export function paramsLabel(params: Record<string, number | string | boolean>): string {
  const keys = Object.keys(params).sort()
  if (keys.length === 0) return '—'
  return keys
    .map((k) => {
      const v = params[k]!
      return `${k} ${typeof v === 'number' ? formatNumber(v) : String(v)}`
    })
    .join(' · ')
}

/** A learning rate as a researcher writes it: `0.002`, `0.0005`, `1e-5` (3 significant digits). */
export function formatLearningRate(lr: number): string {
  return Number.isFinite(lr) ? String(Number(lr.toPrecision(3))) : '—'
}

/** A run in a picker: its name, then what it trained on where the name does not already say it. */
export function runLabel(r: { name: string; objective: string; dataset: string }): string {
  const what = `${r.objective} on ${r.dataset}`
  return r.name === what ? r.name : `${r.name} — ${what}`
}

/**
 * An objective's summary for a paragraph that keeps line breaks (`white-space: pre-line`): a break after a sentence
 * stays, one in the middle of a sentence (the CLI's 100-column wrapping) becomes a space.
 */
export function summaryText(summary: string): string {
  return summary.replace(/([^.:;])\n/g, '$1 ')
}
