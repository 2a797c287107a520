import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { EngineInfo, ObjectiveFamily } from '../../../shared/api'
import { api } from '../api'

/** Display order and names of the objective families. */
export const FAMILIES: { id: ObjectiveFamily; title: string }[] = [
  { id: 'statistics', title: 'Statistics matching' },
  { id: 'density', title: 'Density' },
  { id: 'flows', title: 'Flows' }
]

/** What the engine offers: its version, backend, objectives and built-in datasets. */
export const useEngineStore = defineStore('engine', () => {
  const info = ref<EngineInfo | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

  /** Objectives grouped by family, in {@link FAMILIES} order; empty families left out. */
  const families = computed(() =>
    FAMILIES.map((family) => ({
      ...family,
      objectives: (info.value?.objectives ?? []).filter((o) => o.family === family.id)
    })).filter((family) => family.objectives.length > 0)
  )

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      info.value = await api.engine.info()
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      loading.value = false
    }
  }

  return { info, error, loading, families, load }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useEngineStore, import.meta.hot))
