// Worker bootstrap when the engine runs from its TypeScript sources (tsx CLI, vitest): module hooks are
// per thread, so register tsx here, then load the worker given in workerData.entry.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
