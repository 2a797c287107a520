/** A wall time for people: `42s`, `7m05s` (whole seconds). Shared by the CLI and the engine's logs. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}
