/**
 * The Import panel in Chromium against the web host: a file with a title line above its header and a text label
 * column shows its first lines, says why it needs "skip rows 1, columns 0-12", takes that suggestion, uploads
 * (streamed, not base64) and imports; the pair plot then shows the coordinates the user picks. A file with no
 * data row (a header alone, 0 bytes) keeps Import disabled with the reason. Screenshots at 1440×900 go to
 * test-results/e2e/import-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openWorkbench, type Workbench } from '../helpers/workbench'
import { canvasHash, canvasInk, screenshot } from './helpers'

const LONG = 240_000

/** A wine-like table: a title line, a header, 13 numeric features and a text class label. */
function wineCsv(rows: number): string {
  const names = Array.from({ length: 13 }, (_, j) => `f${j + 1}`)
  const body = Array.from({ length: rows }, (_, i) => {
    const cls = i % 3
    const xs = names.map((_, j) => (cls * 2 + Math.sin(i * (j + 1)) + j / 3).toFixed(3))
    return [...xs, ['barolo', 'grignolino', 'barbera'][cls]].join(',')
  })
  return (
    ['Wine recognition data (UCI), 13 attributes', [...names, 'class'].join(','), ...body].join('\n') + '\n'
  )
}

const shot = (page: Page, name: string): Promise<string> => screenshot(page, `import-${name}`)

describe('Import panel: raw preview, suggested settings, pair-plot coordinates', () => {
  let wb: Workbench
  let page: Page

  beforeAll(async () => {
    wb = await openWorkbench('import')
    page = wb.page
    await page.locator('[data-test=preview-title]').waitFor()
  }, LONG)

  afterAll(() => wb?.close())

  it(
    'shows the first lines and why the file needs skip rows 1 and columns 0-12, then imports with them',
    async () => {
      await page.setInputFiles('[data-test=import-panel] input[type=file]', {
        name: 'wine.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(wineCsv(178))
      })
      const raw = page.locator('[data-test=raw-preview]')
      await raw.waitFor()
      expect(await page.locator('[data-test=raw-line-1]').textContent()).toContain('Wine recognition data')
      expect(await page.locator('[data-test=raw-line-1]').getAttribute('class')).toContain('skipped')
      expect(await page.locator('[data-test=raw-line-2]').getAttribute('class')).toContain('header')
      const notes = (await page.locator('[data-test=inspect-notes]').textContent()) ?? ''
      expect(notes).toContain('Line 1 is not part of the table')
      expect(notes).toContain(
        'Column "class" (index 13, e.g. "barolo") holds text, not numbers: keep columns 0-12 (0-based).'
      )
      await shot(page, '01-raw-preview')

      const apply = page.locator('[data-test=apply-suggestion]')
      expect((await apply.textContent())?.trim()).toBe('Use skip rows 1, columns 0-12')
      await apply.click()
      expect(await page.locator('[data-test=import-columns] input').inputValue()).toBe('0-12')
      expect((await apply.textContent())?.trim()).toBe('Using skip rows 1, columns 0-12')

      const uploads: string[] = []
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/uploads') uploads.push(r.headers()['content-type'] ?? '')
      })
      await page.locator('[data-test=import-button]').click()
      await page.locator('[data-test=preview-title]', { hasText: 'wine' }).waitFor()
      expect(uploads).toEqual(['application/octet-stream'])
      expect(await page.locator('[data-test=preview-rows]').textContent()).toBe('178')
      expect(await page.locator('[data-test=preview-dim]').textContent()).toBe('13')
      expect(await page.locator('[data-test=import-error]').count()).toBe(0)
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=dataset-preview]'))[0] ?? 0)
        .toBeGreaterThan(500)
      await shot(page, '02-imported-pairplot')
    },
    LONG
  )

  it(
    'the pair plot shows the coordinates the user chooses, not only the first four',
    async () => {
      const chooser = page.locator('[data-test=pair-dims]')
      await chooser.waitFor()
      expect(await chooser.textContent()).toContain('f1')
      const before = await canvasHash(page, '[data-test=dataset-preview]')
      // Swap f1 for f13: close the first tag, then find coordinate 12 by typing its name.
      await chooser.locator('.n-tag').first().locator('.n-base-close').click()
      await chooser.locator('.n-base-selection').click()
      await page.keyboard.type('f13')
      await page.locator('.n-base-select-option', { hasText: '12: f13' }).click()
      await page.keyboard.press('Escape')
      await expect
        .poll(() => page.locator('[data-test=pair-dims] .n-tag').allTextContents())
        .toEqual(['1: f2', '2: f3', '3: f4', '12: f13'])
      await expect.poll(() => canvasHash(page, '[data-test=dataset-preview]')).not.toEqual(before)
      await page.locator('[data-test=pair-dims]').scrollIntoViewIfNeeded()
      await shot(page, '03-pair-dims')
      expect(wb.problems).toEqual([])
    },
    LONG
  )

  it(
    'keeps Import disabled, with the reason, for a file with no data row',
    async () => {
      const button = page.locator('[data-test=import-button]')
      const blocked = page.locator('[data-test=import-blocked]')
      const choose = (name: string, text: string): Promise<void> =>
        page.setInputFiles('[data-test=import-panel] input[type=file]', {
          name,
          mimeType: 'text/csv',
          buffer: Buffer.from(text)
        })
      const uploads: string[] = []
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/uploads') uploads.push(r.url())
      })

      await choose('header-only.csv', 'x,y\n')
      await blocked.waitFor()
      expect(await blocked.textContent()).toContain(
        'header-only.csv: it has a header (line 1) but no data rows.'
      )
      expect(await button.isDisabled()).toBe(true)
      expect(await page.locator('[data-test=raw-line-1]').getAttribute('class')).toContain('header')
      // the button fades to its disabled look (a transition) before the screenshot
      await page.waitForTimeout(500)
      await shot(page, '04-no-data-rows')

      await choose('empty.csv', '')
      await expect.poll(() => blocked.textContent()).toContain('empty.csv: the file is empty (0 bytes).')
      expect(await page.locator('[data-test=pending-file]').textContent()).toContain('empty.csv (0 bytes)')
      expect(await button.isDisabled()).toBe(true)

      // two rows: a run needs three (one held out, a batch of two), said before the upload
      await choose('two.csv', 'x,y\n1,2\n3,4\n')
      await expect
        .poll(() => blocked.textContent())
        .toContain('two.csv has 2 rows; a data set needs at least 3 to train')
      expect(await button.isDisabled()).toBe(true)
      await shot(page, '05-too-few-rows')

      // a file with rows: Import is back
      await choose('three.csv', 'x,y\n1,2\n3,4\n5,6\n')
      await page.locator('[data-test=pending-file]', { hasText: 'three.csv' }).waitFor()
      await page.locator('[data-test=inspect-notes]', { hasText: 'Line 1 is a header' }).waitFor()
      expect(await blocked.count()).toBe(0)
      expect(await button.isDisabled()).toBe(false)
      expect(uploads).toEqual([])
      expect(await page.locator('[data-test=import-error]').count()).toBe(0)
      expect(wb.problems).toEqual([])
    },
    LONG
  )
})
