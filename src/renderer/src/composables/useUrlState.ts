/**
 * Keeps the URL's hash and the workbench's state in step (see util/url-state.ts): on start the hash restores
 * the view, the Gallery's panels and the Benchmark's report; afterwards every change of view is a history
 * entry (the back button returns to the previous view), and panel or report changes replace the current one.
 */
import { watch } from 'vue'
import { useBenchStore } from '../stores/bench'
import { panelKey, useGalleryStore } from '../stores/gallery'
import { useUiStore } from '../stores/ui'
import type { SamplerGridOptions, SamplerId } from '../../../shared/api'
import { formatUrlState, parseUrlState, type UrlPanel, type UrlState } from '../util/url-state'

export function useUrlState(): { restore(): Promise<void>; stop(): void } {
  const ui = useUiStore()
  const gallery = useGalleryStore()
  const bench = useBenchStore()
  /** While the hash is being applied, store changes must not write it back. */
  let applying = false
  // The view first, before the engine answers, so that a deep link never flashes the default view.
  ui.show(parseUrlState(window.location.hash).view)

  const current = (): UrlState => ({
    view: ui.view,
    panels: gallery.panels.map((p) => ({
      runId: p.runId,
      sampler: p.sampler,
      steps: p.steps,
      ...(p.grid.spacing !== undefined ? { spacing: p.grid.spacing } : {}),
      ...(p.grid.tolerance !== undefined ? { tolerance: p.grid.tolerance } : {})
    })),
    bench: bench.report?.id ?? null,
    batch: bench.report ? bench.batch : null
  })

  /** Applies a state; only its synchronous part is shielded from writing back (panels then fill in). */
  async function apply(s: UrlState): Promise<void> {
    const jobs: Promise<void>[] = []
    applying = true
    try {
      ui.show(s.view)
      const grid = (p: UrlPanel): SamplerGridOptions => ({
        ...(p.spacing !== undefined ? { spacing: p.spacing } : {}),
        ...(p.tolerance !== undefined ? { tolerance: p.tolerance } : {})
      })
      const want = s.panels.map((p) => panelKey(p.runId, p.sampler as SamplerId, p.steps, grid(p)))
      if (want.join(',') !== gallery.panels.map((p) => p.key).join(',')) {
        gallery.clear()
        // One after another, so that the panels keep the link's order.
        jobs.push(
          (async () => {
            for (const p of s.panels)
              await gallery.addPanel(p.runId, p.sampler as SamplerId, p.steps, grid(p))
          })()
        )
      }
      if (s.bench && s.bench !== bench.report?.id) jobs.push(bench.open(s.bench, s.batch ?? undefined))
      else if (s.bench && s.batch !== null && bench.reportBatchSizes.includes(s.batch)) bench.batch = s.batch
    } finally {
      applying = false
    }
    await Promise.all(jobs)
  }

  function write(push: boolean): void {
    if (applying || stopped) return
    const hash = formatUrlState(current())
    if (hash === window.location.hash) return
    if (push) window.history.pushState(null, '', hash)
    else window.history.replaceState(null, '', hash)
  }

  const onPopState = (): void => void apply(parseUrlState(window.location.hash))
  let unwatch: (() => void)[] = []
  let stopped = false

  async function restore(): Promise<void> {
    if (stopped) return
    // Synchronous, so that the changes `apply` makes are seen while it shields them.
    unwatch = [
      watch(
        () => ui.view,
        () => write(true),
        { flush: 'sync' }
      ),
      watch(
        () => [gallery.panels.map((p) => p.key).join(','), bench.report?.id, bench.batch],
        () => write(false),
        { flush: 'sync' }
      )
    ]
    window.addEventListener('popstate', onPopState)
    await apply(parseUrlState(window.location.hash))
    write(false)
  }

  /** Stops following the history (the shell unmounts). */
  function stop(): void {
    stopped = true
    window.removeEventListener('popstate', onPopState)
    unwatch.forEach((u) => u())
  }

  return { restore, stop }
}
