import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'

/** The workbench's views, in navigation order. */
export type ViewId = 'datasets' | 'objectives' | 'training' | 'runs' | 'gallery' | 'export' | 'benchmark'

export const VIEWS: { id: ViewId; title: string; hint: string }[] = [
  { id: 'datasets', title: 'Datasets', hint: 'Built-in toys and imported files' },
  { id: 'objectives', title: 'Objectives', hint: 'The taxonomy; configure and train' },
  { id: 'training', title: 'Training', hint: 'Queue, live curves and snapshots' },
  { id: 'runs', title: 'Runs', hint: 'Stored runs: search, rename, compare' },
  { id: 'gallery', title: 'Gallery', hint: 'Samples side by side with held-out data' },
  { id: 'export', title: 'Export', hint: 'ONNX export with a parity check' },
  { id: 'benchmark', title: 'Benchmark', hint: 'One step vs K steps: latency, throughput, quality' }
]

/** Which view is shown; other stores switch it (e.g. "compare in Gallery"). */
export const useUiStore = defineStore('ui', () => {
  const view = ref<ViewId>('datasets')
  function show(id: ViewId): void {
    view.value = id
  }
  return { view, show }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useUiStore, import.meta.hot))
