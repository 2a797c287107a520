/**
 * The workbench in Chromium for the end-to-end tests: the renderer built from the working tree, the web host on
 * a free port with a fresh data folder, and one 1440×900 page on it that records what goes wrong (page errors,
 * console errors, failed requests) in `problems`.
 *
 * The renderer is built once per test run (tests/helpers/renderer-setup.ts, the e2e project's globalSetup) and
 * shared by every e2e file; a file run outside that project builds its own.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { inject } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startServer, type WebHost } from '../../src/web/server'
import { buildRenderer } from './renderer'

const CHROMIUM = '/usr/bin/chromium'

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  })
}

export interface Workbench {
  /** The temp folder holding the data folder (`<tmp>/data`), removed by `close`. */
  tmp: string
  web: WebHost
  browser: Browser
  page: Page
  /** Page errors, console errors (CSP reports included) and responses ≥ 400, in order. */
  problems: string[]
  close(): Promise<void>
}

/** Starts the web host on a fresh data folder and opens the workbench in Chromium at 1440×900. */
export async function openWorkbench(name: string): Promise<Workbench> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `pfl-e2e-${name}-`))
  let rendererDir = inject('rendererDir') ?? ''
  if (!rendererDir) {
    rendererDir = path.join(tmp, 'renderer')
    await buildRenderer(rendererDir)
  }
  const web = await startServer({
    version: '0.0.0-e2e',
    dataDir: path.join(tmp, 'data'),
    port: 0,
    host: '127.0.0.1',
    rendererDir
  })
  const browser = await launch()
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const problems: string[] = []
  page.on('console', (m) => {
    // Failed loads are reported below with their URL.
    if (/Failed to load resource/.test(m.text())) return
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`)
  })
  await page.goto(web.url)
  return {
    tmp,
    web,
    browser,
    page,
    problems,
    close: async () => {
      await browser.close()
      await web.close()
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
}
