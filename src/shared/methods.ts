/**
 * The contract's methods and events as values, for the sides that enumerate them at run time (the preload
 * bridge, the web host's HTTP bridge, the renderer's API). A method missing here, or one not in the contract,
 * is a compile error, so the three cannot drift apart. Plain data: no imports but types.
 */
import type { EventTable, MethodTable } from './api'

export const METHODS: MethodTable = {
  engine: { info: true },
  objectives: { list: true },
  datasets: { list: true, preview: true, import: true, inspect: true, remove: true },
  training: { start: true, cancel: true, jobs: true, resume: true },
  runs: {
    list: true,
    get: true,
    samples: true,
    snapshots: true,
    nearest: true,
    heldout: true,
    rename: true,
    remove: true
  },
  export: { onnx: true },
  bench: { start: true, list: true, get: true, remove: true },
  demo: { start: true },
  dialogs: { openDataFile: true, saveOnnxFile: true }
}

export const EVENTS: EventTable = { 'jobs:update': true, 'runs:changed': true, 'bench:changed': true }
