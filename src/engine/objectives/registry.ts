/**
 * The one registry of every objective kind — §2 statistics matching, §3 density, §4 flows — in display order.
 * `registerObjective` lets a researcher's script (or a test) add its own objective to the same table,
 * so it appears in `pfm objectives`, the UI forms and `pfm train --objective`.
 */
import { ConfigError } from '../errors'
import { STATISTICS_OBJECTIVES } from './statistics'
import { DENSITY_OBJECTIVES } from './density'
import { FLOW_OBJECTIVES } from './flows'
import type { AnyObjective } from './types'

/** Display order: the paper's families (§2, §3, §4), one folder each; GANs sit with §2 as the adversarial D∞. */
const registry: AnyObjective[] = [...STATISTICS_OBJECTIVES, ...DENSITY_OBJECTIVES, ...FLOW_OBJECTIVES]

export function allObjectives(): readonly AnyObjective[] {
  return registry
}

/** The objective with this id; a `ConfigError` naming the known ids otherwise. */
export function findObjective(id: string): AnyObjective {
  const o = registry.find((x) => x.id === id)
  if (!o) throw new ConfigError(`Unknown objective "${id}" (known: ${registry.map((x) => x.id).join(', ')}).`)
  return o
}

/** Adds (or, with `replace`, swaps) an objective. Ids are short kebab-case. */
export function registerObjective(obj: AnyObjective, opts: { replace?: boolean } = {}): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(obj.id))
    throw new ConfigError(`Objective id "${obj.id}" must be short kebab-case.`)
  const i = registry.findIndex((x) => x.id === obj.id)
  if (i >= 0 && !opts.replace) throw new ConfigError(`An objective "${obj.id}" is already registered.`)
  if (i >= 0) registry[i] = obj
  else registry.push(obj)
}

/** Removes a registered objective (tests use it to clean up). */
export function unregisterObjective(id: string): void {
  const i = registry.findIndex((x) => x.id === id)
  if (i >= 0) registry.splice(i, 1)
}
