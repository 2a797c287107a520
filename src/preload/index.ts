/**
 * Preload (sandboxed, CommonJS): exposes the contract as `window.lab` — one function per method, each a single
 * `invoke` on its `domain:verb` channel, plus `on` for the contract's events. Raw `ipcRenderer` is never exposed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { Bridge, Events, Result } from '../shared/api'
import { EVENTS, METHODS } from '../shared/methods'

function buildBridge(): Bridge {
  type Invoke = (...args: unknown[]) => Promise<Result<unknown>>
  const api: Record<string, Record<string, Invoke>> = {}
  for (const [domain, methods] of Object.entries(METHODS)) {
    const fns: Record<string, Invoke> = {}
    for (const method of Object.keys(methods)) {
      const channel = `${domain}:${method}`
      fns[method] = (...args) => ipcRenderer.invoke(channel, ...args) as Promise<Result<unknown>>
    }
    api[domain] = fns
  }
  const on = <E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): (() => void) => {
    if (!Object.hasOwn(EVENTS, event)) throw new Error(`Unknown event "${String(event)}".`)
    const wrapped = (_e: IpcRendererEvent, payload: Events[E]): void => listener(payload)
    ipcRenderer.on(event, wrapped)
    return () => void ipcRenderer.removeListener(event, wrapped)
  }
  return { ...api, on } as unknown as Bridge
}

contextBridge.exposeInMainWorld('lab', buildBridge())
