import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type {
  BenchRecordInfo,
  BenchReportInfo,
  BenchRequest,
  BenchSamplerId,
  ExecutionProviderChoice,
  JobInfo
} from '../../../shared/api'
import { DEFAULT_BENCH_GRID } from '../../../shared/samplers'
import { api, errorMessage, onEvent } from '../api'
import { reportBatches } from '../charts/bench'
import { downloadText, safeFileName } from '../util/download'
import { useRunsStore } from './runs'

/** The grid a new benchmark starts from: small enough to finish in about a minute on a laptop CPU. */
export const DEFAULT_FORM = {
  samplers: [...DEFAULT_BENCH_GRID.samplers] as BenchSamplerId[],
  steps: [...DEFAULT_BENCH_GRID.steps],
  batch: [...DEFAULT_BENCH_GRID.batch],
  repeats: 30,
  quality: true,
  separate: true,
  ep: 'cpu' as ExecutionProviderChoice
}

/** Parses a list of positive integers such as `1, 4, 16` (also `1 4 16`); a sentence on a bad entry. */
export function parseIntList(text: string, max: number): { values: number[] } | { error: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  if (parts.length === 0) return { error: 'give at least one number' }
  const values: number[] = []
  for (const p of parts) {
    const v = Number(p)
    if (!Number.isInteger(v) || v < 1 || v > max)
      return { error: `“${p}” is not a whole number from 1 to ${max}` }
    if (!values.includes(v)) values.push(v)
  }
  return { values: values.sort((a, b) => a - b) }
}

/**
 * Benchmarks: the form of a new one, its job (progress through `jobs:update`), the saved reports (kept fresh by
 * `bench:changed`) and the one on screen, with the batch size its charts show.
 */
export const useBenchStore = defineStore('bench', () => {
  const runs = ref<string[]>([])
  const samplers = ref<BenchSamplerId[]>([...DEFAULT_FORM.samplers])
  const stepsText = ref(DEFAULT_FORM.steps.join(', '))
  const batchText = ref(DEFAULT_FORM.batch.join(', '))
  const repeats = ref(DEFAULT_FORM.repeats)
  const quality = ref(DEFAULT_FORM.quality)
  const separate = ref(DEFAULT_FORM.separate)
  /** onnxruntime's execution provider the graphs are timed on. */
  const ep = ref<ExecutionProviderChoice>(DEFAULT_FORM.ep)
  // A deleted run leaves the form.
  const stored = useRunsStore()
  watch(
    () => runs.value.filter((id) => stored.gone(id)),
    (gone) => {
      if (gone.length > 0) runs.value = runs.value.filter((id) => !gone.includes(id))
    }
  )

  const records = shallowRef<BenchRecordInfo[]>([])
  const problems = shallowRef<{ id: string; reason: string }[]>([])
  const jobs = shallowRef<JobInfo[]>([])
  const report = shallowRef<BenchReportInfo | null>(null)
  const batch = ref<number | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  const starting = ref(false)
  /** The job this page started last: its report opens when it completes. */
  const watching = ref<string | null>(null)
  let unsubscribe: (() => void)[] = []

  const steps = computed(() => parseIntList(stepsText.value, 1000))
  const batches = computed(() => parseIntList(batchText.value, 65_536))
  /** What is wrong with the form, or null when it can start. */
  const formError = computed(() => {
    if (runs.value.length === 0) return 'Choose at least one finished run.'
    if (samplers.value.length === 0) return 'Choose at least one sampler.'
    if ('error' in steps.value) return `Steps: ${steps.value.error}.`
    if ('error' in batches.value) return `Batch sizes: ${batches.value.error}.`
    return null
  })
  const activeJob = computed(
    () =>
      jobs.value.find((j) => j.status === 'running') ?? jobs.value.find((j) => j.status === 'queued') ?? null
  )
  const lastJob = computed(() => jobs.value.find((j) => j.id === watching.value) ?? null)
  const reportBatchSizes = computed(() => (report.value ? reportBatches(report.value) : []))

  function upsertJob(job: JobInfo): void {
    if (job.kind !== 'bench') return
    const next = jobs.value.filter((j) => j.id !== job.id)
    next.push(job)
    jobs.value = next.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    if (job.id === watching.value && job.status === 'completed' && job.benchId) void open(job.benchId)
  }

  function subscribe(): void {
    if (unsubscribe.length > 0) return
    unsubscribe = [onEvent('jobs:update', upsertJob), onEvent('bench:changed', () => void loadList())]
  }

  async function loadList(): Promise<void> {
    try {
      const r = await api.bench.list()
      records.value = r.reports
      problems.value = r.problems
      if (report.value && !r.reports.some((x) => x.id === report.value!.id)) report.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** Loads the saved reports and the benchmark jobs the host knows; opens the newest report if none is open. */
  async function load(): Promise<void> {
    subscribe()
    loading.value = true
    error.value = null
    try {
      const [list, all] = await Promise.all([api.bench.list(), api.training.jobs()])
      records.value = list.reports
      problems.value = list.problems
      for (const j of all) upsertJob(j)
      if (!report.value && !opening.value && list.reports[0]) await open(list.reports[0].id)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** The request the form describes (null while it has an error). */
  function request(name?: string): BenchRequest | null {
    const s = steps.value
    const b = batches.value
    if (formError.value || 'error' in s || 'error' in b) return null
    return {
      runs: [...runs.value],
      samplers: [...samplers.value],
      steps: s.values,
      batch: b.values,
      repeats: repeats.value,
      quality: quality.value,
      separate: separate.value,
      ...(ep.value !== 'cpu' ? { ep: ep.value } : {}),
      ...(name ? { name } : {})
    }
  }

  async function start(name?: string): Promise<JobInfo | null> {
    const req = request(name)
    if (!req) {
      error.value = formError.value
      return null
    }
    subscribe()
    starting.value = true
    error.value = null
    try {
      const job = await api.bench.start(req)
      watching.value = job.id
      if (!jobs.value.some((j) => j.id === job.id)) upsertJob(job)
      return job
    } catch (e) {
      error.value = errorMessage(e)
      return null
    } finally {
      starting.value = false
    }
  }

  async function cancel(jobId: string): Promise<void> {
    try {
      await api.training.cancel(jobId)
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** The report being opened (so that `load` does not open the newest one over it). */
  const opening = ref<string | null>(null)
  /** Counts `open` calls: only the latest one shows its report. */
  let openSeq = 0

  /**
   * Opens a saved report; its charts show `preferBatch` when the report has it, else the current batch size
   * when it has that, else its largest.
   */
  async function open(id: string, preferBatch?: number): Promise<void> {
    const seq = ++openSeq
    opening.value = id
    try {
      const r = await api.bench.get(id)
      if (seq !== openSeq) return
      report.value = r
      const sizes = reportBatches(r)
      if (preferBatch !== undefined && sizes.includes(preferBatch)) batch.value = preferBatch
      else if (batch.value === null || !sizes.includes(batch.value))
        batch.value = sizes[sizes.length - 1] ?? null
    } catch (e) {
      if (seq === openSeq) error.value = errorMessage(e)
    } finally {
      if (seq === openSeq) opening.value = null
    }
  }

  async function remove(id: string): Promise<void> {
    try {
      await api.bench.remove(id)
      if (report.value?.id === id) report.value = null
      await loadList()
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** Pre-fills the form with runs (from the Runs view's compare). */
  function useRuns(ids: string[]): void {
    runs.value = [...ids]
  }

  function exportCsv(): void {
    const r = report.value
    if (r) downloadText(`${safeFileName(r.title, 'benchmark')}.csv`, r.csv, 'text/csv')
  }

  function exportJson(): void {
    const r = report.value
    if (!r) return
    const { csv: _csv, ...rest } = r
    downloadText(
      `${safeFileName(r.title, 'benchmark')}.json`,
      JSON.stringify(rest, null, 2) + '\n',
      'application/json'
    )
  }

  function unsubscribeAll(): void {
    unsubscribe.forEach((off) => off())
    unsubscribe = []
  }

  return {
    runs,
    samplers,
    stepsText,
    batchText,
    repeats,
    quality,
    separate,
    ep,
    records,
    problems,
    jobs,
    report,
    batch,
    error,
    loading,
    starting,
    watching,
    formError,
    activeJob,
    lastJob,
    reportBatchSizes,
    load,
    loadList,
    request,
    start,
    cancel,
    open,
    remove,
    useRuns,
    upsertJob,
    exportCsv,
    exportJson,
    subscribe,
    unsubscribe: unsubscribeAll
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useBenchStore, import.meta.hot))
