/**
 * What a run was trained on, and whether two runs were trained on the same data. The host builds the record
 * from a stored run's config (it alone knows which specs are built-ins); the renderer compares two of them, e.g.
 * so that the Gallery marks a panel whose run learned other data than its reference panel's. Plain functions,
 * no imports.
 */

/** A run's data, as the contract shows it. */
export interface RunDataInfo {
  /** Display name: the built-in's id or the file's base name. */
  name: string
  /** What the run was trained on: a built-in id, or the path of its file as given. */
  spec: string
  /** True for a built-in data set (the same id draws the same law, whatever its seed and size). */
  builtin: boolean
  /** Files: the digest of the loaded values and labels (absent in runs made before it was stored). */
  digest?: string
  /** Files: the column selection and skipped lines, as given. */
  columns?: string
  skipRows?: number
}

/**
 * True when two runs learned the same data: built-ins by id (another seed or size draws the same law); files by
 * the digest of their values where both runs stored one (a file imported twice under two names is the same
 * data), else by path, column selection and skipped lines.
 */
export function sameRunData(a: RunDataInfo, b: RunDataInfo): boolean {
  if (a.builtin || b.builtin) return a.builtin === b.builtin && a.spec === b.spec
  if (a.digest !== undefined && b.digest !== undefined) return a.digest === b.digest
  return a.spec === b.spec && a.columns === b.columns && (a.skipRows ?? 0) === (b.skipRows ?? 0)
}
