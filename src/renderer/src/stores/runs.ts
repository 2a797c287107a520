import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RunDetail, RunSummaryInfo } from '../../../shared/api'
import { api, errorMessage, onEvent } from '../api'

/** Does the run match a search query (every word in its name, id, objective, dataset, status or backend)? */
export function matchesQuery(run: RunSummaryInfo, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return true
  const hay = [run.name, run.id, run.objective, run.dataset, run.status, run.backend ?? '']
    .join(' ')
    .toLowerCase()
  return words.every((w) => hay.includes(w))
}

/** Stored runs: the list (kept fresh by `runs:changed`), search, the checked set, details, rename, delete. */
export const useRunsStore = defineStore('runs', () => {
  const runs = shallowRef<RunSummaryInfo[]>([])
  const problems = shallowRef<{ id: string; reason: string }[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const query = ref('')
  const checked = ref<string[]>([])
  /** True once the list has been read: a run it lacks from then on no longer exists. */
  const loaded = ref(false)
  const details = new Map<string, RunDetail>()
  let unsubscribe: (() => void) | null = null

  const filtered = computed(() => runs.value.filter((r) => matchesQuery(r, query.value)))
  /** Runs with weights to sample from (finished, or stopped with a checkpoint). */
  const usable = computed(() =>
    runs.value.filter((r) => r.status !== 'running' && (r.stepsDone ?? r.checkpointStep ?? 0) > 0)
  )
  /** The ids the host knows: listed runs and unreadable run folders. */
  const known = computed(() => new Set([...runs.value.map((r) => r.id), ...problems.value.map((p) => p.id)]))

  function subscribe(): void {
    if (unsubscribe) return
    unsubscribe = onEvent('runs:changed', ({ id }) => {
      details.delete(id)
      void load()
    })
  }

  async function load(): Promise<void> {
    subscribe()
    loading.value = true
    error.value = null
    try {
      const res = await api.runs.list()
      runs.value = [...res.runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      problems.value = res.problems
      loaded.value = true
      const ids = new Set(runs.value.map((r) => r.id))
      checked.value = checked.value.filter((id) => ids.has(id))
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** A run's detail (config, log, samplers), cached until the run changes. */
  async function detail(id: string): Promise<RunDetail> {
    const cached = details.get(id)
    if (cached && cached.status !== 'running') return cached
    const d = await api.runs.get(id)
    details.set(id, d)
    return d
  }

  async function rename(id: string, name: string): Promise<void> {
    await api.runs.rename(id, name)
    details.delete(id)
    runs.value = runs.value.map((r) => (r.id === id ? { ...r, name } : r))
  }

  /** Queues a job that continues a stopped run from its checkpoint (`training.resume`). */
  async function resume(id: string): Promise<void> {
    await api.training.resume(id)
    details.delete(id)
  }

  async function remove(ids: string[]): Promise<void> {
    for (const id of ids) {
      await api.runs.remove(id)
      details.delete(id)
    }
    const gone = new Set(ids)
    runs.value = runs.value.filter((r) => !gone.has(r.id))
    checked.value = checked.value.filter((id) => !gone.has(id))
  }

  function setChecked(ids: string[]): void {
    checked.value = ids
  }

  function byId(id: string): RunSummaryInfo | undefined {
    return runs.value.find((r) => r.id === id)
  }

  /**
   * True when the run no longer exists: the list (refreshed after every delete, here, by `pfm runs rm` or in
   * another window) has been read and lacks it. False while the list has not loaded yet.
   */
  function gone(id: string): boolean {
    return loaded.value && !known.value.has(id)
  }

  return {
    runs,
    problems,
    loading,
    error,
    query,
    checked,
    loaded,
    filtered,
    usable,
    load,
    detail,
    rename,
    resume,
    remove,
    setChecked,
    byId,
    gone
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunsStore, import.meta.hot))
