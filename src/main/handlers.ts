/**
 * The host side of the contract, free of Electron: the handler table, the argument schemas, and `dispatch`,
 * which validates a call, runs its handler and wraps the outcome in a `Result`. `ipc.ts` plugs this into
 * `ipcMain`; the web host will plug the same table into its transport.
 */
import { z } from 'zod'
import type { Api, Args, Channel, EngineInfo, Handlers, Result } from '../shared/api'
import { isEngineError } from '../engine/errors'
import { currentBackend } from '../engine/backend'
import { allObjectives } from '../engine/objectives/registry'
import { BUILTINS } from '../engine/data'

/** What the handlers need from their host. */
export interface HostInfo {
  version: string
}

/** Argument schemas, one per method: every payload is validated before its handler runs. */
type ArgSchemas = { [D in keyof Api]: { [M in keyof Api[D]]: z.ZodType<Args<Api[D][M]>> } }

export const ARG_SCHEMAS: ArgSchemas = {
  engine: {
    info: z.tuple([])
  }
}

export function createHandlers(host: HostInfo): Handlers {
  return {
    engine: {
      info: (): EngineInfo => ({
        version: host.version,
        backend: currentBackend()?.id ?? null,
        objectives: allObjectives().map(({ id, family, title }) => ({ id, family, title })),
        datasets: BUILTINS.map(({ id, dim, title }) => ({ id, dim, title }))
      })
    }
  }
}

/** Every channel of the contract, `domain:verb`, in table order. */
export function channels(handlers: Handlers): Channel[] {
  return Object.entries(handlers).flatMap(([domain, methods]) =>
    Object.keys(methods).map((method) => `${domain}:${method}` as Channel)
  )
}

type AnyHandler = (...args: unknown[]) => unknown
type AnySchema = z.ZodType<unknown[]>

function lookup<T>(table: object, channel: string): T | undefined {
  const [domain, method, ...rest] = channel.split(':')
  if (!domain || !method || rest.length > 0) return undefined
  const methods: unknown = Object.hasOwn(table, domain)
    ? (table as Record<string, unknown>)[domain]
    : undefined
  if (typeof methods !== 'object' || methods === null || !Object.hasOwn(methods, method)) return undefined
  return (methods as Record<string, T>)[method]
}

/**
 * Runs one call: checks the channel exists and the arguments match its schema, then awaits the handler.
 * Never throws: engine errors keep their code and sentence; anything else becomes `INTERNAL`.
 */
export async function dispatch(
  handlers: Handlers,
  channel: string,
  args: unknown[]
): Promise<Result<unknown>> {
  const handler = lookup<AnyHandler>(handlers, channel)
  const schema = lookup<AnySchema>(ARG_SCHEMAS, channel)
  if (!handler || !schema) {
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `There is no API method "${channel}".` } }
  }
  const parsed = schema.safeParse(args)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` at argument ${issue.path.join('.')}` : ''
    return {
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: `Invalid request to ${channel}${where}: ${issue?.message ?? 'bad arguments'}.`
      }
    }
  }
  try {
    return { ok: true, value: await handler(...parsed.data) }
  } catch (e) {
    if (isEngineError(e)) return { ok: false, error: { code: e.code, message: e.message } }
    console.error(`[${channel}]`, e)
    const message = e instanceof Error ? e.message : String(e)
    return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${channel}: ${message}` } }
  }
}
