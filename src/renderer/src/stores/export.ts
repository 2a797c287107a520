import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { ExportReport, RunDetail, SamplerId } from '../../../shared/api'
import type { GridSpacing } from '../../../shared/samplers'
import { DEFAULT_TOLERANCE, samplerGrid } from '../util/sampler-grid'
import { api, errorMessage, hostKind } from '../api'
import { useRunsStore } from './runs'
import { safeFileName } from '../util/download'
import { onnxExportName } from '../../../shared/export-name'

/** A file name for the exported model: the run's name, made safe, with what the graph holds (sampler and K). */
export function onnxFileName(
  run: Pick<RunDetail, 'name' | 'id'>,
  sampler: SamplerId,
  steps: number,
  graph: 'sampler' | 'velocity' = 'sampler'
): string {
  return onnxExportName(safeFileName(run.name || run.id, 'model'), { graph, sampler, steps })
}

/** What an export holds, in words: `heun, K = 8 (16 network evaluations per sample)`. */
export function exportHolds(r: Pick<ExportReport, 'graph' | 'sampler' | 'steps' | 'evaluations'>): string {
  if (r.graph === 'velocity') return "the flow's network (x, t) → v alone, one evaluation per call"
  if (r.sampler === 'onestep') return 'the one-step map, 1 network evaluation per sample'
  return `the ${r.sampler} sampler, K = ${r.steps} (${r.evaluations} network evaluation${r.evaluations === 1 ? '' : 's'} per sample, fused)`
}

/** ONNX export of one run with one of its samplers: choice, progress, report (parity, path, download). */
export const useExportStore = defineStore('export', () => {
  const runId = ref<string | null>(null)
  const detail = shallowRef<RunDetail | null>(null)
  const sampler = ref<SamplerId>('onestep')
  const steps = ref(1)
  /** Flows: the grid spacing (null: the sampler's own) and an adaptive sampler's tolerance. */
  const spacing = ref<GridSpacing | null>(null)
  const tolerance = ref(DEFAULT_TOLERANCE)
  /** Flows: the K-step sampler, or the network alone. */
  const graph = ref<'sampler' | 'velocity'>('sampler')
  const busy = ref(false)
  /** True while the chosen run's details load (seconds for an MNIST-size run). */
  const loading = ref(false)
  const error = ref<string | null>(null)
  const report = shallowRef<ExportReport | null>(null)
  // A deleted run leaves the picker (an export made of it stays on screen: its file is still there).
  const runs = useRunsStore()
  watch(
    () => runId.value !== null && runs.gone(runId.value),
    (gone) => {
      if (!gone) return
      runId.value = null
      detail.value = null
      error.value = null
      loading.value = false
    }
  )

  /** Chooses the run; the sampler falls back to the first one it offers, steps to its default. */
  async function choose(id: string | null): Promise<void> {
    runId.value = id
    report.value = null
    error.value = null
    detail.value = null
    if (!id) return
    loading.value = true
    try {
      const d = await runs.detail(id)
      if (runId.value !== id) return
      detail.value = d
      graph.value = 'sampler'
      if (!d.samplers.includes(sampler.value)) sampler.value = d.samplers[0] ?? 'onestep'
      steps.value = sampler.value === 'onestep' ? 1 : d.defaultSteps
    } catch (e) {
      if (runId.value === id) error.value = errorMessage(e)
    } finally {
      if (runId.value === id) loading.value = false
    }
  }

  function setSampler(s: SamplerId): void {
    sampler.value = s
    if (s === 'onestep') steps.value = 1
    else if (steps.value <= 1 && detail.value) steps.value = detail.value.defaultSteps
  }

  /**
   * Exports. In the desktop app the user picks the path in a save dialog (cancel → nothing happens); the web
   * host writes into its exports folder and returns a download link.
   */
  async function exportOnnx(): Promise<ExportReport | null> {
    const d = detail.value
    if (!d) return null
    busy.value = true
    error.value = null
    report.value = null
    try {
      let path: string | undefined
      if (hostKind() === 'electron') {
        const chosen = await api.dialogs.saveOnnxFile(
          onnxFileName(d, sampler.value, steps.value, graph.value)
        )
        if (!chosen) return null
        path = chosen
      }
      const velocity = graph.value === 'velocity' && sampler.value !== 'onestep'
      const r = await api.export.onnx({
        runId: d.id,
        ...(velocity ? { graph: 'velocity' as const } : { sampler: sampler.value }),
        ...(sampler.value === 'onestep' || velocity
          ? {}
          : { steps: steps.value, ...samplerGrid(sampler.value, spacing.value, tolerance.value) }),
        ...(path ? { path } : {})
      })
      report.value = r
      return r
    } catch (e) {
      error.value = errorMessage(e)
      return null
    } finally {
      busy.value = false
    }
  }

  return {
    runId,
    detail,
    sampler,
    steps,
    spacing,
    tolerance,
    graph,
    busy,
    loading,
    error,
    report,
    choose,
    setSampler,
    exportOnnx
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useExportStore, import.meta.hot))
