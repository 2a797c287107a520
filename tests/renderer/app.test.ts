import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, nextTick, type App as VueApp } from 'vue'
import { createPinia } from 'pinia'
import App from '../../src/renderer/src/App.vue'
import { api, ApiError } from '../../src/renderer/src/api'
import type { Bridge, EngineInfo, Result } from '../../src/shared/api'

const INFO: EngineInfo = {
  version: '0.1.0',
  backend: 'wasm',
  objectives: [
    { id: 'energy', family: 'statistics', title: 'Energy distance' },
    { id: 'mmd', family: 'statistics', title: 'Maximum mean discrepancy' },
    { id: 'cfm', family: 'flows', title: 'Conditional flow matching' }
  ],
  datasets: [
    { id: '8gaussians', dim: 2, title: 'Eight Gaussians on a circle' },
    { id: 'moons', dim: 2, title: 'Two moons' }
  ]
}

function fakeBridge(info: () => Promise<Result<EngineInfo>>): Bridge {
  return { engine: { info: vi.fn(info) }, on: () => () => {} }
}

let mounted: VueApp | null = null

/** Mounts the app into a fresh div and waits until it shows the engine info or an error. */
async function mount(): Promise<HTMLElement> {
  const el = document.createElement('div')
  document.body.append(el)
  mounted = createApp(App).use(createPinia())
  mounted.mount(el)
  await vi.waitFor(() => expect(el.querySelector('[data-test=meta], [data-test=error]')).not.toBeNull())
  await nextTick()
  return el
}

afterEach(() => {
  mounted?.unmount()
  mounted = null
  document.body.innerHTML = ''
  delete window.lab
})

describe('App', () => {
  it('shows the product, the objective families and the datasets from the bridge', async () => {
    window.lab = fakeBridge(async () => ({ ok: true, value: INFO }))
    const el = await mount()
    const text = el.textContent ?? ''
    expect(el.querySelector('h1')?.textContent).toBe('Pushforward Lab')
    expect(text).toContain('v0.1.0 · backend wasm')
    const families = [...el.querySelectorAll('[data-test=family] h3')].map((h) => h.textContent)
    expect(families).toEqual(['Statistics matching', 'Flows'])
    expect(text).toContain('Energy distance')
    expect(text).toContain('Conditional flow matching')
    const rows = [...el.querySelectorAll('[data-test=datasets] tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((td) => td.textContent)
    )
    expect(rows).toEqual([
      ['8gaussians', '2', 'Eight Gaussians on a circle'],
      ['moons', '2', 'Two moons']
    ])
    expect(el.querySelector('[data-test=placeholder]')?.textContent).toContain('next issue')
    expect(window.lab.engine.info).toHaveBeenCalledTimes(1)
  })

  it('shows the host error sentence when the call fails', async () => {
    window.lab = fakeBridge(async () => ({
      ok: false,
      error: { code: 'INTERNAL', message: 'Internal error in engine:info: boom' }
    }))
    const el = await mount()
    expect(el.querySelector('[data-test=error]')?.textContent).toBe('Internal error in engine:info: boom')
    expect(el.querySelector('[data-test=placeholder]')).not.toBeNull()
  })

  it('says so when no host is connected', async () => {
    const el = await mount()
    expect(el.querySelector('[data-test=error]')?.textContent).toMatch(/No engine is connected/)
  })
})

describe('api', () => {
  it('rejects with an ApiError that keeps the host code', async () => {
    window.lab = fakeBridge(async () => ({ ok: false, error: { code: 'CONFIG', message: 'Bad.' } }))
    const err = await api.engine.info().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'CONFIG', message: 'Bad.' })
  })
})
