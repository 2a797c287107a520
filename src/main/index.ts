/**
 * Electron main process: one window, hardened (context isolation, sandbox, no Node in the page, no navigation,
 * no new windows, no permissions), and the contract's handlers on IPC. The page's CSP is in its index.html.
 */
import { app, BrowserWindow, session, shell, type WebContents } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createLab, type Lab } from '../host/handlers'
import { forwardEvents, registerIpc } from './ipc'
import { nativeDialogs, utilityWorker } from './native'
import { resourcePath, WINDOW_ICON } from './resources'

const PRODUCT_NAME = 'Pushforward Lab'

/** Set by `electron-vite dev` to the renderer's dev server; absent in a built app. */
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const indexHtml = join(import.meta.dirname, '../renderer/index.html')
const appUrl = devServerUrl ?? pathToFileURL(indexHtml).href

/** True for the app's own page (any hash or query), false for everything else. */
function isAppUrl(url: string): boolean {
  try {
    const target = new URL(url)
    const own = new URL(appUrl)
    if (devServerUrl) return target.origin === own.origin
    return target.protocol === 'file:' && target.pathname === own.pathname
  } catch {
    return false
  }
}

function harden(contents: WebContents): void {
  // The page never navigates: views are client-side. Links to the web open in the system browser.
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    title: PRODUCT_NAME,
    width: 1280,
    height: 840,
    minWidth: 800,
    minHeight: 560,
    show: false,
    autoHideMenuBar: true,
    icon: resourcePath(
      { isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath },
      WINDOW_ICON
    ),
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())
  if (devServerUrl) void win.loadURL(devServerUrl)
  else void win.loadFile(indexHtml)
  return win
}

app.on('web-contents-created', (_event, contents) => harden(contents))

async function start(): Promise<void> {
  await app.whenReady()
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  // Runs, imported datasets and exports live in the user's data folder (PFM_DATA_DIR overrides it).
  const lab = createLab({
    version: app.getVersion(),
    dataDir: process.env['PFM_DATA_DIR'] || app.getPath('userData'),
    spawnWorker: utilityWorker(join(import.meta.dirname, 'job-worker.js')),
    dialogs: nativeDialogs(),
    pathAccess: 'dialog'
  })
  registerIpc(lab.handlers, isAppUrl)
  forwardEvents(lab)
  stopOnQuit(lab)
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
}

/** Cancels the running jobs (workers get their grace period) before the app quits. */
function stopOnQuit(lab: Lab): void {
  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    closing = true
    event.preventDefault()
    void lab.close().finally(() => app.quit())
  })
}

start().catch((e: unknown) => {
  console.error(e)
  app.exit(1)
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
