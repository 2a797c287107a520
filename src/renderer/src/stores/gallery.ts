import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type {
  DatasetInfo,
  DatasetPreview,
  MetricsInfo,
  NearestImage,
  RunDetail,
  RunSnapshots,
  SampleSet,
  SamplerGridOptions,
  SamplerId
} from '../../../shared/api'
import { sameRunData, type RunDataInfo } from '../../../shared/run-data'
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
  /** What the run was trained on (null: its detail could not be read). */
  data: RunDataInfo | null
  sampler: SamplerId
  steps: number
  /** The spacing and tolerance asked for (absent: the sampler's defaults). */
  grid: SamplerGridOptions
  loading: boolean
  set: SampleSet | null
  error: string | null
  /** The run's own figures stored with it: the transport cost of its map, a flow's path straightness. */
  diagnostics: RunDiagnostics | null
  /**
   * Image runs: the run's stored held-out metrics (its last evaluation, on its held-out images) — shown in place
   * of scoring the panel's 64 images, where `fd` would be mostly small-sample bias — and what measured them.
   */
  stored: StoredMetrics | null
  /** Image runs: the image clicked last and its nearest training image (the memorisation check). */
  nearest: NearestPick | null
}

/** A run's stored held-out metrics and the sampler its evaluation used (the model's default). */
export interface StoredMetrics {
  metrics: MetricsInfo
  sampler: SamplerId
  steps: number
}

/** One clicked image of a panel and, once the host answers, its nearest training image. */
export interface NearestPick {
  /** Its place in the panel's grid. */
  index: number
  /** Its pixels, data units. */
  pixels: number[]
  /** The training snapshot it was clicked on (null: the trained model's samples). */
  step: number | null
  loading: boolean
  result: NearestImage | null
  error: string | null
}

/** The run's stored metrics of an image run (null for other runs, or one never evaluated). */
export function storedMetrics(run: RunDetail): StoredMetrics | null {
  if (!isImageRun(run) || !run.metrics) return null
  const sampler = run.samplers[0]
  return sampler ? { metrics: run.metrics, sampler, steps: run.defaultSteps } : null
}

/** The run-level diagnostics a panel shows beside its sample metrics (RunDetail.extra). */
export interface RunDiagnostics {
  transportCost?: number
  straightness?: number
}

export function runDiagnostics(extra: Record<string, number> | undefined): RunDiagnostics | null {
  const out: RunDiagnostics = {}
  for (const k of ['transportCost', 'straightness'] as const)
    if (extra && typeof extra[k] === 'number' && Number.isFinite(extra[k])) out[k] = extra[k]
  return Object.keys(out).length ? out : null
}

export function panelKey(
  runId: string,
  sampler: SamplerId,
  steps: number,
  grid: SamplerGridOptions = {}
): string {
  const extra = [grid.spacing, grid.tolerance].filter((v) => v !== undefined)
  return [runId, sampler, steps, ...extra].join('|')
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
/** Image runs: images drawn per panel, all from one seed so every panel shows the same latent draws. */
export const GALLERY_IMAGES = 64
export const GALLERY_IMAGE_SEED = 0

/** True when a run was trained on images (its config names the image shape). */
export function isImageRun(run: Pick<RunDetail, 'config'>): boolean {
  const cfg = run.config as { dataset?: { image?: unknown } } | null
  return typeof cfg?.dataset?.image === 'object' && cfg.dataset.image !== null
}

/**
 * The snapshot shown at a fraction of training: the one whose step is nearest `fraction × steps` (ties: the
 * earlier). Null when the run has none.
 */
export function snapshotAt(
  s: RunSnapshots,
  fraction: number
): { step: number; points: number[]; dim: number } | null {
  if (s.snapshots.length === 0) return null
  const target = fraction * s.steps
  let best = s.snapshots[0]!
  for (const snap of s.snapshots) if (Math.abs(snap.step - target) < Math.abs(best.step - target)) best = snap
  return { step: best.step, points: best.points, dim: s.dim }
}

/** What the slider over training offers: 10 %, 20 %, … 90 % and 1 (the trained model, sampled afresh). */
export const PROGRESS_MARKS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]

/**
 * Side-by-side comparison: the held-out data of the first run's dataset, and panels of runs × samplers × steps,
 * each sampled with held-out metrics. Sample sets live in a shallowRef'd list replaced on every change.
 */
export const useGalleryStore = defineStore('gallery', () => {
  const panels = shallowRef<GalleryPanel[]>([])
  const heldout = shallowRef<DatasetPreview | null>(null)
  /** True when `heldout` holds the run's held-out rows; false for the dataset's preview sample (the fallback). */
  const heldoutIsSplit = ref(false)
  /** The run whose held-out data the reference panel shows (the first of a comparison), or null. */
  const heldoutRun = ref<string | null>(null)
  /** The reference run's name and data, once its detail is read (null before, or with no reference). */
  const reference = shallowRef<{ runId: string; name: string; data: RunDataInfo | null } | null>(null)
  const heldoutError = ref<string | null>(null)
  const n = ref(GALLERY_POINTS)
  /** Where the slider over training stands: 1 shows the trained model, less its stored snapshots. */
  const progress = ref(1)
  /** Training snapshots by run (loaded when the slider first leaves 1). */
  const snapshots = shallowRef<Map<string, RunSnapshots | { error: string }>>(new Map())
  /** Runs that panels named but that no longer exist (a link to a run deleted since): one dismissable notice. */
  const missing = ref<string[]>([])
  const runs = useRunsStore()

  const bounds = computed<Bounds | null>(() => {
    const clouds = [
      ...(heldout.value ? [{ points: heldout.value.points, dim: heldout.value.info.dim }] : []),
      ...panels.value.flatMap((p) => (p.set ? [p.set] : []))
    ]
    return clouds.length > 0 ? panelBounds(clouds) : null
  })
  const columnNames = computed(() => heldout.value?.columns ?? [])

  /** What a panel draws: 2000 points, or 64 images from the shared seed (the same z in every panel). */
  function sampleSize(run: RunDetail): { n: number; seed?: number } {
    return isImageRun(run) ? { n: GALLERY_IMAGES, seed: GALLERY_IMAGE_SEED } : { n: n.value }
  }

  function patch(key: string, change: Partial<GalleryPanel>): void {
    panels.value = panels.value.map((p) => (p.key === key ? { ...p, ...change } : p))
  }

  /**
   * The reference panel: the run's own held-out rows (what its metrics score against), or — where its data can
   * no longer be read by the host — the dataset's preview sample from the dataset list.
   */
  async function loadHeldout(run: RunDetail): Promise<void> {
    const datasets = useDatasetsStore()
    heldoutError.value = null
    reference.value = { runId: run.id, name: run.name, data: run.data ?? null }
    try {
      heldout.value = await api.runs.heldout(run.id, isImageRun(run) ? GALLERY_IMAGES : n.value)
      heldoutIsSplit.value = true
      return
    } catch {
      heldoutIsSplit.value = false
    }
    try {
      if (datasets.list.length === 0) await datasets.load()
      const id = datasetIdOfRun(run, datasets.list)
      if (!id) {
        heldout.value = null
        heldoutError.value =
          `The dataset "${run.dataset}" of this run is not in the dataset list (trained by \`pfm train\` on a file, or ` +
          'removed since): import the file under Datasets → Import a data file to show its held-out data here.'
        return
      }
      heldout.value = await datasets.getPreview(id, n.value)
    } catch (e) {
      heldout.value = null
      heldoutError.value = errorMessage(e)
    }
  }

  /** Adds a panel (default: the run's first sampler at its default step count) and samples it. */
  async function addPanel(
    runId: string,
    sampler?: SamplerId,
    steps?: number,
    grid: SamplerGridOptions = {}
  ): Promise<void> {
    let detail: RunDetail
    try {
      detail = await runs.detail(runId)
    } catch (e) {
      const key = panelKey(runId, sampler ?? 'onestep', steps ?? 1, grid)
      const failed: GalleryPanel = {
        key,
        runId,
        title: runId,
        objective: '',
        data: null,
        sampler: sampler ?? 'onestep',
        steps: steps ?? 1,
        grid,
        loading: false,
        set: null,
        error: errorMessage(e),
        diagnostics: null,
        stored: null,
        nearest: null
      }
      panels.value = [...panels.value.filter((p) => p.key !== key), failed]
      return
    }
    const s = sampler ?? detail.samplers[0] ?? 'onestep'
    const k = steps ?? detail.defaultSteps
    const key = panelKey(runId, s, k, grid)
    if (panels.value.some((p) => p.key === key && !p.error)) return
    const panel: GalleryPanel = {
      key,
      runId,
      title: detail.name,
      objective: detail.objective,
      data: detail.data ?? null,
      sampler: s,
      steps: k,
      grid,
      loading: true,
      set: null,
      error: null,
      diagnostics: runDiagnostics(detail.extra),
      stored: storedMetrics(detail),
      nearest: null
    }
    panels.value = [...panels.value.filter((p) => p.key !== key), panel]
    // The slider before the end shows snapshots: the new panel's too.
    if (progress.value < 1) void loadSnapshots()
    // The reference is the first run's: panels answer in any order, and only that run's may load it.
    heldoutRun.value ??= runId
    if (heldoutRun.value === runId && !heldout.value) await loadHeldout(detail)
    try {
      const set = await api.runs.samples({
        runId,
        sampler: s,
        steps: k,
        ...grid,
        // Image runs show their stored metrics instead (see `stored`): no scoring of 64 images.
        metrics: !isImageRun(detail),
        ...sampleSize(detail)
      })
      patch(key, { loading: false, set: Object.freeze(set) })
    } catch (e) {
      patch(key, { loading: false, error: errorMessage(e) })
    }
  }

  /**
   * The data a panel's run was trained on where it is not the reference's (its samples and metrics then do not
   * compare like-for-like with the reference panel's data), else null — also while either is unknown.
   */
  function otherData(panel: GalleryPanel): RunDataInfo | null {
    const ref = reference.value?.data
    if (!ref || !panel.data || panel.runId === reference.value?.runId) return null
    return sameRunData(ref, panel.data) ? null : panel.data
  }

  /** Replaces the gallery with one panel per run (default sampler each) and the first run's held-out data. */
  async function compare(runIds: string[]): Promise<void> {
    clear()
    heldoutRun.value = runIds[0] ?? null
    await Promise.all(runIds.map((id) => addPanel(id)))
  }

  /** Moves the slider over training; loads the snapshots of every shown run that has none loaded yet. */
  async function setProgress(fraction: number): Promise<void> {
    progress.value = Math.min(1, Math.max(0, fraction))
    if (progress.value >= 1) return
    await loadSnapshots()
  }

  /** Loads the training snapshots of every shown run that has none loaded yet. */
  async function loadSnapshots(): Promise<void> {
    const unloaded = [...new Set(panels.value.map((p) => p.runId))].filter((id) => !snapshots.value.has(id))
    await Promise.all(
      unloaded.map(async (id) => {
        let entry: RunSnapshots | { error: string }
        try {
          entry = Object.freeze(await api.runs.snapshots(id))
        } catch (e) {
          entry = { error: errorMessage(e) }
        }
        snapshots.value = new Map(snapshots.value).set(id, entry)
      })
    )
  }

  /** What a panel shows at the slider's position: its snapshot, or null (the trained model's samples). */
  function panelSnapshot(
    panel: GalleryPanel
  ): { step: number; steps: number; points: number[]; dim: number } | { error: string } | null {
    if (progress.value >= 1) return null
    const s = snapshots.value.get(panel.runId)
    if (!s) return null
    if ('error' in s) return s
    const snap = snapshotAt(s, progress.value)
    if (!snap) return { error: 'This run kept no training snapshots (trained before they were recorded).' }
    return { ...snap, steps: s.steps }
  }

  /** Shows a panel's image `index` (its `pixels`, data units) beside its nearest training image. */
  async function pickImage(key: string, index: number, pixels: number[], step: number | null): Promise<void> {
    const panel = panels.value.find((p) => p.key === key)
    if (!panel) return
    const pick: NearestPick = { index, pixels, step, loading: true, result: null, error: null }
    patch(key, { nearest: pick })
    let change: Partial<NearestPick>
    try {
      change = { result: Object.freeze(await api.runs.nearest({ runId: panel.runId, pixels })) }
    } catch (e) {
      change = { error: errorMessage(e) }
    }
    // A later click (or a close) wins over this answer.
    if (panels.value.find((p) => p.key === key)?.nearest?.pixels !== pixels) return
    patch(key, { nearest: { ...pick, ...change, loading: false } })
  }

  function closeNearest(key: string): void {
    patch(key, { nearest: null })
  }

  function removePanel(key: string): void {
    panels.value = panels.value.filter((p) => p.key !== key)
  }

  function clear(): void {
    panels.value = []
    progress.value = 1
    heldout.value = null
    heldoutError.value = null
    heldoutRun.value = null
    reference.value = null
    missing.value = []
  }

  /**
   * Drops the panels of runs that no longer exist (deleted in the Runs view, by `pfm runs rm` or in another
   * window); those that never loaded — a link naming a deleted run — leave their run in `missing`.
   */
  function dropDeleted(): void {
    const gone = panels.value.filter((p) => runs.gone(p.runId))
    if (gone.length === 0) return
    const failed = gone.filter((p) => p.error).map((p) => p.runId)
    missing.value = [...new Set([...missing.value, ...failed])]
    panels.value = panels.value.filter((p) => !runs.gone(p.runId))
    const kept = new Map(snapshots.value)
    for (const p of gone) kept.delete(p.runId)
    snapshots.value = kept
    if (panels.value.length === 0) {
      progress.value = 1
      heldout.value = null
      heldoutError.value = null
      heldoutRun.value = null
      reference.value = null
    } else if (heldoutRun.value !== null && runs.gone(heldoutRun.value)) {
      // the reference was the deleted run's: the first remaining panel's run gives it now
      const next = panels.value[0]!.runId
      heldout.value = null
      reference.value = null
      heldoutRun.value = next
      void runs.detail(next).then(loadHeldout, () => undefined)
    }
  }
  watch(() => panels.value.some((p) => runs.gone(p.runId)), dropDeleted)

  function dismissMissing(): void {
    missing.value = []
  }

  return {
    panels,
    heldout,
    heldoutIsSplit,
    heldoutError,
    heldoutRun,
    reference,
    n,
    progress,
    snapshots,
    missing,
    bounds,
    columnNames,
    addPanel,
    compare,
    otherData,
    setProgress,
    panelSnapshot,
    pickImage,
    closeNearest,
    removePanel,
    clear,
    dismissMissing
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useGalleryStore, import.meta.hot))
