/**
 * Shared pieces of the e2e tests: screenshots, pixel checks on charts, a CSV (../helpers/workbench.ts opens
 * the page).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Page } from 'playwright-core'
import { ROOT } from '../helpers/renderer'

export const SCREENSHOTS = path.join(ROOT, 'test-results/e2e')

/** The browser objects the page functions below touch (this project has no DOM types: it is Node code). */
interface Scrollable {
  scrollTo(x: number, y: number): void
}
interface CanvasLike {
  width: number
  height: number
  getContext(
    kind: '2d'
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null
}

/**
 * Saves a screenshot of the window under test-results/e2e/<name>.png, the view scrolled to its top, or to
 * `focus` (a selector) when given.
 */
export async function screenshot(page: Page, name: string, focus?: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  if (focus) await page.locator(focus).first().scrollIntoViewIfNeeded()
  else await page.locator('main').evaluate((el) => (el as unknown as Scrollable).scrollTo(0, 0))
  const file = path.join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/**
 * Pixels drawn on every chart canvas inside `selector` (one count per canvas): a blank canvas counts 0.
 * ECharts draws with a 2-D context, so reading it back is allowed.
 */
export async function canvasInk(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(`${selector} canvas`, (canvases) =>
    (canvases as unknown as CanvasLike[]).map((c) => {
      const ctx = c.getContext('2d')
      if (!ctx || c.width === 0 || c.height === 0) return 0
      const data = ctx.getImageData(0, 0, c.width, c.height).data
      let ink = 0
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++
      return ink
    })
  )
}

/** A cheap fingerprint of the pixels of every chart canvas inside `selector` (to see a chart change). */
export async function canvasHash(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(`${selector} canvas`, (canvases) =>
    (canvases as unknown as CanvasLike[]).map((c) => {
      const ctx = c.getContext('2d')
      if (!ctx || c.width === 0 || c.height === 0) return 0
      const data = ctx.getImageData(0, 0, c.width, c.height).data
      let h = 0
      for (let i = 0; i < data.length; i += 4) h = (h * 31 + data[i + 3]! * (1 + (i % 97))) % 1_000_000_007
      return h
    })
  )
}

/** A 2-D ring dataset as CSV with a header and an extra label column (to exercise column selection). */
export function ringCsv(n: number): string {
  const lines = ['x,y,label']
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n
    const r = 2 + 0.15 * Math.sin(37 * i)
    lines.push(`${(r * Math.cos(t)).toFixed(5)},${(r * Math.sin(t)).toFixed(5)},${i % 3}`)
  }
  return lines.join('\n') + '\n'
}

/** The RGBA pixels of the first canvas inside `selector` (an image grid), read back from the page. */
export async function canvasPixels(
  page: Page,
  selector: string
): Promise<{ width: number; height: number; data: number[] }> {
  return page.$eval(`${selector} canvas`, (el) => {
    const c = el as unknown as CanvasLike
    const ctx = c.getContext('2d')
    const data = ctx && c.width > 0 ? Array.from(ctx.getImageData(0, 0, c.width, c.height).data) : []
    return { width: c.width, height: c.height, data }
  })
}
