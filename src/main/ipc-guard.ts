/**
 * Who may call the lab over IPC: only the app's own page, in the window's top frame. A subframe (an iframe a
 * page might embed) and a page from any other URL are refused, whatever they ask for.
 */

/** The part of Electron's IpcMainInvokeEvent the check reads. */
export interface IpcCaller {
  senderFrame?: { url: string; parent: unknown } | null
}

/** Why a call is refused (a sentence for the FORBIDDEN error), or null when it may proceed. */
export function refuseCaller(
  event: IpcCaller,
  channel: string,
  isAppUrl: (url: string) => boolean
): string | null {
  const frame = event.senderFrame
  const url = frame?.url
  if (!frame || !url || !isAppUrl(url)) return `${channel} may only be called by the app's own page.`
  if (frame.parent) return `${channel} may only be called from the app's top frame, not from a subframe.`
  return null
}
