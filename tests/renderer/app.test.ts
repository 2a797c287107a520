import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, type App as VueApp } from 'vue'
import { createPinia } from 'pinia'
import { api, ApiError, resetBridge } from '../../src/renderer/src/api'
import {
  CROWDED_MAPS,
  DATASETS,
  IMAGE_METRICS,
  INFO,
  crowdedReport,
  METRICS,
  detail,
  fakeBridge,
  job,
  preview,
  run,
  sampleSet,
  type FakeBridge
} from './fixtures'
import type { RunDetail } from '../../src/shared/api'
import type { NamedResult } from '../../src/renderer/src/charts/bench'
import { useGalleryStore } from '../../src/renderer/src/stores/gallery'
import { useObjectivesStore } from '../../src/renderer/src/stores/objectives'
import { useRunsStore } from '../../src/renderer/src/stores/runs'

// jsdom has no canvas: charts render as a placeholder that shows whether they got an option.
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, default: null }, group: { type: String, default: undefined } },
    setup: (props) => () =>
      h('div', {
        'data-test': 'chart',
        'data-series': String((props.option?.series as unknown[])?.length ?? 0),
        'data-symbols': ((props.option?.series as { symbol?: string }[]) ?? []).map((x) => x.symbol).join(' ')
      })
  })
}))
// The page is served over http in jsdom: without `window.lab` the web bridge is used; make it unreachable.
vi.mock('../../src/shared/http-bridge', () => ({
  createHttpBridge: (base: string) =>
    new Proxy(
      {},
      {
        get: (_t, domain) =>
          domain === 'on'
            ? () => () => {}
            : new Proxy(
                {},
                {
                  get: () => async () => ({
                    ok: false,
                    error: {
                      code: 'NO_HOST',
                      message: `The web host at ${base} cannot be reached (refused).`
                    }
                  })
                }
              )
      }
    )
}))

// jsdom lays nothing out and has no scrollTo: naive-ui's scrollbars call it when a kept-alive view comes back.
Element.prototype.scrollTo ??= function scrollTo(): void {}

const { default: App } = await import('../../src/renderer/src/App.vue')
// The views are lazy chunks: load them once up front, so that a test waits on the app, not on the transform.
await Promise.all(
  ['Datasets', 'Objectives', 'Training', 'Runs', 'Gallery', 'Export', 'Benchmark'].map(
    (v) => import(`../../src/renderer/src/views/${v}View.vue`)
  )
)

let mounted: VueApp | null = null

async function mount(): Promise<HTMLElement> {
  const el = document.createElement('div')
  document.body.append(el)
  mounted = createApp(App).use(createPinia())
  mounted.mount(el)
  await vi.waitFor(() => expect(el.querySelector('[data-test=status-bar]')).not.toBeNull())
  await vi.waitFor(() => expect(el.querySelector('[data-test=version], [data-test=error]')).not.toBeNull())
  await nextTick()
  return el
}

/** Waits for the lazily loaded views and restored state on a loaded machine. */
const SLOW = { timeout: 10_000 }

async function click(el: HTMLElement, selector: string): Promise<void> {
  const target = el.querySelector<HTMLElement>(selector)
  expect(target, selector).not.toBeNull()
  target!.click()
  await nextTick()
  await nextTick()
}

beforeEach(() => resetBridge())
afterEach(() => {
  mounted?.unmount()
  mounted = null
  document.body.innerHTML = ''
  delete window.lab
})

describe('App', () => {
  it('shows the navigation, the status bar and the datasets view with a preview', async () => {
    const lab: FakeBridge = fakeBridge()
    window.lab = lab
    const el = await mount()
    expect(el.querySelector('h1')?.textContent).toBe('Pushforward Lab')
    const nav = [...el.querySelectorAll('nav button')].map((b) => b.textContent?.trim())
    expect(nav).toEqual(['Datasets', 'Objectives', 'Training', 'Runs1', 'Gallery', 'Export', 'Benchmark'])
    expect(el.querySelector('[data-test=version]')?.textContent).toBe('Pushforward Lab v0.1.0')
    expect(el.querySelector('[data-test=backend]')?.textContent).toContain('wasm')
    expect(el.querySelector('[data-test=ort]')?.textContent).toMatch(/ONNX Runtime 1\.30\.0\s+cpu/)
    await vi.waitFor(() =>
      expect(el.querySelector('[data-test=preview-title]')?.textContent).toBe('Eight Gaussians')
    )
    expect(
      el.querySelector('[data-test=dataset-preview] [data-test=chart]')?.getAttribute('data-series')
    ).toBe('1')
    expect(el.querySelector('[data-test=feature-stats]')?.textContent).toContain('x2')
    expect(el.querySelector('[data-test=dataset-file\\:points]')?.textContent).toContain('500 rows')
  })

  it('shows the taxonomy with empty families and a generated parameter form', async () => {
    window.lab = fakeBridge()
    const el = await mount()
    await click(el, '[data-test=nav-objectives]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=family-statistics]')).not.toBeNull())
    expect(el.querySelector('[data-test=family-density]')?.textContent).toContain(
      'No objective of this family'
    )
    expect(el.querySelector('[data-test=family-flows]')?.textContent).toContain('Conditional flow matching')
    await click(el, '[data-test=objective-mmd]')
    const config = el.querySelector('[data-test=objective-config]')!
    expect(config.textContent).toContain('§2, MMD form of eq. (2)')
    const params = [...config.querySelectorAll('[data-param]')].map((p) => p.getAttribute('data-param'))
    expect(params).toEqual(['bandwidths', 'scale', 'k', 'debiased'])
    expect(config.querySelector('[data-param=debiased] .n-switch')).not.toBeNull()
    expect(config.querySelector('[data-param=k] input')).not.toBeNull()
    // The network section names the objective's own default network where it has one.
    await click(el, '.network .n-collapse-item__header-main')
    await vi.waitFor(() => expect(config.querySelector('[data-test=train-width] input')).not.toBeNull())
    const placeholder = (key: string): string | null | undefined =>
      config.querySelector(`[data-test=train-${key}] input`)?.getAttribute('placeholder')
    expect(placeholder('width')).toBe('default 64')
    expect(placeholder('depth')).toBe('default')
    expect(placeholder('latentDim')).toBe('= data dim')
  })

  it('trains: the job appears live in the Training view', async () => {
    const lab = fakeBridge()
    window.lab = lab
    const el = await mount()
    await click(el, '[data-test=nav-objectives]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=train-button]')).not.toBeNull())
    await click(el, '[data-test=train-button]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=job-detail]')).not.toBeNull())
    expect(lab.training.start).toHaveBeenCalledWith(
      expect.objectContaining({ objective: 'energy', dataset: '8gaussians' })
    )
    lab.emit('jobs:update', job())
    await nextTick()
    expect(el.querySelector('[data-test=job-step]')?.textContent).toBe('50 / 100')
    expect(el.querySelector('[data-test=job-backend]')?.textContent).toContain('wasm')
    const charts = [...el.querySelectorAll('[data-test=job-detail] [data-test=chart]')]
    expect(charts).toHaveLength(3)
    lab.emit(
      'jobs:update',
      job({
        status: 'failed',
        error: {
          code: 'DIVERGED',
          message: 'Training diverged at step 60; kept the last finite weights from step 50.'
        }
      })
    )
    await nextTick()
    const error = el.querySelector('[data-test=job-error]')?.textContent ?? ''
    expect(error).toContain('Training diverged at step 60')
    expect(error).toContain('last good checkpoint was kept')
  })

  it('shows a user cancel as cancelled, not as a failure', async () => {
    const lab = fakeBridge({ training: { jobs: () => Promise.resolve([job()]) } })
    window.lab = lab
    const el = await mount()
    await click(el, '[data-test=nav-training]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=job-detail]')).not.toBeNull())
    lab.emit(
      'jobs:update',
      job({ status: 'cancelled', error: { code: 'CANCELLED', message: 'Cancelled at step 50 of 100.' } })
    )
    await nextTick()
    expect(el.querySelector('[data-test=job-error]')).toBeNull()
    expect(el.textContent).not.toContain('Training failed')
    const alert = el.querySelector('[data-test=job-cancelled]')
    expect(alert?.textContent).toContain('Cancelled at step 50 of 100.')
    expect(alert?.querySelector('.n-alert-body__title')?.textContent).toBe('Cancelled')
    expect(el.querySelector('[data-test=job-status]')?.getAttribute('data-status')).toBe('cancelled')
  })

  it('shows the saved benchmark: headline, Pareto, latency and throughput charts, the table', async () => {
    const lab = fakeBridge()
    window.lab = lab
    const el = await mount()
    await click(el, '[data-test=nav-benchmark]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=bench-report]')).not.toBeNull())
    expect(el.querySelectorAll('[data-test=bench-record]')).toHaveLength(1)
    const summary = el.querySelector('[data-test=bench-summary]')?.textContent ?? ''
    expect(summary).toContain('16×')
    expect(summary).toContain('faster')
    expect(summary).toContain('matched quality')
    const series = (sel: string): string | null | undefined =>
      el.querySelector(`[data-test=${sel}] [data-test=chart]`)?.getAttribute('data-series')
    expect(series('pareto-chart')).toBe('3')
    expect(series('latency-chart')).toBe('2')
    expect(series('throughput-chart')).toBe('2')
    // The table shows the rows of the chosen batch size (64): the map and euler at 3 K × 2 ways.
    expect(el.querySelectorAll('[data-test=bench-table] tbody tr')).toHaveLength(7)
    // Compact enough to fit at 1440 px: no batch column (it is chosen above), one latency column, Parity last.
    const heads = [...el.querySelectorAll('[data-test=bench-table] thead th')].map((t) => t.textContent)
    expect(heads).not.toContain('Batch')
    expect(heads.at(-1)).toBe('Parity')
    const cells = [...el.querySelectorAll('[data-test=bench-table] tbody tr')][0]!.querySelectorAll('td')
    expect(cells[heads.indexOf('p50 ms (p10–p90)')]?.textContent).toMatch(/^[\d.e-]+ \([\d.e-]+–[\d.e-]+\)$/)
    expect(el.querySelector('[data-test=bench-start]')?.hasAttribute('disabled')).toBe(true)
  })

  it('gives a crowded report one symbol per one-step family, read from the engine’s objectives', async () => {
    const report = crowdedReport()
    // The host sends no family: the view adds it from the registry (`engine.info`).
    report.table = (report.table as NamedResult[]).map(({ family: _family, ...row }) => row)
    const objectives = CROWDED_MAPS.map(([id, family]) => ({ id, family, title: id }))
    window.lab = fakeBridge({
      engine: { info: async () => ({ ...INFO, objectives: [...objectives, ...INFO.objectives] }) },
      bench: { get: async () => report }
    })
    const el = await mount()
    await click(el, '[data-test=nav-benchmark]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=bench-report]')).not.toBeNull())
    const chart = el.querySelector('[data-test=pareto-chart] [data-test=chart]')
    await vi.waitFor(() => expect(chart?.getAttribute('data-symbols')).toContain('rect'))
    const symbols = chart!.getAttribute('data-symbols')!.split(' ')
    // 6 statistics maps ◆, 2 density ■, 5 flows ★, cfm's Euler ● and Heun ▲, and the front (no symbol)
    expect(symbols.filter((x) => x === 'diamond')).toHaveLength(6)
    expect(symbols.filter((x) => x === 'rect')).toHaveLength(2)
    expect(symbols.filter((x) => x.startsWith('path://'))).toHaveLength(5)
    expect(symbols.slice(-3)).toEqual(['circle', 'triangle', 'none'])
    const sub = el.querySelector('[data-test=pareto-chart]')?.closest('section')?.textContent ?? ''
    expect(sub).toContain('symbol: sampler')
    expect(sub).toContain('Pareto front')
  })

  it('reads a running benchmark in configurations, the work’s share beside it and the phase below', async () => {
    const phase = 'round 3/5: run-1 onestep batch 64'
    const running = job({
      id: 'job-b2',
      kind: 'bench',
      status: 'running',
      title: 'Benchmark of run-1, run-2',
      runId: null,
      // the share of the work: 20 configurations × 7 stages (prepared, warmed up, 5 rounds), 92 of them done
      step: 92,
      steps: 140,
      phase,
      configurations: { stage: 'timing', done: 12, total: 20, round: 3, rounds: 5 }
    })
    const lab = fakeBridge({ training: { jobs: async () => [running] } })
    window.lab = lab
    const el = await mount()
    await click(el, '[data-test=nav-benchmark]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=bench-job]')).not.toBeNull(), SLOW)
    const text = (sel: string): string | undefined =>
      el.querySelector(`[data-test=${sel}]`)?.textContent?.trim()
    expect(text('bench-progress')).toBe('12 of 20 configurations timed in round 3 of 5')
    expect(text('bench-percent')).toBe('66 %')
    // the phase names the run as the Runs list does
    expect(text('bench-phase')).toBe('round 3/5: energy-8gaussians onestep batch 64')
    expect(el.querySelector('[data-test=bench-job]')?.textContent).not.toContain('92 / 140')

    // the worker's next count: the stage and the count follow it
    lab.emit('jobs:update', {
      ...running,
      step: 1,
      steps: 7,
      phase: 'warm-up: run-1 onestep batch 1',
      configurations: { stage: 'warm-up', done: 0, total: 1 }
    })
    await vi.waitFor(() => expect(text('bench-progress')).toBe('0 of 1 configuration warmed up'))
  })

  it('restores the view and the Benchmark selection from the URL, and keeps the URL in step', async () => {
    window.history.replaceState(null, '', '#/benchmark?bench=job-b1&batch=1')
    const lab = fakeBridge()
    window.lab = lab
    const el = await mount()
    await vi.waitFor(() => expect(el.querySelector('[data-test=bench-report]')).not.toBeNull(), SLOW)
    expect(el.querySelector('[aria-current=page]')?.textContent).toContain('Benchmark')
    expect(lab.bench.get).toHaveBeenCalledWith('job-b1')
    await vi.waitFor(
      () => expect(el.querySelector('[data-test=bench-summary]')?.textContent).toContain('batch 1'),
      SLOW
    )
    expect(window.location.hash).toBe('#/benchmark?bench=job-b1&batch=1')
    // A new view is a history entry: the back button returns to the benchmark.
    await click(el, '[data-test=nav-runs]')
    expect(window.location.hash).toBe('#/runs?bench=job-b1&batch=1')
    window.history.back()
    await vi.waitFor(
      () => expect(el.querySelector('[aria-current=page]')?.textContent).toContain('Benchmark'),
      SLOW
    )
    window.history.replaceState(null, '', '#')
  }, 20_000)

  it('opens Gallery panels from a deep link, in order', async () => {
    window.history.replaceState(null, '', '#/gallery?panels=run-1~onestep~1,bad~~1,run-1~heun~8~karras')
    const lab = fakeBridge({
      runs: { get: () => Promise.resolve(detail({ extra: { transportCost: 1.25, nllNatsPerDim: 2 } })) }
    })
    window.lab = lab
    const el = await mount()
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=gallery-panel]')).toHaveLength(2), SLOW)
    expect(lab.runs.samples).toHaveBeenCalledWith(
      expect.objectContaining({ runId: 'run-1', sampler: 'onestep', steps: 1 })
    )
    // A panel's time grid comes back with it (the link used to drop it).
    expect(lab.runs.samples).toHaveBeenCalledWith(
      expect.objectContaining({ runId: 'run-1', sampler: 'heun', steps: 8, spacing: 'karras' })
    )
    await vi.waitFor(
      () => expect(el.querySelector('[data-test=panel-cost]')?.textContent).toContain('1 network evaluation'),
      SLOW
    )
    // The run's stored transport cost is a badge beside the sample metrics; a flow's straightness it has not.
    expect(el.querySelector('[data-metric=transport]')?.textContent).toContain('1.25')
    expect(el.querySelector('[data-metric=straightness]')).toBeNull()
    expect(window.location.hash).toBe('#/gallery?panels=run-1~onestep~1,run-1~heun~8~karras')
    window.history.replaceState(null, '', '#')
  }, 20_000)

  it('marks a Gallery panel whose run learned other data than the reference, and names the reference’s', async () => {
    window.history.replaceState(
      null,
      '',
      '#/gallery?panels=run-1~onestep~1,run-2~onestep~1,run-3~onestep~1,run-4~onestep~1'
    )
    const file = (digest: string) => ({ name: 'points.csv', spec: '/d/points.csv', builtin: false, digest })
    const data: Record<string, RunDetail['data']> = {
      // the reference: a file
      'run-1': file('a'.repeat(16)),
      // a built-in: other data
      'run-2': { name: 'moons', spec: 'moons', builtin: true },
      // the same values imported under another name: the same data
      'run-3': { ...file('a'.repeat(16)), name: 'copy.csv', spec: '/d/copy.csv' },
      // the file changed since: other data under the same name
      'run-4': file('b'.repeat(16))
    }
    window.lab = fakeBridge({
      runs: {
        list: async () => ({
          runs: Object.keys(data).map((id) => run({ id, name: `${id} map` })),
          problems: []
        }),
        get: async (id: string) => detail({ id, name: `${id} map`, data: data[id]! })
      }
    })
    const el = await mount()
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=gallery-panel]')).toHaveLength(4), SLOW)
    await vi.waitFor(() =>
      expect(el.querySelector('[data-test=gallery-reference-data]')?.textContent).toBe('points.csv')
    )
    expect(el.querySelector('[data-test=gallery-reference-sub]')?.textContent).toContain('run-1 map')
    const tags = [...el.querySelectorAll('[data-test=gallery-panel]')].map(
      (p) => p.querySelector('[data-test=panel-other-data]')?.textContent?.trim() ?? null
    )
    expect(tags).toEqual([null, 'other data: moons', null, 'other data: points.csv (other values)'])
    expect(el.querySelector('[data-test=panel-other-data]')?.getAttribute('title')).toContain(
      'not on the reference’s “points.csv”'
    )
    window.history.replaceState(null, '', '#')
  }, 20_000)

  it('shows the host error sentence when the engine call fails', async () => {
    window.lab = fakeBridge({
      engine: {
        info: () => Promise.reject({ code: 'INTERNAL', message: 'Internal error in engine:info: boom' })
      }
    })
    const el = await mount()
    expect(el.querySelector('[data-test=error]')?.textContent).toContain(
      'Internal error in engine:info: boom'
    )
  })

  it('lists each run with its batch, learning rate, seed, objective params and wall time', async () => {
    const runs = [
      run({ id: 'run-a', name: 'mmd wide', objective: 'mmd', wallMs: 125_000 }),
      run({
        id: 'run-b',
        name: 'crashed energy',
        status: 'crashed',
        stepsDone: null,
        hyper: { batch: 64, lr: 0.0005, seed: 7, params: { k: 4, bandwidths: 'median', debiased: true } },
        wallMs: 3_400,
        checkpointStep: 40,
        resumable: true
      })
    ]
    window.lab = fakeBridge({ runs: { list: async () => ({ runs, problems: [] }) } })
    const el = await mount()
    await click(el, '[data-test=nav-runs]')
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=run-name]')).toHaveLength(2), SLOW)
    const cells = (key: string): string[] =>
      [...el.querySelectorAll(`[data-test=run-${key}]`)].map((c) => c.textContent ?? '')
    expect(cells('name')).toEqual(['mmd wide', 'crashed energy'])
    expect(cells('batch')).toEqual(['512', '64'])
    expect(cells('lr')).toEqual(['0.002', '0.0005'])
    expect(cells('seed')).toEqual(['0', '7'])
    expect(cells('params')).toEqual(['—', 'bandwidths median · debiased true · k 4'])
    expect(cells('wall')).toEqual(['2 min 05 s', '3 s'])
    const heads = [...el.querySelectorAll('[data-test=runs-table] thead th')].map((t) => t.textContent)
    for (const t of ['Batch', 'LR', 'Seed', 'Params', 'Wall time']) expect(heads).toContain(t)
    // No run here has image metrics: MMD², no fd column.
    expect(heads).toContain('MMD²')
    expect(heads).not.toContain('fd')
    // Only the crashed run offers Resume.
    expect(el.querySelectorAll('[data-test=resume-button]')).toHaveLength(1)
  }, 20_000)

  it('puts fd (with its ratio to the Gaussian fit) in place of MMD² when a listed run has image metrics', async () => {
    const points = run({ id: 'run-p', name: 'points' })
    const digits = run({ id: 'run-i', name: 'digits', metrics: { ...METRICS, image: IMAGE_METRICS } })
    window.lab = fakeBridge({ runs: { list: async () => ({ runs: [digits, points], problems: [] }) } })
    const el = await mount()
    await click(el, '[data-test=nav-runs]')
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=run-name]')).toHaveLength(2), SLOW)
    const heads = [...el.querySelectorAll('[data-test=runs-table] thead th')].map((t) => t.textContent)
    expect(heads).toContain('fd')
    expect(heads).not.toContain('MMD²')
    const fd = [...el.querySelectorAll('[data-test=run-fd]')]
    expect(fd.map((c) => c.textContent)).toEqual(['3.20.36×', '—'])
    expect([...fd[0]!.querySelectorAll('span')].map((c) => c.textContent)).toEqual(['3.2', '0.36×'])
    expect(fd[0]!.getAttribute('title')).toContain('a Gaussian fit scores 9, held-out data 1.7')
  }, 20_000)

  it('warns before queueing when the batch exceeds the training rows of the data', async () => {
    window.lab = fakeBridge()
    const el = await mount()
    await click(el, '[data-test=nav-objectives]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=train-button]')).not.toBeNull(), SLOW)
    const objectives = useObjectivesStore()
    // Eight Gaussians (10,000 rows, 8,000 for training) at the default batch 512: no note.
    expect(objectives.settings).toMatchObject({ dataset: '8gaussians', batch: 512 })
    expect(el.querySelector('[data-test=batch-note]')).toBeNull()
    // 500 imported rows: 250 are held out, 250 train, fewer than a batch of 512.
    objectives.settings.dataset = 'file:points'
    await vi.waitFor(() => expect(el.querySelector('[data-test=batch-note]')).not.toBeNull())
    expect(el.querySelector('[data-test=batch-note]')?.textContent).toContain(
      'points has 250 training rows after the held-out split: each step will use all 250 rows, not a batch of 512.'
    )
    expect(el.querySelector('[data-test=batch-note]')?.textContent).not.toMatch(/--/)
    objectives.settings.batch = 250
    await vi.waitFor(() => expect(el.querySelector('[data-test=batch-note]')).toBeNull())
  }, 20_000)

  it('says so when the web host cannot be reached', async () => {
    const el = await mount()
    expect(el.querySelector('[data-test=error]')?.textContent).toMatch(
      /web host at http:\/\/localhost:\d+ cannot be reached/
    )
    expect(el.querySelector('[data-test=status-bar]')?.textContent).toContain('Engine not connected')
  })
})

describe('api', () => {
  it('rejects with an ApiError that keeps the host code', async () => {
    window.lab = fakeBridge({ engine: { info: () => Promise.reject({ code: 'CONFIG', message: 'Bad.' }) } })
    const err = await api.engine.info().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'CONFIG', message: 'Bad.' })
  })
})

describe('runs over their life: running, checked, deleted', () => {
  /** The popover naive-ui teleports to the page's body once its trigger is clicked. */
  const popover = (): HTMLElement | null => document.body.querySelector<HTMLElement>('.n-popconfirm')

  it('shows a running run’s live step from its job in the Runs list', async () => {
    const running = run({ id: 'run-r', name: 'live', status: 'running', stepsDone: 0, steps: 3000 })
    const lab = fakeBridge({
      runs: { list: async () => ({ runs: [running, run()], problems: [] }) },
      training: { jobs: async () => [job({ runId: 'run-r', step: 485, steps: 3000 })] }
    })
    window.lab = lab
    const el = await mount()
    await click(el, '[data-test=nav-runs]')
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=run-steps]')).toHaveLength(2), SLOW)
    const steps = (): string[] =>
      [...el.querySelectorAll('[data-test=run-steps]')].map((c) => c.textContent ?? '')
    expect(steps()).toEqual(['485 / 3000', '100 / 100'])
    lab.emit('jobs:update', job({ runId: 'run-r', step: 600, steps: 3000 }))
    await vi.waitFor(() => expect(steps()[0]).toBe('600 / 3000'))
  }, 20_000)

  it('names the runs Delete will delete, and Compare spends the check marks', async () => {
    const list = Array.from({ length: 7 }, (_, i) =>
      run({ id: `run-${i}`, name: `run number ${i}`, createdAt: `2025-01-0${i + 1}T00:00:00.000Z` })
    )
    window.lab = fakeBridge({ runs: { list: async () => ({ runs: list, problems: [] }) } })
    const el = await mount()
    await click(el, '[data-test=nav-runs]')
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=run-name]')).toHaveLength(7), SLOW)
    const runs = useRunsStore()
    runs.setChecked(list.map((r) => r.id))
    await nextTick()
    await click(el, '[data-test=delete-button]')
    await vi.waitFor(() => expect(popover()?.querySelector('[data-test=delete-confirm]')).not.toBeNull())
    const items = [...popover()!.querySelectorAll('[data-test=delete-confirm] li')].map(
      (li) => li.textContent
    )
    expect(items).toEqual([0, 1, 2, 3, 4].map((i) => `run number ${i}`).concat('and 2 more'))
    expect(popover()!.textContent).toContain('Delete these 7 runs and their files?')
    const buttons = [...popover()!.querySelectorAll('button')].map((b) => b.textContent?.trim())
    expect(buttons).toEqual(['Keep them', 'Delete'])

    runs.setChecked(['run-1', 'run-2'])
    await nextTick()
    await click(el, '[data-test=compare-button]')
    await vi.waitFor(() => expect(el.querySelectorAll('[data-test=gallery-panel]')).toHaveLength(2), SLOW)
    expect(runs.checked).toEqual([])
    window.history.replaceState(null, '', '#')
  }, 20_000)

  it('marks a finished job whose run was deleted, with no Gallery or Export; Cancel asks to keep or stop', async () => {
    const done = job({ id: 'job-d', runId: 'run-gone', status: 'completed', step: 100, etaMs: 0 })
    const live = job({ id: 'job-l', runId: 'run-1', createdAt: '2024-12-31T10:00:00.000Z' })
    window.lab = fakeBridge({ training: { jobs: async () => [done, live] } })
    const el = await mount()
    await click(el, '[data-test=nav-training]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=job-run-deleted]')).not.toBeNull(), SLOW)
    expect(el.querySelector('[data-test=job-job-d]')?.textContent).toContain('run deleted')
    expect(el.querySelector('[data-test=job-job-l]')?.textContent).not.toContain('run deleted')
    expect(el.querySelector('[data-test=job-gallery]')?.hasAttribute('disabled')).toBe(true)
    expect(el.querySelector('[data-test=job-export]')?.hasAttribute('disabled')).toBe(true)

    await click(el, '[data-test=job-job-l]')
    await click(el, '[data-test=cancel-job]')
    await vi.waitFor(() => expect(popover()).not.toBeNull())
    const buttons = [...popover()!.querySelectorAll('button')].map((b) => b.textContent?.trim())
    expect(buttons).toEqual(['Keep training', 'Stop job'])
  }, 20_000)

  it('forgets a deleted run in the Gallery’s run picker: Add panel is disabled again', async () => {
    let list = [run(), run({ id: 'run-2', name: 'doomed', createdAt: '2025-01-02T10:00:00.000Z' })]
    window.lab = fakeBridge({
      runs: {
        list: async () => ({ runs: list, problems: [] }),
        get: async (id: string) => detail({ id }),
        remove: async (id: string) => {
          list = list.filter((r) => r.id !== id)
        }
      }
    })
    // The select's menu asks for media queries, which jsdom lacks.
    vi.stubGlobal('matchMedia', () => ({
      matches: false,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {}
    }))
    const el = await mount()
    await click(el, '[data-test=nav-gallery]')
    await vi.waitFor(() => expect(el.querySelector('[data-test=gallery-run]')).not.toBeNull(), SLOW)
    // Open the menu and take its first option, the newest run (the list is virtual: jsdom lays none of it out).
    await click(el, '[data-test=gallery-run] .n-base-selection')
    const selection = el.querySelector('[data-test=gallery-run] .n-base-selection')!
    selection.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true }))
    const add = (): HTMLButtonElement => el.querySelector<HTMLButtonElement>('[data-test=gallery-add]')!
    await vi.waitFor(() => expect(add().disabled).toBe(false))
    expect(el.querySelector('[data-test=gallery-run]')?.textContent).toContain('doomed')
    await useRunsStore().remove(['run-2'])
    await vi.waitFor(() => expect(add().disabled).toBe(true))
    expect(el.querySelector('[data-test=gallery-run]')?.textContent).not.toContain('run-2')
    expect(el.querySelector('[data-test=gallery-run]')?.textContent).not.toContain('doomed')
    vi.unstubAllGlobals()
  }, 20_000)

  it('turns a link to a deleted run into one notice that fits and can be dismissed', async () => {
    window.history.replaceState(null, '', '#/gallery?panels=run-gone~onestep~1,run-1~onestep~1')
    window.lab = fakeBridge({
      runs: {
        get: async (id: string) => {
          if (id === 'run-gone') throw { code: 'STORE', message: `No run "${id}" in /data/runs.` }
          return detail()
        }
      }
    })
    const el = await mount()
    await vi.waitFor(() => expect(el.querySelector('[data-test=gallery-missing]')).not.toBeNull(), SLOW)
    expect(el.querySelector('[data-test=gallery-missing]')?.textContent).toContain(
      'Run “run-gone” no longer exists.'
    )
    expect(el.querySelectorAll('[data-test=gallery-panel]')).toHaveLength(1)
    expect(el.querySelector('[data-test=panel-error]')).toBeNull()
    await vi.waitFor(() => expect(window.location.hash).toBe('#/gallery?panels=run-1~onestep~1'))
    await click(el, '[data-test=gallery-missing] .n-base-close')
    await vi.waitFor(() => expect(el.querySelector('[data-test=gallery-missing]')).toBeNull())
    window.history.replaceState(null, '', '#')
  }, 20_000)

  it('draws an image run’s snapshot as images with no axes notice', async () => {
    window.history.replaceState(null, '', '#/gallery?panels=run-1~onestep~1')
    const image = { shape: [1, 2], range: [0, 1] as [number, number] }
    window.lab = fakeBridge({
      runs: {
        get: async () => detail({ config: { dataset: { spec: 'x', name: 'x', image } } }),
        samples: async () => sampleSet({ dim: 2, n: 2, points: [0, 0, 1, 1], image }),
        heldout: async () => ({ ...preview(DATASETS[0]!), n: 2, points: [0, 1, 1, 0], image }),
        // Early snapshots lie far from the data: off the shared axes, had the panel axes.
        snapshots: async (id: string) => ({
          runId: id,
          steps: 100,
          dim: 2,
          snapshots: [{ step: 20, points: [9, 9, -9, -9] }]
        })
      }
    })
    const el = await mount()
    await vi.waitFor(() => expect(el.querySelector('[data-test=panel-cost]')).not.toBeNull(), SLOW)
    await useGalleryStore().setProgress(0.2)
    await vi.waitFor(() => expect(el.querySelector('[data-test=panel-snapshot]')).not.toBeNull())
    expect(el.querySelector('[data-test=gallery-panel] [data-test=chart]')).toBeNull()
    expect(el.querySelector('[data-test=panel-outside]')).toBeNull()
    window.history.replaceState(null, '', '#')
  }, 20_000)
})
