/**
 * Registers the contract's handlers on `ipcMain`, one `invoke` channel per method (`domain:verb`), and forwards
 * the lab's events to every window. Calls from any frame other than the app's own page are refused.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import type { Events, Handlers, Result } from '../shared/api'
import { channels, dispatch, type Lab } from './handlers'

/** Registers every handler; returns a function that removes them again. */
export function registerIpc(handlers: Handlers, isAppUrl: (url: string) => boolean): () => void {
  const registered = channels(handlers)
  for (const channel of registered) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<Result<unknown>> => {
      const url = event.senderFrame?.url
      if (!url || !isAppUrl(url)) {
        const error = { code: 'FORBIDDEN', message: `${channel} may only be called by the app's own page.` }
        return Promise.resolve({ ok: false, error })
      }
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
