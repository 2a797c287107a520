import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DatasetInfo, DatasetPreview, RunDetail, SampleSet, SamplerId } from '../../../shared/api'
import { api, errorMessage } from '../api'
import { panelBounds } from '../charts/cloud'
import type { Bounds } from '../charts/points'
import { useDatasetsStore } from './datasets'
import { useRunsStore } from './runs'

/** One gallery panel: a run's samples with one sampler and step count. */
export interface GalleryPanel {
  key: string
  runId: string
  title: string
  objective: string
  sampler: SamplerId
  steps: number
  loading: boolean
  set: SampleSet | null
  error: string | null
}

export function panelKey(runId: string, sampler: SamplerId, steps: number): string {
  return `${runId}|${sampler}|${steps}`
}

/**
 * The dataset id a run was trained on: the config's spec when it names a known dataset, else the summary's
 * dataset matched by id, `file:<name>` or title. Null when none matches (e.g. a file no longer imported).
 */
export function datasetIdOfRun(
  run: Pick<RunDetail, 'dataset' | 'config'>,
  datasets: DatasetInfo[]
): string | null {
  const ids = new Set(datasets.map((d) => d.id))
  const cfg = run.config as { dataset?: { spec?: unknown; name?: unknown } } | null
  const spec = typeof cfg?.dataset?.spec === 'string' ? cfg.dataset.spec : undefined
  // An imported file's spec is the path of its copy, `<datasets>/<name>.<ext>`: its stem is the id's name.
  const stem = spec
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/\.[^.]+$/, '')
  const candidates = [spec, cfg?.dataset?.name, run.dataset, stem].filter(
    (v): v is string => typeof v === 'string' && v.length > 0
  )
  for (const c of candidates) {
    if (ids.has(c)) return c
    if (ids.has(`file:${c}`)) return `file:${c}`
  }
  for (const c of candidates) {
    const byTitle = datasets.find((d) => d.title === c)
    if (byTitle) return byTitle.id
  }
  return null
}

/** Samples drawn per panel. */
export const GALLERY_POINTS = 2000

/**
 * Side-by-side comparison: the held-out data of the first run's dataset, and panels of runs × samplers × steps,
 * each sampled with held-out metrics. Sample sets live in a shallowRef'd list replaced on every change.
 */
export const useGalleryStore = defineStore('gallery', () => {
  const panels = shallowRef<GalleryPanel[]>([])
  const heldout = shallowRef<DatasetPreview | null>(null)
  const heldoutError = ref<string | null>(null)
  const n = ref(GALLERY_POINTS)

  const bounds = computed<Bounds | null>(() => {
    const clouds = [
      ...(heldout.value ? [{ points: heldout.value.points, dim: heldout.value.info.dim }] : []),
      ...panels.value.flatMap((p) => (p.set ? [p.set] : []))
    ]
    return clouds.length > 0 ? panelBounds(clouds) : null
  })
  const columnNames = computed(() => heldout.value?.info.columns ?? [])

  function patch(key: string, change: Partial<GalleryPanel>): void {
    panels.value = panels.value.map((p) => (p.key === key ? { ...p, ...change } : p))
  }

  async function loadHeldout(run: RunDetail): Promise<void> {
    const datasets = useDatasetsStore()
    heldoutError.value = null
    try {
      if (datasets.list.length === 0) await datasets.load()
      const id = datasetIdOfRun(run, datasets.list)
      if (!id) {
        heldout.value = null
        heldoutError.value = `The dataset "${run.dataset}" of this run is not in the dataset list.`
        return
      }
      heldout.value = await datasets.getPreview(id, n.value)
    } catch (e) {
      heldout.value = null
      heldoutError.value = errorMessage(e)
    }
  }

  /** Adds a panel (default: the run's first sampler at its default step count) and samples it. */
  async function addPanel(runId: string, sampler?: SamplerId, steps?: number): Promise<void> {
    const runs = useRunsStore()
    let detail: RunDetail
    try {
      detail = await runs.detail(runId)
    } catch (e) {
      const key = panelKey(runId, sampler ?? 'onestep', steps ?? 1)
      const failed: GalleryPanel = {
        key,
        runId,
        title: runId,
        objective: '',
        sampler: sampler ?? 'onestep',
        steps: steps ?? 1,
        loading: false,
        set: null,
        error: errorMessage(e)
      }
      panels.value = [...panels.value.filter((p) => p.key !== key), failed]
      return
    }
    const s = sampler ?? detail.samplers[0] ?? 'onestep'
    const k = steps ?? detail.defaultSteps
    const key = panelKey(runId, s, k)
    if (panels.value.some((p) => p.key === key && !p.error)) return
    const panel: GalleryPanel = {
      key,
      runId,
      title: detail.name,
      objective: detail.objective,
      sampler: s,
      steps: k,
      loading: true,
      set: null,
      error: null
    }
    panels.value = [...panels.value.filter((p) => p.key !== key), panel]
    if (!heldout.value) await loadHeldout(detail)
    try {
      const set = await api.runs.samples({ runId, sampler: s, steps: k, n: n.value, metrics: true })
      patch(key, { loading: false, set: Object.freeze(set) })
    } catch (e) {
      patch(key, { loading: false, error: errorMessage(e) })
    }
  }

  /** Replaces the gallery with one panel per run (default sampler each) and the first run's held-out data. */
  async function compare(runIds: string[]): Promise<void> {
    panels.value = []
    heldout.value = null
    heldoutError.value = null
    await Promise.all(runIds.map((id) => addPanel(id)))
  }

  function removePanel(key: string): void {
    panels.value = panels.value.filter((p) => p.key !== key)
  }

  function clear(): void {
    panels.value = []
    heldout.value = null
    heldoutError.value = null
  }

  return { panels, heldout, heldoutError, n, bounds, columnNames, addPanel, compare, removePanel, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useGalleryStore, import.meta.hot))
