/** The IPC caller check: the app's own page in the top frame only (subframes and other URLs refused). */
import { describe, expect, it } from 'vitest'
import { refuseCaller, type IpcCaller } from '../../src/main/ipc-guard'

const isApp = (url: string): boolean => url.startsWith('app://lab/')
const top = { parent: null }

describe('refuseCaller', () => {
  it.each<[string, IpcCaller, RegExp | null]>([
    ['the app page in the top frame', { senderFrame: { url: 'app://lab/index.html', ...top } }, null],
    [
      'the app page in a subframe',
      { senderFrame: { url: 'app://lab/index.html', parent: { url: 'app://lab/index.html' } } },
      /runs:list may only be called from the app's top frame, not from a subframe\./
    ],
    ['another site', { senderFrame: { url: 'https://example.com/', ...top } }, /by the app's own page/],
    ['a frame already gone', { senderFrame: null }, /by the app's own page/],
    ['no frame', {}, /by the app's own page/]
  ])('%s', (_, event, refused) => {
    const r = refuseCaller(event, 'runs:list', isApp)
    if (refused) expect(r).toMatch(refused)
    else expect(r).toBeNull()
  })
})
