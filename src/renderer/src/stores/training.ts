import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DatasetPreview, DemoRequest, JobInfo, TrainRequest } from '../../../shared/api'
import { api, errorMessage, onEvent } from '../api'
import { useDatasetsStore } from './datasets'
import { datasetIdOfRun } from './gallery'
import { useRunsStore } from './runs'

/** Jobs that can still change. */
export function isActive(job: JobInfo): boolean {
  return job.status === 'queued' || job.status === 'running'
}

/** Newest first. */
function byCreated(a: JobInfo, b: JobInfo): number {
  return b.createdAt.localeCompare(a.createdAt)
}

/** The jobs this queue shows: trainings, and the demo (three trainings and a benchmark in one job). */
const QUEUED_HERE: readonly JobInfo['kind'][] = ['train', 'demo']

/**
 * The training job queue (benchmark jobs live in the bench store), kept live by the host's `jobs:update` events. Jobs carry curves and sample snapshots, so the
 * list is a shallowRef replaced on every update (no deep proxies over thousands of numbers).
 */
export const useTrainingStore = defineStore('training', () => {
  const jobs = shallowRef<JobInfo[]>([])
  const selectedId = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let unsubscribe: (() => void) | null = null
  /** The training data of the selected job's run, drawn under its sample snapshots. */
  const reference = shallowRef<{ runId: string; preview: DatasetPreview } | null>(null)

  const selected = computed(() => jobs.value.find((j) => j.id === selectedId.value) ?? jobs.value[0] ?? null)
  const activeCount = computed(() => jobs.value.filter(isActive).length)
  /** The backend the latest job reported (the host loads one lazily). */
  const lastBackend = computed(() => jobs.value.find((j) => j.backend)?.backend ?? null)
  /** The step each active training job has reached, by its run's id (the Runs list's running rows show it). */
  const liveSteps = computed(
    () =>
      new Map(
        jobs.value.flatMap((j) =>
          j.kind === 'train' && isActive(j) && j.runId ? [[j.runId, j.step] as const] : []
        )
      )
  )

  /** Inserts or replaces a training job (events may arrive before or after `start` resolves). */
  function upsert(job: JobInfo): void {
    if (!QUEUED_HERE.includes(job.kind)) return
    const i = jobs.value.findIndex((j) => j.id === job.id)
    const next = jobs.value.slice()
    if (i >= 0) next[i] = job
    else next.push(job)
    jobs.value = next.sort(byCreated)
  }

  function subscribe(): void {
    if (unsubscribe) return
    unsubscribe = onEvent('jobs:update', upsert)
  }

  function unsubscribeAll(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  async function load(): Promise<void> {
    subscribe()
    loading.value = true
    error.value = null
    try {
      const list = await api.training.jobs()
      // Keep anything an event delivered meanwhile that the list does not know yet.
      const trainJobs = list.filter((j) => QUEUED_HERE.includes(j.kind))
      const known = new Set(trainJobs.map((j) => j.id))
      jobs.value = [...trainJobs, ...jobs.value.filter((j) => !known.has(j.id))].sort(byCreated)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  async function start(req: TrainRequest): Promise<JobInfo> {
    subscribe()
    const job = await api.training.start(req)
    // An update event may already have brought a newer state of this job.
    if (!jobs.value.some((j) => j.id === job.id)) upsert(job)
    selectedId.value = job.id
    return job
  }

  /** Queues the demo (the empty queue's first action) and selects it. */
  async function startDemo(req: DemoRequest = {}): Promise<JobInfo> {
    subscribe()
    const job = await api.demo.start(req)
    if (!jobs.value.some((j) => j.id === job.id)) upsert(job)
    selectedId.value = job.id
    return job
  }

  async function cancel(id: string): Promise<void> {
    await api.training.cancel(id)
  }

  function select(id: string): void {
    selectedId.value = id
  }

  /**
   * Loads the dataset of a run as the snapshot's reference cloud; best effort (none when it is not found yet:
   * call again later, e.g. when the job's status changes).
   */
  async function loadReference(runId: string | null): Promise<void> {
    if (!runId) {
      reference.value = null
      return
    }
    if (reference.value?.runId === runId) return
    try {
      const datasets = useDatasetsStore()
      const detail = await useRunsStore().detail(runId)
      if (datasets.list.length === 0) await datasets.load()
      const id = datasetIdOfRun(detail, datasets.list)
      reference.value = id ? { runId, preview: await datasets.getPreview(id) } : null
    } catch {
      reference.value = null
    }
  }

  return {
    jobs,
    selectedId,
    loading,
    error,
    selected,
    activeCount,
    lastBackend,
    liveSteps,
    reference,
    loadReference,
    upsert,
    subscribe,
    unsubscribe: unsubscribeAll,
    load,
    start,
    startDemo,
    cancel,
    select
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTrainingStore, import.meta.hot))
