import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, type App as VueApp } from 'vue'

// jsdom has no canvas: the chart renders as a placeholder that shows whether it got an option.
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, default: null }, group: { type: String, default: undefined } },
    setup: () => () => h('div', { 'data-test': 'chart' })
  })
}))

const { default: ChartPanel } = await import('../../src/renderer/src/components/ChartPanel.vue')

let app: VueApp | null = null
afterEach(() => {
  app?.unmount()
  app = null
  document.body.innerHTML = ''
})

async function mount(props: Record<string, unknown>): Promise<HTMLElement> {
  const el = document.createElement('div')
  document.body.append(el)
  app = createApp(ChartPanel, props)
  app.mount(el)
  await nextTick()
  return el
}

describe('ChartPanel', () => {
  it('draws the chart alone when it has an option: no empty state beside it, no save buttons unasked', async () => {
    const el = await mount({ option: { series: [] }, empty: 'Nothing here.' })
    expect(el.querySelectorAll('[data-test=chart]')).toHaveLength(1)
    expect(el.querySelector('.chart-empty')).toBeNull()
    expect(el.querySelector('[data-test=save-png]')).toBeNull()
  })

  it('offers PNG and SVG when it has a name to save under', async () => {
    const el = await mount({ option: { series: [] }, exportName: 'pareto' })
    expect(el.querySelector('.chart-empty')).toBeNull()
    expect(el.querySelector('[data-test=save-png]')?.textContent).toBe('PNG')
    expect(el.querySelector('[data-test=save-svg]')?.textContent).toBe('SVG')
    // Above the chart's box, not over it: a legend along the top edge can never run under them.
    expect(el.querySelector('.chart-panel [data-test=save-png]')).toBeNull()
    const save = el.querySelector('.chart-save')!
    expect(save.nextElementSibling?.classList.contains('chart-panel')).toBe(true)
  })

  it('shows the empty sentence without an option, and nothing to save', async () => {
    const el = await mount({ option: null, empty: 'Nothing here.', exportName: 'pareto' })
    expect(el.querySelector('[data-test=chart]')).toBeNull()
    expect(el.querySelector('.chart-empty')?.textContent).toBe('Nothing here.')
    expect(el.querySelector('[data-test=save-png]')).toBeNull()
  })
})
