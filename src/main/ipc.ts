/**
 * Registers the contract's handlers on `ipcMain`, one `invoke` channel per method (`domain:verb`), and forwards
 * the lab's events to every window. Calls from any page but the app's own, or from a subframe, are refused.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import type { Events, Handlers, Result } from '../shared/api'
import { channels, dispatch, type Lab } from '../host/handlers'
import { refuseCaller } from './ipc-guard'

/** Registers every handler; returns a function that removes them again. */
export function registerIpc(handlers: Handlers, isAppUrl: (url: string) => boolean): () => void {
  const registered = channels(handlers)
  for (const channel of registered) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<Result<unknown>> => {
      const refused = refuseCaller(event, channel, isAppUrl)
      if (refused) return Promise.resolve({ ok: false, error: { code: 'FORBIDDEN', message: refused } })
      return dispatch(handlers, channel, args)
    })
  }
  return () => registered.forEach((channel) => ipcMain.removeHandler(channel))
}

/** Sends one host event to a window's renderer (see `Events` in the contract). */
export function emit<E extends keyof Events>(win: BrowserWindow, event: E, payload: Events[E]): void {
  if (!win.isDestroyed()) win.webContents.send(event, payload)
}

/** Forwards every lab event (`jobs:update`, `runs:changed`) to every open window; returns the unsubscribe. */
export function forwardEvents(lab: Pick<Lab, 'subscribe'>): () => void {
  return lab.subscribe(({ event, payload }) => {
    for (const win of BrowserWindow.getAllWindows()) emit(win, event, payload as never)
  })
}
