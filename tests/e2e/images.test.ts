/**
 * Images end to end in Chromium against the web host: the Datasets view shows mnist14 as an image grid with its
 * rows per class; a tiny flow (`cfm`, a small MLP, 30 steps) trains on it through the Train form; the Gallery
 * then shows image grids — held-out digits, and the run through two samplers drawn from the same latent draws,
 * so image i of one panel is the same z as image i of the other; clicking an image shows its nearest training
 * image beside it, with their distance against the held-out median. Screenshots at 1440×900 go to
 * test-results/e2e/images-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openWorkbench, type Workbench } from '../helpers/workbench'
import { canvasInk, canvasPixels, screenshot } from './helpers'

const LONG = 300_000
/**
 * Training an image run costs what its evaluation costs (the in-engine classifier, snapshots, the final heun
 * K = 100 metrics): ~70 s on the 2-core CPU at load ≈ 5, 220–300 s at load ≈ 12 (other jobs sharing it).
 */
const TRAIN = 600_000
const NUMBER = /^-?\d+(\.\d+)?(e-?\d+)?$/
/** The Gallery's grids: 64 images of 14×14, 8 per row, enlarged 2× with 2-pixel gaps (shared/image-grid.ts). */
const N = 64
const COLS = 8
const SIDE = 14 * 2
const GAP = 2

const shot = (page: Page, name: string, focus?: string): Promise<string> =>
  screenshot(page, `images-${name}`, focus)

/** Image i of a grid raster: its red channel (the grids are grey) as values in [0, 1]. */
function cell(r: { width: number; data: number[] }, i: number): number[] {
  const x0 = GAP + (i % COLS) * (SIDE + GAP)
  const y0 = GAP + Math.floor(i / COLS) * (SIDE + GAP)
  const out: number[] = []
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) out.push(r.data[((y0 + y) * r.width + x0 + x) * 4]! / 255)
  return out
}
const meanAbs = (a: number[], b: number[]): number =>
  a.reduce((s, v, k) => s + Math.abs(v - b[k]!), 0) / a.length

async function pick(page: Page, select: string, option: string | RegExp): Promise<void> {
  await page.locator(`[data-test=${select}]`).click()
  await page.locator('.n-base-select-option', { hasText: option }).first().click()
}

describe('image runs: dataset grid, training, Gallery grids from shared latent draws', () => {
  let wb: Workbench
  let page: Page

  beforeAll(async () => {
    wb = await openWorkbench('images')
    page = wb.page
    await page.locator('[data-test=preview-title]').waitFor()
  }, LONG)

  afterAll(() => wb?.close())

  it('Datasets shows mnist14 as an image grid with its rows per class', async () => {
    await page.locator('[data-test=dataset-mnist14]').click()
    await page.locator('[data-test=preview-title]', { hasText: '14×14' }).waitFor()
    const grid = '[data-test=dataset-preview] [data-test=image-grid]'
    await expect.poll(async () => (await canvasInk(page, grid))[0] ?? 0).toBeGreaterThan(10_000)
    // No pair plot for images: the grid, and the bar chart of rows per class (ten digits).
    expect(await page.locator('[data-test=pair-dims]').count()).toBe(0)
    await expect
      .poll(async () => (await canvasInk(page, '[data-test=class-counts]'))[0] ?? 0)
      .toBeGreaterThan(1000)
    expect(await page.locator('[data-test=class-summary]').textContent()).toMatch(
      /^10 classes · [\d,]+–[\d,]+ rows each$/
    )
    await shot(page, '01-datasets')
  })

  it(
    'trains a tiny cfm flow on mnist14 through the Train form',
    async () => {
      await page.getByRole('button', { name: 'Train on this…' }).click()
      await page.locator('[data-test=objective-cfm]').click()
      await page.locator('[data-test=train-steps] input').fill('30')
      await page.locator('[data-test=train-batch] input').fill('64')
      await page.locator('[data-test=train-eval-every] input').fill('0')
      await page.locator('[data-test=train-name] input').fill('e2e mnist14 flow')
      // The network: cfm offers a U-Net on images besides the MLP; the tiny MLP keeps this test short.
      const network = page.locator('.network .n-collapse-item__header')
      expect(await network.textContent()).toContain('Network: MLP (U-Net also offered for these images)')
      await network.click()
      await page.locator('[data-test=train-arch]').click()
      const archs = await page.locator('.n-base-select-option').allTextContents()
      expect(archs.map((t) => t.trim())).toEqual(['MLP', 'U-Net (flows on images)'])
      await page.keyboard.press('Escape')
      expect(await page.locator('[data-test=train-channels] input').isDisabled()).toBe(true)
      // The placeholders name the image budget's network: cfm's 768 wide and 5 deep, z as wide as the images; a
      // one-step map of §2 draws z from 64 dimensions on images.
      const placeholder = (key: string): Promise<string | null> =>
        page.locator(`[data-test=train-${key}] input`).getAttribute('placeholder')
      expect(await placeholder('width')).toBe('default 768')
      expect(await placeholder('depth')).toBe('default 5')
      expect(await placeholder('latentDim')).toBe('= data dim')
      await page.locator('[data-test=objective-energy]').click()
      expect(await placeholder('latentDim')).toBe('default 64')
      expect(await placeholder('width')).toBe('default 512')
      await shot(page, '02a-energy-network', '[data-test=train-latentDim]')
      // back to cfm: selecting an objective applies its budget, so the short run's steps and batch again
      await page.locator('[data-test=objective-cfm]').click()
      await page.locator('[data-test=train-steps] input').fill('30')
      await page.locator('[data-test=train-batch] input').fill('64')
      await page.locator('[data-test=train-width] input').fill('64')
      await page.locator('[data-test=train-depth] input').fill('2')
      // On images the form follows cfm's image budget (the network predicts the clean sample). Thirty steps of
      // that map every z to nearly the mean digit, which could not show that panels share their draws; the
      // velocity network keeps each z's own noise. Choosing the toy default on images goes to the request.
      const predict = page.locator('[data-param=predict]')
      expect(await predict.locator('.n-base-selection').textContent()).toContain('data')
      await predict.locator('.n-base-selection').click()
      await page.locator('.n-base-select-option', { hasText: /^velocity$/ }).click()
      expect(await predict.locator('.changed').count()).toBe(1)
      await page.locator('body').click({ position: { x: 5, y: 5 } })
      await shot(page, '02-train-form', '[data-test=train-button]')
      await page.locator('[data-test=train-button]').click()
      await page.locator('[data-test=job-title]', { hasText: 'e2e mnist14 flow' }).waitFor()
      await page.locator('[data-test=job-status] >> text=completed').waitFor({ timeout: TRAIN - 30_000 })
      expect(await page.locator('[data-test=job-step]').textContent()).toBe('30 / 30')
      expect(await page.locator('[data-test=job-error]').count()).toBe(0)
      // The held-out metrics of an image run include the classifier-feature ones: fd, KID, the class mix.
      const badges = page.locator('[data-test=job-detail] [data-test=metric-badges]')
      await badges.locator('[data-metric=fd]').waitFor({ timeout: LONG })
      expect(await badges.locator('[data-metric=fd] .badge-value').textContent()).toMatch(NUMBER)
      expect(await badges.locator('[data-metric=kid] .badge-value').textContent()).toMatch(NUMBER)
      expect(await badges.locator('[data-metric=classes] .badge-value').textContent()).toMatch(
        /^KL [\d.e-]+ · min [\d.]+ %$/
      )
      // Its sample snapshot is an image grid too, not a scatter of the first two pixels.
      await expect
        .poll(async () => (await canvasInk(page, '[data-test=job-detail] [data-test=image-grid]'))[0] ?? 0)
        .toBeGreaterThan(10_000)
      expect(
        await page.locator('[data-test=job-detail] .chart-panel[aria-label="sample snapshot"]').count()
      ).toBe(0)
      await shot(page, '03-training', '[data-test=job-detail] [data-test=metric-badges]')
    },
    TRAIN
  )

  it(
    'the Gallery shows image grids, and two samplers of the run see the same latent draws',
    async () => {
      await page.locator('[data-test=job-gallery]').click()
      const panels = page.locator('[data-test=gallery-panel]')
      await panels.first().locator('[data-test=image-grid] canvas').waitFor({ timeout: LONG })
      const first = (await panels.first().locator('.cell-sub').textContent()) ?? ''
      // A second panel: the same run through another sampler at the same step count.
      const [sampler, other] = /heun/.test(first)
        ? ['heun', 'euler']
        : [first.match(/· (\w+) ·/)?.[1], 'heun']
      expect(sampler).toBeTruthy()
      await pick(page, 'gallery-run', 'e2e mnist14 flow')
      await pick(page, 'gallery-sampler', new RegExp(`^${other} —`))
      await page.locator('[data-test=gallery-add]').click()
      await expect.poll(() => panels.count()).toBe(2)
      await panels.nth(1).locator('[data-test=image-grid] canvas').waitFor({ timeout: LONG })
      await panels.nth(1).locator('[data-test=panel-cost]').waitFor({ timeout: LONG })
      expect(await panels.nth(1).locator('.cell-sub').textContent()).toContain(other)

      // Held-out digits and both panels are grids of 64 images (8 × 8 cells of 28 px with 2-px gaps).
      const side = COLS * SIDE + (COLS + 1) * GAP
      for (const sel of ['[data-test=gallery-heldout]', '[data-test=gallery-panel]']) {
        const r = await canvasPixels(page, sel)
        expect([r.width, r.height], sel).toEqual([side, side])
      }
      expect(await page.locator('[data-test=gallery-grid] .chart-empty').count()).toBe(0)
      const a = await canvasPixels(page, '[data-test=gallery-panel]:nth-of-type(2)')
      const b = await canvasPixels(page, '[data-test=gallery-panel]:nth-of-type(3)')
      // Same z, two ODE solvers: image i of one panel is nearly image i of the other, and far from image j ≠ i.
      const same: number[] = []
      const cross: number[] = []
      for (let i = 0; i < N; i++) {
        same.push(meanAbs(cell(a, i), cell(b, i)))
        cross.push(meanAbs(cell(a, i), cell(b, (i + 1) % N)))
      }
      const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length
      expect(mean(cross)).toBeGreaterThan(0.05) // the draws differ: not one image 64 times
      expect(mean(same)).toBeLessThan(0.25 * mean(cross))
      await shot(page, '04-gallery')
    },
    LONG
  )

  it(
    'clicking a sample shows its nearest training image, their distance and the held-out median',
    async () => {
      const panel = page.locator('[data-test=gallery-panel]').first()
      // Image runs show the run's stored held-out metrics (n = its held-out images), not 64 images scored.
      expect(await panel.locator('[data-test=panel-stored-note]').textContent()).toMatch(
        /held-out metrics, from its evaluation at the end of training with [\w-]+ K = \d+ \(fd of 2,000 samples against 2,000 held-out images\) — not of these 64 images/
      )
      await panel.locator('[data-test=image-cell]').nth(3).click()
      const card = panel.locator('[data-test=nearest-card]')
      await card.locator('[data-test=nearest-distance]').waitFor({ timeout: LONG })
      expect(await card.locator('h4').textContent()).toContain('Image 4 of 64')
      const distance = Number(await card.locator('[data-test=nearest-distance]').textContent())
      const median = Number(await card.locator('[data-test=nearest-median]').textContent())
      expect(distance).toBeGreaterThan(0)
      expect(median).toBeGreaterThan(0)
      expect(await card.locator('figcaption').nth(1).textContent()).toMatch(/training image [\d,]+ of 8,000/)
      // Both images are drawn: the sample and its neighbour.
      for (const k of [0, 1])
        await expect
          .poll(
            async () =>
              (await canvasInk(page, `[data-test=nearest-card] figure:nth-of-type(${k + 1})`))[0] ?? 0
          )
          .toBeGreaterThan(50)
      // By keyboard: the clicked image holds the tab stop; the arrow moves to the next one, Enter picks it.
      await page.keyboard.press('ArrowRight')
      await page.keyboard.press('Enter')
      await card.locator('h4', { hasText: 'Image 5 of 64' }).waitFor()
      await card.locator('[data-test=nearest-distance]').waitFor()
      await shot(page, '05-nearest', '[data-test=nearest-card]')
      await shot(page, '06-gallery-metrics', '[data-test=gallery-panel] [data-test=metric-badges]')
    },
    LONG
  )

  it('ran without CSP violations, page errors or failed requests', () => {
    expect(wb.problems).toEqual([])
  })
})
