/**
 * The Electron main process, against a stand-in `electron` module (its binary cannot be downloaded here): the
 * window's security settings, navigation and pop-up blocking, denied permissions, one IPC handler per contract
 * method refusing foreign frames, and a clean shutdown of the job workers on quit.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { METHODS } from '../../src/shared/methods'

type Listener = (...args: unknown[]) => unknown

const e = vi.hoisted(() => {
  const appListeners = new Map<string, Listener[]>()
  const windows: { options: Record<string, unknown>; loaded: string | null }[] = []
  const handlers = new Map<string, Listener>()
  const opened: string[] = []
  const permission: { request?: Listener; check?: Listener } = {}
  let quitCalls = 0
  return {
    appListeners,
    windows,
    handlers,
    opened,
    permission,
    quits: () => quitCalls,
    quit: () => quitCalls++
  }
})

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = []
    webContents = { send: vi.fn() }
    constructor(public options: Record<string, unknown>) {
      e.windows.push({ options, loaded: null })
      BrowserWindow.all.push(this)
    }
    once(): void {}
    loadFile(file: string): Promise<void> {
      e.windows[e.windows.length - 1]!.loaded = file
      return Promise.resolve()
    }
    loadURL(url: string): Promise<void> {
      e.windows[e.windows.length - 1]!.loaded = url
      return Promise.resolve()
    }
    isDestroyed(): boolean {
      return false
    }
    static getAllWindows(): BrowserWindow[] {
      return BrowserWindow.all
    }
    static getFocusedWindow(): BrowserWindow | null {
      return BrowserWindow.all[0] ?? null
    }
  }
  const app = {
    isPackaged: true,
    whenReady: () => Promise.resolve(),
    getVersion: () => '1.2.3',
    getPath: () => os.tmpdir(),
    getAppPath: () => path.join(os.tmpdir(), 'pfm-app', 'app.asar'),
    on: (event: string, l: Listener) => {
      e.appListeners.set(event, [...(e.appListeners.get(event) ?? []), l])
      return app
    },
    quit: () => e.quit(),
    exit: vi.fn()
  }
  return {
    app,
    BrowserWindow,
    session: {
      defaultSession: {
        setPermissionRequestHandler: (l: Listener) => (e.permission.request = l),
        setPermissionCheckHandler: (l: Listener) => (e.permission.check = l)
      }
    },
    shell: { openExternal: (url: string) => e.opened.push(url) },
    ipcMain: {
      handle: (channel: string, l: Listener) => e.handlers.set(channel, l),
      removeHandler: (channel: string) => e.handlers.delete(channel)
    },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    utilityProcess: { fork: vi.fn() }
  }
})

let dataDir: string

let resourcesPath: string

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-electron-'))
  process.env['PFM_DATA_DIR'] = dataDir
  // A packaged app: Electron sets process.resourcesPath; electron-builder puts resources/ inside it.
  resourcesPath = path.join(dataDir, 'packaged-resources')
  ;(process as { resourcesPath?: string }).resourcesPath = resourcesPath
  await import('../../src/main/index')
  await vi.waitFor(() => expect(e.windows).toHaveLength(1))
})

afterAll(() => {
  delete process.env['PFM_DATA_DIR']
  delete (process as { resourcesPath?: string }).resourcesPath
  fs.rmSync(dataDir, { recursive: true, force: true })
})

/** A stand-in WebContents that records its listeners. */
function contents(): {
  on: Listener
  setWindowOpenHandler: Listener
  listeners: Map<string, Listener>
  open?: Listener
} {
  const c = {
    listeners: new Map<string, Listener>(),
    open: undefined as Listener | undefined,
    on: (event: unknown, l: unknown) => void c.listeners.set(event as string, l as Listener),
    setWindowOpenHandler: (l: unknown) => void (c.open = l as Listener)
  }
  return c
}

const appUrl = (): string => {
  const loaded = e.windows[0]!.loaded!
  return `file://${loaded}`
}

describe('Electron main process', () => {
  it('opens one hardened window on the built renderer', () => {
    const { options, loaded } = e.windows[0]!
    expect(options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true
    })
    expect(String((options['webPreferences'] as { preload: string }).preload)).toMatch(
      /preload[\\/]index\.cjs$/
    )
    expect(loaded).toMatch(/renderer[\\/]index\.html$/)
    // The window icon comes through the resources path helper, from the packaged resources folder.
    expect(options['icon']).toBe(path.join(resourcesPath, 'resources', 'icon.png'))
  })

  it('blocks navigation away from the app, pop-ups and webviews; https links go to the system browser', () => {
    const c = contents()
    for (const l of e.appListeners.get('web-contents-created') ?? []) l({}, c)
    const navigate = c.listeners.get('will-navigate')!
    const blocked = { preventDefault: vi.fn() }
    navigate(blocked, 'https://example.com/')
    expect(blocked.preventDefault).toHaveBeenCalled()
    const own = { preventDefault: vi.fn() }
    navigate(own, `${appUrl()}#/runs`)
    expect(own.preventDefault).not.toHaveBeenCalled()
    const redirect = { preventDefault: vi.fn() }
    c.listeners.get('will-redirect')!(redirect, 'file:///etc/passwd')
    expect(redirect.preventDefault).toHaveBeenCalled()
    expect(c.open!({ url: 'https://arxiv.org/abs/1' })).toEqual({ action: 'deny' })
    expect(c.open!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(e.opened).toEqual(['https://arxiv.org/abs/1'])
    const webview = { preventDefault: vi.fn() }
    c.listeners.get('will-attach-webview')!(webview)
    expect(webview.preventDefault).toHaveBeenCalled()
  })

  it('denies every permission request', () => {
    const answer = vi.fn()
    e.permission.request!({}, 'media', answer)
    expect(answer).toHaveBeenCalledWith(false)
    expect(e.permission.check!({}, 'notifications')).toBe(false)
  })

  it('handles every contract method on IPC and refuses calls from other frames', async () => {
    const expected = Object.entries(METHODS).flatMap(([d, ms]) => Object.keys(ms).map((m) => `${d}:${m}`))
    expect([...e.handlers.keys()].sort()).toEqual(expected.sort())
    const info = e.handlers.get('engine:info')!
    expect(await info({ senderFrame: { url: 'https://evil.example/' } })).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: "engine:info may only be called by the app's own page." }
    })
    expect(await info({ senderFrame: null })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await info({ senderFrame: { url: appUrl() } })).toMatchObject({
      ok: true,
      value: { version: '1.2.3' }
    })
    // Payloads are validated in the main process too.
    const bad = await e.handlers.get('runs:get')!({ senderFrame: { url: appUrl() } }, '../../etc')
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    // Runs live in the data folder PFM_DATA_DIR names.
    const listed = await e.handlers.get('runs:list')!({ senderFrame: { url: appUrl() } })
    expect(listed).toEqual({ ok: true, value: { runs: [], problems: [] } })
  })

  it('stops the job workers before it quits', async () => {
    const event = { preventDefault: vi.fn() }
    for (const l of e.appListeners.get('before-quit') ?? []) l(event)
    expect(event.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(e.quits()).toBe(1))
  })
})
