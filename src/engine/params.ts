/**
 * Hyper-parameter declarations. Objectives (and the model/training options) declare their parameters once;
 * the CLI's `--set key=value`, `pfm objectives` and the UI forms are generated from these declarations.
 */
import { paramApplies, type ParamCondition } from '../shared/params'
import { ConfigError } from './errors'

export type ParamSpec = (
  | { type: 'int'; default: number; min: number; max: number; help: string }
  | { type: 'float'; default: number; min: number; max: number; help: string; log?: boolean }
  | { type: 'enum'; default: string; options: readonly string[]; help: string }
  | { type: 'bool'; default: boolean; help: string }
  | { type: 'string'; default: string; help: string }
) & {
  /** Set when the parameter only reads under another one's value (e.g. timeMean under time=logit-normal). */
  when?: ParamCondition
}

export type ParamValue = number | string | boolean
export type ParamSpecs = Record<string, ParamSpec>
export type ParamValues = Record<string, ParamValue>

export const int = (def: number, min: number, max: number, help: string): ParamSpec => ({
  type: 'int',
  default: def,
  min,
  max,
  help
})
export const float = (def: number, min: number, max: number, help: string, log = false): ParamSpec => ({
  type: 'float',
  default: def,
  min,
  max,
  help,
  log
})
export const choice = (def: string, options: readonly string[], help: string): ParamSpec => ({
  type: 'enum',
  default: def,
  options,
  help
})
export const bool = (def: boolean, help: string): ParamSpec => ({ type: 'bool', default: def, help })
export const str = (def: string, help: string): ParamSpec => ({ type: 'string', default: def, help })
/** `spec`, read only when parameter `param` has the value `equals`. */
export const onlyWhen = (spec: ParamSpec, param: string, equals: ParamCondition['equals']): ParamSpec => ({
  ...spec,
  when: { param, equals }
})

/** Parses one raw value (a CLI string, or a JSON value from the UI) against its spec. */
export function parseParam(owner: string, name: string, spec: ParamSpec, raw: unknown): ParamValue {
  const where = `${owner} parameter "${name}"`
  switch (spec.type) {
    case 'int':
    case 'float': {
      const v =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
      if (!Number.isFinite(v)) throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not a number.`)
      if (spec.type === 'int' && !Number.isInteger(v))
        throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not an integer.`)
      if (v < spec.min || v > spec.max)
        throw new ConfigError(`${where}: ${v} is outside the allowed range [${spec.min}, ${spec.max}].`)
      return v
    }
    case 'enum': {
      const v = String(raw)
      if (!spec.options.includes(v))
        throw new ConfigError(`${where}: "${v}" is not one of ${spec.options.join(', ')}.`)
      return v
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not true or false.`)
    }
    case 'string':
      if (typeof raw !== 'string') throw new ConfigError(`${where}: expected text.`)
      return raw
  }
}

/** Fills defaults, validates each given value, and rejects unknown names. */
export function resolveParams(owner: string, specs: ParamSpecs, given: Record<string, unknown>): ParamValues {
  for (const k of Object.keys(given)) {
    if (!(k in specs)) {
      const known = Object.keys(specs)
      throw new ConfigError(
        `${owner} has no parameter "${k}"` +
          (known.length ? ` (known: ${known.join(', ')}).` : ' (it takes none).')
      )
    }
  }
  const out: ParamValues = {}
  for (const [k, spec] of Object.entries(specs)) {
    out[k] = k in given ? parseParam(owner, k, spec, given[k]) : spec.default
  }
  // A value given for a parameter that does not apply would be silently ignored: refuse it (its default,
  // which stored configs carry for every parameter, is fine).
  for (const [k, spec] of Object.entries(specs)) {
    const when = spec.when
    if (when && k in given && out[k] !== spec.default && !paramApplies(when, (name) => out[name]))
      throw new ConfigError(
        `${owner} parameter "${k}" applies only with ${when.param}=${String(when.equals)} ` +
          `(${when.param} is ${JSON.stringify(out[when.param])}); set both or neither.`
      )
  }
  return out
}
