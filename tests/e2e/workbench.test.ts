/**
 * The workbench end to end, in Chromium against the web host: import a CSV through the UI, train `energy` for a
 * few steps and watch it complete, compare the run in the Gallery, export it to ONNX and read the parity check,
 * train a flow (`cfm`) and compare both, then benchmark the one-step map against the flow's K-step sampler and
 * read the Pareto chart. Screenshots of every view go to test-results/e2e/.
 */
import * as fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openWorkbench, type Workbench } from '../helpers/workbench'
import { canvasHash, canvasInk, ringCsv, screenshot } from './helpers'

const LONG = 240_000
const NUMBER = /^-?\d+(\.\d+)?(e-?\d+)?$/

describe('workbench in the browser (web host)', () => {
  let wb: Workbench
  let page: Page

  beforeAll(async () => {
    wb = await openWorkbench('workbench')
    page = wb.page
  }, LONG)

  afterAll(() => wb?.close())

  it('connects: status bar with backend and version, built-in preview drawn', async () => {
    await page.locator('[data-test=version]').waitFor()
    expect(await page.locator('[data-test=version]').textContent()).toBe('Pushforward Lab v0.0.0-e2e')
    expect(await page.locator('[data-test=status-bar]').textContent()).toContain(
      'Engine connected (web host)'
    )
    await page.locator('[data-test=preview-title]').waitFor()
    await page.locator('[data-test=dataset-preview] canvas').first().waitFor()
    await expect.poll(() => canvasInk(page, '[data-test=dataset-preview]')).toEqual([expect.any(Number)])
    expect((await canvasInk(page, '[data-test=dataset-preview]'))[0]).toBeGreaterThan(500)
    await screenshot(page, '01-datasets')
  })

  it('shows the engine sentence when an import fails', async () => {
    await page.setInputFiles('[data-test=import-panel] input[type=file]', {
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('x,y\n1,2\n3,abc\n')
    })
    await page.locator('[data-test=import-button]').click()
    const error = page.locator('[data-test=import-error]')
    await error.waitFor()
    const text = (await error.textContent()) ?? ''
    expect(text).toContain('bad.csv')
    expect(text).toMatch(/line 3/)
    await screenshot(page, '02-import-error', '[data-test=import-error]')
  })

  it('imports a CSV with a column selection and previews it', async () => {
    await page.setInputFiles('[data-test=import-panel] input[type=file]', {
      name: 'ring.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(ringCsv(3000))
    })
    await page.locator('[data-test=pending-file]').getByText('ring.csv').waitFor()
    await page.locator('[data-test=import-columns] input').fill('x,y')
    await page.locator('[data-test=import-button]').click()
    await page.locator('[data-test=preview-title]', { hasText: 'ring' }).waitFor()
    expect(await page.locator('[data-test=preview-rows]').textContent()).toBe('3,000')
    expect(await page.locator('[data-test=preview-dim]').textContent()).toBe('2')
    expect(await page.locator('[data-test=import-error]').count()).toBe(0)
    // The column names arrive with the preview (the dataset list carries none): wait for them.
    const stats = page.locator('[data-test=feature-stats]')
    await expect.poll(async () => (await stats.textContent()) ?? '').toMatch(/Feature.*x.*y/)
    await expect
      .poll(async () => (await canvasInk(page, '[data-test=dataset-preview]'))[0] ?? 0)
      .toBeGreaterThan(500)
    await screenshot(page, '03-imported')
  })

  it(
    'trains energy on it with live curves until completion',
    async () => {
      await page.getByRole('button', { name: 'Train on this…' }).click()
      await page.locator('[data-test=objective-energy]').click()
      expect(await page.locator('[data-test=objective-title]').textContent()).toBe('Energy distance')
      expect(await page.locator('[data-test=family-statistics]').textContent()).toContain('§2')
      await page.locator('[data-test=train-steps] input').fill('80')
      await page.locator('[data-test=train-batch] input').fill('128')
      await page.locator('[data-test=train-name] input').fill('e2e energy ring')
      await page.locator('body').click({ position: { x: 5, y: 5 } })
      await screenshot(page, '04-objectives')
      await page.locator('[data-test=train-button]').click()

      await page.locator('[data-test=job-detail]').waitFor()
      expect(await page.locator('[data-test=job-title]').textContent()).toBe('e2e energy ring')
      // The loss curve is drawn as soon as the first progress arrives (live), and stays after completion.
      await page.locator('[data-test=job-detail] [aria-label="loss curve"] canvas').waitFor({ timeout: LONG })
      await page.locator('[data-test=job-status] >> text=completed').waitFor({ timeout: LONG })
      expect(await page.locator('[data-test=job-step]').textContent()).toBe('80 / 80')
      expect(await page.locator('[data-test=job-error]').count()).toBe(0)
      expect(await page.locator('[data-test=job-backend]').textContent()).toMatch(/backend \w+/)
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=job-detail] [aria-label="loss curve"]'))[0] ?? 0)
        .toBeGreaterThan(300)
      await expect
        .poll(
          async () =>
            (await canvasInk(page, '[data-test=job-detail] [aria-label="held-out metric curves"]'))[0] ?? 0
        )
        .toBeGreaterThan(300)
      await expect
        .poll(
          async () => (await canvasInk(page, '[data-test=job-detail] [aria-label="sample snapshot"]'))[0] ?? 0
        )
        .toBeGreaterThan(300)
      // The job cards stay inside the queue column (they used to draw over the detail panel).
      const queue = (await page.locator('[data-test=job-queue]').boundingBox())!
      for (const card of await page.locator('[data-test=job-queue] button.job').all()) {
        const b = (await card.boundingBox())!
        expect(b.x + b.width).toBeLessThanOrEqual(queue.x + queue.width + 0.5)
      }
      await screenshot(page, '05-training')
      await screenshot(page, '05b-training-metrics', '[aria-label="held-out metric curves"]')
    },
    LONG
  )

  it(
    'shows the run in the Gallery next to the held-out data, with metric values',
    async () => {
      await page.locator('[data-test=job-gallery]').click()
      const panel = page.locator('[data-test=gallery-panel]').first()
      await panel.locator('[data-metric=energy]').waitFor({ timeout: LONG })
      expect(await panel.locator('[data-test=panel-title]').textContent()).toBe('e2e energy ring')
      for (const m of ['energy', 'mmd', 'precision', 'recall', 'coverage']) {
        const value = (await panel.locator(`[data-metric=${m}] .badge-value`).textContent())?.trim() ?? ''
        expect(value, m).toMatch(NUMBER)
      }
      expect(await page.locator('[data-test=gallery-heldout]').textContent()).toContain('ring')
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=gallery-heldout]'))[0] ?? 0)
        .toBeGreaterThan(300)
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=gallery-panel]'))[0] ?? 0)
        .toBeGreaterThan(300)
      expect(await page.locator('[data-test=gallery-grid] .chart-empty').count()).toBe(0)
      expect(await panel.locator('[data-test=panel-cost]').textContent()).toMatch(
        /1 network evaluation · [\d.]+ (ns|µs|ms)/
      )
      expect(await panel.locator('[data-test=energy-reference]').textContent()).toMatch(
        /data floor [\d.e-]+ · Gaussian fit [\d.e-]+/
      )
      // The Gallery lives in the URL (a reload would bring the panel back; the reload is tried on the
      // Benchmark below, so that the imported data set stays selected for the next training).
      expect(new URL(page.url()).hash).toMatch(/^#\/gallery\?panels=[^~]+~onestep~1$/)
      await screenshot(page, '06-gallery')
    },
    LONG
  )

  it(
    'lists the run, exports it to ONNX and shows the parity result with a download',
    async () => {
      await page.locator('[data-test=nav-runs]').click()
      const row = page.locator('[data-test=runs-table] tr', { hasText: 'e2e energy ring' })
      await row.waitFor()
      expect(await row.textContent()).toContain('completed')
      await screenshot(page, '07-runs')

      await row.getByRole('button', { name: 'Export' }).click()
      await page.locator('[data-test=export-sampler]', { hasText: 'onestep' }).waitFor()
      await page.locator('[data-test=export-button]').click()
      const parity = page.locator('[data-test=parity]')
      await parity.waitFor({ timeout: LONG })
      expect(await parity.textContent()).toContain('Parity check passed')
      expect(await page.locator('[data-test=parity-error]').textContent()).toMatch(NUMBER)
      expect(
        Number((await page.locator('[data-test=parity-n]').textContent())?.replace(/,/g, ''))
      ).toBeGreaterThan(0)
      expect(await page.locator('[data-test=export-path]').textContent()).toMatch(/-onestep\.onnx$/)
      expect(await page.locator('[data-test=export-holds]').textContent()).toContain('one-step map')
      await page.locator('[data-test=export-button] .n-base-loading').waitFor({ state: 'detached' })
      const href = await page.locator('[data-test=export-download]').getAttribute('href')
      expect(href).toContain('/api/exports/')
      const res = await page.request.get(href!)
      expect(res.status()).toBe(200)
      expect((await res.body()).length).toBeGreaterThan(100)
      await screenshot(page, '08-export')
    },
    LONG
  )

  it(
    'trains a flow (cfm) and compares both checked runs in the Gallery with linked zoom',
    async () => {
      await page.locator('[data-test=nav-objectives]').click()
      await page.locator('[data-test=objective-cfm]').click()
      expect(await page.locator('[data-test=family-flows]').textContent()).toContain('§4')
      await page.locator('[data-test=train-steps] input').fill('150')
      await page.locator('[data-test=train-batch] input').fill('128')
      // Only the final held-out evaluation (the Gallery's figures): the live metric curves are the energy run's
      // test above, and each evaluation of a flow integrates it at K = 100 on the 600 held-out rows.
      await page.locator('[data-test=train-eval-every] input').fill('0')
      await page.locator('[data-test=train-name] input').fill('e2e flow ring')
      await page.locator('[data-test=train-button]').click()
      await page.locator('[data-test=job-title]', { hasText: 'e2e flow ring' }).waitFor()
      await page.locator('[data-test=job-status] >> text=completed').waitFor({ timeout: LONG })

      await page.locator('[data-test=nav-runs]').click()
      await page.locator('[data-test=runs-search] input').fill('ring')
      for (const name of ['e2e energy ring', 'e2e flow ring']) {
        await page.locator('[data-test=runs-table] tr', { hasText: name }).locator('.n-checkbox').click()
      }
      await page.locator('[data-test=compare-button]').click()
      const panels = page.locator('[data-test=gallery-panel]')
      await expect.poll(() => panels.count()).toBe(2)
      await panels.nth(1).locator('[data-metric=energy]').waitFor({ timeout: LONG })
      await panels.nth(0).locator('[data-metric=energy]').waitFor({ timeout: LONG })
      const titles = await page.locator('[data-test=panel-title]').allTextContents()
      expect(titles.sort()).toEqual(['e2e energy ring', 'e2e flow ring'])
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=gallery-panel]')).every((n) => n > 300))
        .toBe(true)

      // Zooming one panel zooms the others (ECharts connect): the second panel's pixels change.
      const before = await canvasHash(page, '[data-test=gallery-panel]:nth-of-type(3)')
      const first = await panels.nth(0).locator('canvas').first().boundingBox()
      await page.mouse.move(first!.x + first!.width / 2, first!.y + first!.height / 2)
      // Wheel again on each poll: on a loaded machine the first wheel can land before the chart listens.
      await expect
        .poll(async () => {
          await page.mouse.wheel(0, -400)
          return canvasHash(page, '[data-test=gallery-panel]:nth-of-type(3)')
        })
        .not.toEqual(before)
      await screenshot(page, '10-gallery-compare')

      // The slider over training: at 50 % every run panel shows its snapshot from the middle of training.
      const rail = (await page.locator('[data-test=gallery-progress-slider] .n-slider-rail').boundingBox())!
      const at = (f: number): Promise<void> =>
        page.mouse.click(rail.x + (rail.width * (f - 0.1)) / 0.9, rail.y + rail.height / 2)
      await at(0.5)
      await expect
        .poll(() => page.locator('[data-test=gallery-progress-label]').textContent())
        .toBe('50 % of training')
      const subs = page.locator('[data-test=panel-snapshot]')
      await expect.poll(() => subs.count()).toBe(2)
      for (const t of await subs.allTextContents()) expect(t).toMatch(/snapshot at step \d+ of (80|150)/)
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=gallery-panel]')).every((n) => n > 300))
        .toBe(true)
      await screenshot(page, '10b-gallery-snapshot')
      await at(0.98) // the rail's last stop (its very edge is outside the element)
      await expect.poll(() => subs.count()).toBe(0)
    },
    LONG
  )

  it(
    'benchmarks the one-step map against the flow: progress, Pareto chart, headline, table, CSV and PNG',
    async () => {
      await page.locator('[data-test=nav-runs]').click()
      // Compare spent the check marks (a later Delete must not find them): check both runs again.
      await page.locator('[data-test=runs-search] input').fill('ring')
      for (const name of ['e2e energy ring', 'e2e flow ring']) {
        await page.locator('[data-test=runs-table] tr', { hasText: name }).locator('.n-checkbox').click()
      }
      await page.locator('[data-test=benchmark-button]').click()
      const form = page.locator('[data-test=bench-form]')
      await form.waitFor()
      const chosen = (await page.locator('[data-test=bench-runs]').textContent()) ?? ''
      expect(chosen).toContain('e2e energy ring')
      expect(chosen).toContain('e2e flow ring')
      for (const s of ['heun', 'ddim']) await form.locator('.n-checkbox', { hasText: s }).click()
      await page.locator('[data-test=bench-steps] input').fill('1, 4, 16')
      await page.locator('[data-test=bench-batch] input').fill('1, 64')
      await page.locator('[data-test=bench-repeats] input').fill('5')
      await page.locator('body').click({ position: { x: 5, y: 5 } })
      await page.locator('[data-test=bench-start]').click()
      await page.locator('[data-test=bench-job]').waitFor()
      await page.locator('[data-test=bench-job-status] >> text=completed').waitFor({ timeout: LONG })
      await page.locator('[data-test=bench-report]').waitFor({ timeout: LONG })

      const summary = (await page.locator('[data-test=bench-summary]').textContent()) ?? ''
      expect(summary).toMatch(/at matched quality/)
      expect(summary).toMatch(/[\d.]+× faster in (one|K) steps?|No K-step configuration matches/)
      expect(summary).toMatch(/Best quality: .* · \d+ NFE/)
      expect(summary).toContain('euler')
      for (const chart of ['pareto-chart', 'latency-chart', 'throughput-chart'])
        await expect
          .poll(async () => (await canvasInk(page, `[data-test=${chart}]`))[0] ?? 0, { timeout: 20_000 })
          .toBeGreaterThan(300)
      // Batch 64 (the largest) is shown: the map, and euler at 3 K, fused and as separate calls.
      const rows = page.locator('[data-test=bench-table] tbody tr')
      await expect.poll(() => rows.count()).toBe(7)
      const first = (await rows.first().textContent()) ?? ''
      expect(first).toContain('one call')
      await screenshot(page, '11-benchmark')
      await screenshot(page, '11a-benchmark-report', '[data-test=bench-report]')
      await screenshot(page, '11c-benchmark-pareto', '[data-test=pareto-chart]')
      await screenshot(page, '11b-benchmark-table', '[data-test=bench-table]')
      // The CSV's precision and MMD² are columns too.
      const heads = await page.locator('[data-test=bench-table] thead th').allTextContents()
      for (const h of ['NFE', 'MMD²', 'Prec.', 'Recall', 'Cov.', 'Parity'])
        expect(heads.join('|')).toContain(h)
      // At 1440 × 900 the whole table fits in its panel: the last column (Parity) ends inside the visible box.
      const table = (await page.locator('[data-test=bench-table]').boundingBox())!
      const last = page.locator('[data-test=bench-table] thead th').last()
      expect(await last.textContent()).toBe('Parity')
      const lastBox = (await last.boundingBox())!
      expect(lastBox.width).toBeGreaterThan(40)
      expect(lastBox.x + lastBox.width).toBeLessThanOrEqual(table.x + table.width + 1)

      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=bench-csv]').click()
      ])
      expect(csv.suggestedFilename()).toMatch(/\.csv$/)
      const text = fs.readFileSync((await csv.path())!, 'utf8')
      expect(text.split('\n')[0]).toContain('run,objective,dataset,sampler,steps')
      expect(text.trim().split('\n')).toHaveLength(1 + 14)
      const [png] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=pareto-chart] [data-test=save-png]').click()
      ])
      expect(png.suggestedFilename()).toBe('pareto.png')
      const bytes = fs.readFileSync((await png.path())!)
      expect(bytes.subarray(1, 4).toString()).toBe('PNG')
      const [svg] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=pareto-chart] [data-test=save-svg]').click()
      ])
      const svgText = fs.readFileSync((await svg.path())!, 'utf8')
      expect(svgText).toMatch(/^<svg[\s\S]*one step[\s\S]*<\/svg>$/)
      // A saved chart says what it shows: title, data set, batch and machine.
      expect(svgText).toContain('Quality–latency Pareto')
      expect(svgText).toMatch(/data \S+ · batch 64 · \d+ × /)

      // The Benchmark selection lives in the URL: a reload opens the same report at the same batch.
      expect(new URL(page.url()).hash).toMatch(/^#\/benchmark\?.*bench=[^&]+&batch=64/)
      await page.reload()
      await page.locator('[data-test=bench-report]').waitFor({ timeout: LONG })
      expect(await page.locator('[data-test=bench-summary]').textContent()).toContain('batch 64')
      // The back button returns to the previous view.
      await page.locator('[data-test=nav-runs]').click()
      await page.goBack()
      await page.locator('[data-test=bench-report]').waitFor({ timeout: LONG })
    },
    LONG
  )

  it('ran without CSP violations, page errors or failed requests', () => {
    expect(wb.problems).toEqual([])
  })
})
