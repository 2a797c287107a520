import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { Api, Events, InspectRequest, ObjectiveInfo } from '../../src/shared/api'
import type { TrainSettings } from '../../src/renderer/src/stores/objectives'
import {
  benchReport,
  DATASETS,
  detail,
  job,
  METRICS,
  mockApi,
  OBJECTIVES,
  preview,
  run,
  sampleSet
} from './fixtures'

/** The mocked api module: `m.api` is replaced before each test; events go through `m.emit`. */
const m = vi.hoisted(() => {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  return {
    api: {} as Record<string, unknown>,
    host: { kind: 'web' as 'electron' | 'web' | 'none' },
    uploads: [] as Blob[],
    listeners,
    emit: (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload))
  }
})

vi.mock('../../src/renderer/src/api', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/renderer/src/api')>()
  return {
    ...real,
    api: new Proxy({}, { get: (_t, domain: string) => m.api[domain] }),
    hostKind: () => m.host.kind,
    uploadFile: async (file: Blob) => {
      m.uploads.push(file)
      return { uploadId: 'a'.repeat(32), bytes: file.size }
    },
    onEvent: (event: string, listener: (p: unknown) => void) => {
      if (!m.listeners.has(event)) m.listeners.set(event, new Set())
      m.listeners.get(event)!.add(listener)
      return () => m.listeners.get(event)!.delete(listener)
    }
  }
})

const { ApiError } = await import('../../src/renderer/src/api')
const { useDatasetsStore } = await import('../../src/renderer/src/stores/datasets')
const {
  applicableParams,
  archChoices,
  budgetFor,
  buildTrainRequest,
  defaultValues,
  useObjectivesStore,
  validParam
} = await import('../../src/renderer/src/stores/objectives')
const { useTrainingStore } = await import('../../src/renderer/src/stores/training')
const { matchesQuery, useRunsStore } = await import('../../src/renderer/src/stores/runs')
const { datasetIdOfRun, snapshotAt, useGalleryStore } = await import('../../src/renderer/src/stores/gallery')
const { exportHolds, onnxFileName, useExportStore } = await import('../../src/renderer/src/stores/export')
const { useEngineStore } = await import('../../src/renderer/src/stores/engine')
const { parseIntList, useBenchStore } = await import('../../src/renderer/src/stores/bench')

let api: Api
function useApi(impl: Parameters<typeof mockApi>[0] = {}): Api {
  api = mockApi(impl)
  Object.assign(m.api, api)
  return api
}
function emit<E extends keyof Events>(event: E, payload: Events[E]): void {
  m.emit(event, payload)
}

beforeEach(() => {
  setActivePinia(createPinia())
  m.listeners.clear()
  m.host.kind = 'web'
  useApi()
})

describe('engine store', () => {
  it('groups objectives by family in the paper order and keeps the error sentence', async () => {
    const engine = useEngineStore()
    await engine.load()
    expect(engine.families.map((f) => f.id)).toEqual(['statistics', 'flows'])
    useApi({ engine: { info: () => Promise.reject(new ApiError({ code: 'INTERNAL', message: 'boom' })) } })
    await engine.load()
    expect(engine.error).toBe('boom')
  })
})

describe('datasets store', () => {
  it('lists the datasets and previews the first one', async () => {
    const ds = useDatasetsStore()
    await ds.load()
    expect(ds.list).toHaveLength(3)
    expect(ds.builtins.map((d) => d.id)).toEqual(['8gaussians', 'normal'])
    expect(ds.imported.map((d) => d.id)).toEqual(['file:points'])
    expect(ds.selectedId).toBe('8gaussians')
    expect(ds.preview?.info.id).toBe('8gaussians')
    expect(api.datasets.preview).toHaveBeenCalledWith('8gaussians', 2000)
  })

  it('caches previews by id', async () => {
    const ds = useDatasetsStore()
    await ds.load()
    await ds.select('normal')
    await ds.select('8gaussians')
    expect(api.datasets.preview).toHaveBeenCalledTimes(2)
    expect(ds.preview?.info.id).toBe('8gaussians')
  })

  it('uploads the file, imports it by upload id with columns and skipped rows, and selects the result', async () => {
    const ds = useDatasetsStore()
    await ds.load()
    const file = new Blob(['x,y\n1,2\n'])
    m.uploads.length = 0
    ds.setPending({ fileName: 'points.csv', file })
    expect(ds.options.name).toBe('points')
    ds.options.columns = ' 0-1 '
    ds.options.skipRows = 2
    const info = await ds.importPending()
    expect(m.uploads).toEqual([file])
    expect(api.datasets.import).toHaveBeenCalledWith({
      fileName: 'points.csv',
      uploadId: 'a'.repeat(32),
      name: 'points',
      columns: '0-1',
      skipRows: 2
    })
    expect(info?.id).toBe('file:points')
    expect(ds.pending).toBeNull()
    expect(ds.selectedId).toBe('file:points')
    expect(ds.importError).toBeNull()
  })

  it('sends a path for a file chosen in the native dialog', async () => {
    m.host.kind = 'electron'
    useApi({
      dialogs: { openDataFile: async () => '/home/me/data/cloud.npy', saveOnnxFile: async () => null }
    })
    const ds = useDatasetsStore()
    expect(await ds.chooseFile()).toBe(true)
    expect(ds.pending).toEqual({ fileName: 'cloud.npy', path: '/home/me/data/cloud.npy' })
    expect(ds.importRequest()).toEqual({ path: '/home/me/data/cloud.npy', name: 'cloud' })
  })

  it('inspects a chosen file from its first 64 KiB and takes the suggested settings on request', async () => {
    const inspection = {
      format: 'text' as const,
      lines: ['Title', 'a,b,class', '1,2,x'],
      delimiter: 'comma' as const,
      skipRows: 1,
      headerLine: 2,
      columns: [],
      columnsSpec: '0-1',
      notes: ['Line 1 is not part of the table'],
      noData: null
    }
    const inspect = vi.fn(async () => inspection)
    useApi({ datasets: { inspect } })
    const ds = useDatasetsStore()
    ds.setPending({ fileName: 'w.csv', file: new Blob(['x'.repeat(70_000)]) })
    await vi.waitFor(() => expect(ds.inspection).toEqual(inspection))
    expect(inspect).toHaveBeenCalledWith({ fileName: 'w.csv', head: 'x'.repeat(64 * 1024), truncated: true })
    expect([ds.options.skipRows, ds.options.columns]).toEqual([0, ''])
    ds.applySuggestion()
    expect([ds.options.skipRows, ds.options.columns]).toEqual([1, '0-1'])
    ds.setPending(null)
    expect(ds.inspection).toBeNull()
  })

  it('keeps the file and shows the engine sentence when the import fails', async () => {
    const message = 'bad.csv line 3, column 2: "abc" is not a number'
    useApi({ datasets: { import: () => Promise.reject(new ApiError({ code: 'DATA_FORMAT', message })) } })
    const ds = useDatasetsStore()
    ds.setPending({ fileName: 'bad.csv', file: new Blob(['a']) })
    expect(await ds.importPending()).toBeNull()
    expect(ds.importError).toEqual({ code: 'DATA_FORMAT', message })
    expect(ds.pending?.fileName).toBe('bad.csv')
    expect(ds.importing).toBe(false)
  })

  it('holds back Import when the inspection read the whole file and found no data row', async () => {
    const noData = 'header.csv: it has a header (line 1) but no data rows.'
    const inspection = {
      format: 'text' as const,
      lines: ['x,y'],
      delimiter: 'comma' as const,
      skipRows: 0,
      headerLine: 1,
      columns: [],
      columnsSpec: null,
      notes: [],
      noData
    }
    useApi({
      datasets: {
        inspect: vi.fn(async (req: InspectRequest) =>
          req.fileName === 'header.csv' ? inspection : { ...inspection, headerLine: null, noData: null }
        )
      }
    })
    const ds = useDatasetsStore()
    m.uploads.length = 0
    ds.setPending({ fileName: 'header.csv', file: new Blob(['x,y\n']) })
    expect(ds.importBlocked).toBeNull() // until the inspection answers
    await vi.waitFor(() => expect(ds.importBlocked).toBe(noData))
    expect(await ds.importPending()).toBeNull()
    expect(m.uploads).toEqual([])
    expect(api.datasets.import).not.toHaveBeenCalled()
    // another file: its own inspection decides
    ds.setPending({ fileName: 'ok.csv', file: new Blob(['1,2\n3,4\n5,6\n']) })
    expect(ds.importBlocked).toBeNull()
    await vi.waitFor(() => expect(ds.inspection?.headerLine).toBeNull())
    expect(ds.importBlocked).toBeNull()
    ds.setPending(null)
    expect(ds.importBlocked).toBeNull()
  })

  it('removes an imported dataset and falls back to the first one', async () => {
    const ds = useDatasetsStore()
    await ds.load()
    await ds.select('file:points')
    await ds.remove('file:points')
    expect(api.datasets.remove).toHaveBeenCalledWith('file:points')
    expect(ds.list.map((d) => d.id)).not.toContain('file:points')
    expect(ds.selectedId).toBe('8gaussians')
  })
})

/** Train-form settings: a quick run on `dataset` with the engine's network defaults, then `over`. */
function settingsOf(dataset: string, over: Partial<TrainSettings> = {}): TrainSettings {
  return {
    dataset,
    steps: 10,
    batch: 64,
    lr: 0.01,
    seed: 0,
    evalEvery: null,
    name: '',
    backend: null,
    model: { latentDim: null, width: null, depth: null, activation: null, base: null },
    ...over
  }
}

describe('objectives store', () => {
  const mmd = OBJECTIVES[1]!

  it('validates parameter values against their declarations', () => {
    const [bandwidths, scale, k, debiased] = mmd.params
    expect(validParam(bandwidths!, 'median')).toBe(true)
    expect(validParam(bandwidths!, 'other')).toBe(false)
    expect(validParam(scale!, 0.5)).toBe(true)
    expect(validParam(scale!, 20)).toBe(false)
    expect(validParam(k!, 2.5)).toBe(false)
    expect(validParam(debiased!, false)).toBe(true)
    expect(defaultValues(mmd.params)).toEqual({ bandwidths: 'median', scale: 1, k: 4, debiased: true })
  })

  it('sends only changed parameters and only the network settings that were set', () => {
    const req = buildTrainRequest(
      mmd,
      { bandwidths: 'median', scale: 2, k: 4, debiased: false },
      {
        dataset: 'moons',
        steps: 10,
        batch: 64,
        lr: 0.01,
        seed: 3,
        evalEvery: null,
        name: '  quick  ',
        backend: null,
        model: { latentDim: null, width: 32, depth: null, activation: null, base: null }
      }
    )
    expect(req).toEqual({
      dataset: 'moons',
      objective: 'mmd',
      steps: 10,
      batch: 64,
      lr: 0.01,
      seed: 3,
      params: { scale: 2, debiased: false },
      model: { width: 32 },
      name: 'quick'
    })
  })

  it('leaves out a parameter that applies only under another value: form, validity and request', () => {
    const o: ObjectiveInfo = {
      ...mmd,
      id: 'cfm-like',
      params: [
        { name: 'time', type: 'enum', default: 'uniform', options: ['uniform', 'logit-normal'], help: '' },
        {
          name: 'timeStd',
          type: 'float',
          default: 1,
          min: 0.1,
          max: 3,
          help: '',
          when: { param: 'time', equals: 'logit-normal' }
        }
      ]
    }
    const names = (v: Record<string, string | number>): string[] =>
      applicableParams(o.params, v).map((p) => p.name)
    expect(names({})).toEqual(['time'])
    expect(names({ time: 'logit-normal' })).toEqual(['time', 'timeStd'])
    const settings = settingsOf('moons')
    // a changed (even invalid) value under the other time is not sent
    expect(buildTrainRequest(o, { time: 'uniform', timeStd: 99 }, settings)).not.toHaveProperty('params')
    expect(buildTrainRequest(o, { time: 'logit-normal', timeStd: 0.5 }, settings).params).toEqual({
      time: 'logit-normal',
      timeStd: 0.5
    })
  })

  it('sends a chosen compute backend, and none for auto', () => {
    const settings = settingsOf('moons', { seed: 3, backend: 'wasm' })
    expect(buildTrainRequest(mmd, {}, settings).backend).toBe('wasm')
    expect(buildTrainRequest(mmd, {}, { ...settings, backend: 'auto' })).not.toHaveProperty('backend')
    expect(buildTrainRequest(mmd, {}, { ...settings, backend: null })).not.toHaveProperty('backend')
    // The device goes to the request only when it is not the CPU.
    expect(buildTrainRequest(mmd, {}, { ...settings, device: 'webgpu' }).device).toBe('webgpu')
    expect(buildTrainRequest(mmd, {}, { ...settings, device: 'cpu' })).not.toHaveProperty('device')
  })

  it('offers the conv networks only on image data, and sends arch and channels only where offered', () => {
    const cfm = OBJECTIVES[2]!
    const image = { image: { shape: [14, 14], range: [0, 1] } }
    expect(archChoices(cfm, image)).toEqual(['mlp', 'unet'])
    expect(archChoices(mmd, image)).toEqual(['mlp', 'conv'])
    expect(archChoices(cfm, DATASETS[0])).toEqual(['mlp'])
    expect(archChoices(cfm, null)).toEqual(['mlp'])
    const settings = settingsOf('mnist14', {
      model: {
        latentDim: null,
        width: null,
        depth: null,
        activation: null,
        base: null,
        arch: 'unet',
        channels: 8
      }
    })
    expect(buildTrainRequest(cfm, {}, settings, image).model).toEqual({ arch: 'unet', channels: 8 })
    // Not offered (a table, or a map objective that builds a conv generator, not a U-Net): not sent.
    expect(buildTrainRequest(cfm, {}, settings, DATASETS[0])).not.toHaveProperty('model')
    expect(buildTrainRequest(mmd, {}, settings, image)).not.toHaveProperty('model')
    // The MLP is the default: neither it nor channels (a conv setting) go to the request.
    const mlp = { ...settings, model: { ...settings.model, arch: 'mlp' as const } }
    expect(buildTrainRequest(cfm, {}, mlp, image)).not.toHaveProperty('model')
  })

  it('the store offers a U-Net for cfm on an image set and falls back to the MLP elsewhere', async () => {
    const mnist = { id: 'mnist14', kind: 'builtin' as const, title: 'MNIST 14×14', rows: 10, dim: 196 }
    const image = { ...mnist, image: { shape: [14, 14], range: [0, 1] as [number, number] } }
    useApi({ datasets: { list: async () => [...DATASETS, image] } })
    const ds = useDatasetsStore()
    await ds.load()
    const obj = useObjectivesStore()
    await obj.load()
    obj.select('cfm')
    expect(obj.budget).toEqual(OBJECTIVES[2]!.defaults)
    obj.settings.dataset = 'mnist14'
    // the form's network placeholders read the image budget's network on images
    expect(obj.budget?.model).toEqual({ width: 1024 })
    expect(obj.archOptions).toEqual(['mlp', 'unet'])
    expect(obj.arch).toBe('mlp')
    obj.settings.model.arch = 'unet'
    expect(obj.arch).toBe('unet')
    obj.settings.dataset = '8gaussians'
    expect([obj.archOptions, obj.arch]).toEqual([['mlp'], 'mlp'])
    obj.settings.dataset = 'mnist14'
    await obj.train()
    expect(vi.mocked(api.training.start).mock.calls.at(-1)![0].model).toEqual({ arch: 'unet' })
    obj.select('energy')
    expect([obj.archOptions, obj.arch]).toEqual([['mlp', 'conv'], 'mlp'])
    await obj.train()
    expect(vi.mocked(api.training.start).mock.calls.at(-1)![0]).not.toHaveProperty('model')
  })

  it('follows the image budget on image data: steps, batch, rate and parameters, and sends only departures', async () => {
    const cfm = OBJECTIVES[2]!
    const image = { image: { shape: [14, 14], range: [0, 1] as [number, number] } }
    expect(budgetFor(cfm, image)).toBe(cfm.imageDefaults)
    expect(budgetFor(cfm, DATASETS[0])).toBe(cfm.defaults)
    expect(budgetFor(mmd, image)).toBe(mmd.defaults)
    expect(defaultValues(cfm.params, cfm.imageDefaults)).toEqual({ predict: 'data' })
    const settings = settingsOf('mnist14')
    // the image budget's own value is the engine's default there: not sent; the toy default is a departure
    expect(buildTrainRequest(cfm, { predict: 'data' }, settings, image)).not.toHaveProperty('params')
    expect(buildTrainRequest(cfm, { predict: 'velocity' }, settings, image).params).toEqual({
      predict: 'velocity'
    })
    expect(buildTrainRequest(cfm, { predict: 'velocity' }, settings, DATASETS[0])).not.toHaveProperty(
      'params'
    )

    const mnist = {
      id: 'mnist14',
      kind: 'builtin' as const,
      title: 'MNIST 14×14',
      rows: 10,
      dim: 196,
      ...image
    }
    useApi({ datasets: { list: async () => [...DATASETS, mnist] } })
    await useDatasetsStore().load()
    const obj = useObjectivesStore()
    await obj.load()
    obj.select('cfm')
    expect([obj.settings.steps, obj.settings.batch, obj.settings.lr]).toEqual([3000, 256, 0.001])
    expect(obj.selectedValues).toEqual({ predict: 'velocity' })
    obj.settings.dataset = 'mnist14'
    await nextTick()
    expect([obj.settings.steps, obj.settings.batch, obj.settings.lr]).toEqual([4000, 128, 0.0005])
    expect(obj.selectedValues).toEqual({ predict: 'data' })
    // the form marks departures from the budget's default, not from the parameter's own
    expect(obj.selectedParams.map((p) => [p.name, p.default])).toEqual([['predict', 'data']])
    await obj.train()
    const req = vi.mocked(api.training.start).mock.calls.at(-1)![0]
    expect([req.steps, req.batch, req.lr, req.params]).toEqual([4000, 128, 0.0005, undefined])
    obj.settings.dataset = '8gaussians'
    await nextTick()
    expect([obj.settings.steps, obj.selectedValues]).toEqual([3000, { predict: 'velocity' }])
  })

  it('lists the three families (empty ones too) and selects with the objective defaults', async () => {
    const obj = useObjectivesStore()
    await obj.load()
    expect(obj.families.map((f) => [f.id, f.objectives.length])).toEqual([
      ['statistics', 2],
      ['density', 0],
      ['flows', 1]
    ])
    expect(obj.selectedId).toBe('energy')
    obj.select('cfm')
    expect([obj.settings.steps, obj.settings.batch, obj.settings.lr]).toEqual([3000, 256, 0.001])
    obj.select('mmd')
    obj.setParam('scale', 50)
    expect(obj.invalidParams).toEqual(['scale'])
    obj.resetDefaults()
    expect(obj.invalidParams).toEqual([])
  })

  it('queues a job through the training store', async () => {
    const obj = useObjectivesStore()
    await obj.load()
    obj.settings.steps = 20
    const started = await obj.train()
    expect(started?.id).toBe('job-1')
    expect(api.training.start).toHaveBeenCalledWith(
      expect.objectContaining({ dataset: '8gaussians', objective: 'energy', steps: 20 })
    )
    const training = useTrainingStore()
    expect(training.jobs.map((j) => j.id)).toEqual(['job-1'])
    expect(training.selectedId).toBe('job-1')
  })

  it('starts one job for two clicks in the same instant, and does not name the next run after this one', async () => {
    const obj = useObjectivesStore()
    await obj.load()
    obj.settings.name = 'energy-moons-600'
    const [a, b] = await Promise.all([obj.train(), obj.train()])
    expect([a?.id, b]).toEqual(['job-1', null])
    expect(api.training.start).toHaveBeenCalledTimes(1)
    expect(api.training.start).toHaveBeenCalledWith(expect.objectContaining({ name: 'energy-moons-600' }))
    expect(obj.settings.name).toBe('')
  })

  it('shows why training did not start', async () => {
    useApi({
      training: {
        start: () => Promise.reject(new ApiError({ code: 'CONFIG', message: 'Unknown dataset "x".' }))
      }
    })
    const obj = useObjectivesStore()
    await obj.load()
    expect(await obj.train()).toBeNull()
    expect(obj.startError).toBe('Unknown dataset "x".')
  })
})

describe('training store', () => {
  it('keeps jobs live from jobs:update events, newest first', async () => {
    useApi({ training: { jobs: async () => [job()] } })
    const t = useTrainingStore()
    await t.load()
    expect(t.activeCount).toBe(1)
    emit('jobs:update', job({ step: 100, status: 'completed', etaMs: 0 }))
    expect(t.jobs).toHaveLength(1)
    expect(t.jobs[0]!.status).toBe('completed')
    expect(t.activeCount).toBe(0)
    emit('jobs:update', job({ id: 'job-2', createdAt: '2025-01-02T10:00:00.000Z' }))
    expect(t.jobs.map((j) => j.id)).toEqual(['job-2', 'job-1'])
    expect(t.lastBackend).toBe('wasm')
  })

  it('does not overwrite a newer event state with the start reply', async () => {
    const t = useTrainingStore()
    t.subscribe()
    useApi({
      training: {
        start: async () => {
          emit('jobs:update', job({ status: 'running', step: 5 }))
          return job({ status: 'queued', step: 0 })
        }
      }
    })
    await t.start({ dataset: '8gaussians', objective: 'energy' })
    expect(t.selected?.step).toBe(5)
  })

  it("loads the run's data as the snapshot reference, and tries again after a failure", async () => {
    let fail = true
    useApi({
      runs: {
        get: async () => {
          if (fail) throw new ApiError({ code: 'STORE', message: 'not yet' })
          return detail()
        }
      }
    })
    const t = useTrainingStore()
    await t.loadReference('run-1')
    expect(t.reference).toBeNull()
    fail = false
    await t.loadReference('run-1')
    expect(t.reference?.runId).toBe('run-1')
    expect(t.reference?.preview.info.id).toBe('8gaussians')
    await t.loadReference('run-1')
    expect(api.runs.get).toHaveBeenCalledTimes(2)
    await t.loadReference(null)
    expect(t.reference).toBeNull()
  })

  it('cancels through the api', async () => {
    const t = useTrainingStore()
    await t.cancel('job-1')
    expect(api.training.cancel).toHaveBeenCalledWith('job-1')
  })
})

describe('runs store', () => {
  it('searches every word in name, id, objective, dataset and status', () => {
    const r = run()
    expect(matchesQuery(r, '')).toBe(true)
    expect(matchesQuery(r, 'energy 8gauss')).toBe(true)
    expect(matchesQuery(r, 'ENERGY completed')).toBe(true)
    expect(matchesQuery(r, 'mmd')).toBe(false)
  })

  it('loads newest first, reloads on runs:changed, renames and deletes', async () => {
    let list = [
      run(),
      run({ id: 'run-2', name: 'mmd-moons', objective: 'mmd', createdAt: '2025-01-03T00:00:00Z' })
    ]
    useApi({
      runs: { list: async () => ({ runs: list, problems: [{ id: 'bad', reason: 'run.json is missing' }] }) }
    })
    const runs = useRunsStore()
    await runs.load()
    expect(runs.runs.map((r) => r.id)).toEqual(['run-2', 'run-1'])
    expect(runs.problems).toHaveLength(1)
    runs.query = 'mmd'
    expect(runs.filtered.map((r) => r.id)).toEqual(['run-2'])

    runs.setChecked(['run-1', 'run-2'])
    await runs.rename('run-1', 'better name')
    expect(api.runs.rename).toHaveBeenCalledWith('run-1', 'better name')
    expect(runs.byId('run-1')?.name).toBe('better name')

    await runs.remove(['run-2'])
    expect(runs.runs.map((r) => r.id)).toEqual(['run-1'])
    expect(runs.checked).toEqual(['run-1'])

    list = [run({ id: 'run-3', createdAt: '2025-01-04T00:00:00Z' }), run()]
    emit('runs:changed', { id: 'run-3' })
    await vi.waitFor(() => expect(runs.runs.map((r) => r.id)).toEqual(['run-3', 'run-1']))
  })
})

describe('runs store: stopped runs', () => {
  it('resumes a run through training.resume, and a crashed run with a checkpoint is usable', async () => {
    const crashed = run({
      id: 'run-c',
      status: 'crashed',
      stepsDone: null,
      checkpointStep: 40,
      resumable: true
    })
    const early = run({ id: 'run-e', status: 'crashed', stepsDone: null, checkpointStep: null })
    useApi({ runs: { list: async () => ({ runs: [crashed, early], problems: [] }) } })
    const runs = useRunsStore()
    await runs.load()
    expect(runs.usable.map((r) => r.id)).toEqual(['run-c'])
    await runs.resume('run-c')
    expect(api.training.resume).toHaveBeenCalledWith('run-c')
  })
})

describe('gallery store', () => {
  it('finds the dataset of a run by spec, file name or title', () => {
    expect(datasetIdOfRun(detail(), DATASETS)).toBe('8gaussians')
    expect(datasetIdOfRun(detail({ config: null, dataset: 'points' }), DATASETS)).toBe('file:points')
    expect(datasetIdOfRun(detail({ config: {}, dataset: 'Standard normal' }), DATASETS)).toBe('normal')
    const copy = { dataset: { spec: '/data/datasets/points.csv', name: 'points.csv' } }
    expect(datasetIdOfRun(detail({ config: copy, dataset: 'points.csv' }), DATASETS)).toBe('file:points')
    expect(datasetIdOfRun(detail({ config: {}, dataset: 'gone.csv' }), DATASETS)).toBeNull()
  })

  it('compares runs: held-out data plus one panel per run with metrics, on shared bounds', async () => {
    useApi({
      runs: {
        get: async (id: string) =>
          detail({
            id,
            name: id,
            samplers: id === 'run-2' ? ['euler', 'heun'] : ['onestep'],
            defaultSteps: 20
          }),
        samples: async (req) => sampleSet({ runId: req.runId, sampler: req.sampler, steps: req.steps })
      }
    })
    const g = useGalleryStore()
    await g.compare(['run-1', 'run-2'])
    expect(g.panels.map((p) => [p.runId, p.sampler, p.steps, p.loading])).toEqual([
      ['run-1', 'onestep', 20, false],
      ['run-2', 'euler', 20, false]
    ])
    expect(g.panels[0]!.set?.metrics).toEqual(METRICS)
    expect(api.runs.samples).toHaveBeenCalledWith({
      runId: 'run-2',
      sampler: 'euler',
      steps: 20,
      n: 2000,
      metrics: true
    })
    // no held-out rows from the host here: the dataset's preview sample, said to be one
    expect(g.heldout?.info.id).toBe('8gaussians')
    expect(g.heldoutIsSplit).toBe(false)
    expect(g.bounds).not.toBeNull()
    expect(g.bounds!.xMin).toBeLessThanOrEqual(-3)
    expect(g.bounds!.xMax).toBeGreaterThanOrEqual(3)

    await g.addPanel('run-2', 'heun', 5)
    expect(g.panels).toHaveLength(3)
    await g.addPanel('run-2', 'heun', 5)
    expect(g.panels).toHaveLength(3)
    g.removePanel(g.panels[2]!.key)
    expect(g.panels).toHaveLength(2)
  })

  it('takes the reference from the first run of a comparison, whichever run answers first', async () => {
    const rows = (id: string) => ({ ...preview(DATASETS[0]!), n: 1, points: [id === 'run-1' ? 1 : 2, 0] })
    const heldout = vi.fn(async (id: string) => rows(id))
    useApi({
      runs: {
        // the first run's detail comes last
        get: async (id: string) => {
          if (id === 'run-1') await new Promise((r) => setTimeout(r, 20))
          return detail({ id, name: id })
        },
        heldout
      }
    })
    const g = useGalleryStore()
    await g.compare(['run-1', 'run-2'])
    expect(heldout.mock.calls.map((c) => c[0])).toEqual(['run-1'])
    expect(g.heldout).toEqual(rows('run-1'))
  })

  it('shows the run’s own held-out rows as the reference when the host has them', async () => {
    const rows = { ...preview(DATASETS[0]!), n: 2, points: [0.5, 0.5, -1, 2] }
    useApi({ runs: { heldout: vi.fn(async () => rows) } })
    const g = useGalleryStore()
    await g.compare(['run-1'])
    expect(api.runs.heldout).toHaveBeenCalledWith('run-1', 2000)
    expect(g.heldout).toEqual(rows)
    expect(g.heldoutIsSplit).toBe(true)
  })

  it('shows a sampling failure on its panel', async () => {
    useApi({
      runs: {
        samples: () => Promise.reject(new ApiError({ code: 'STORE', message: 'Run "run-1" has no weights.' }))
      }
    })
    const g = useGalleryStore()
    await g.addPanel('run-1')
    expect(g.panels[0]).toMatchObject({ loading: false, set: null, error: 'Run "run-1" has no weights.' })
  })
})

describe('export store', () => {
  it('names the file after the run, the sampler and K (two K-step exports of one run differ)', () => {
    expect(onnxFileName({ name: 'energy on 8gaussians', id: 'r' }, 'onestep', 1)).toBe(
      'energy-on-8gaussians-onestep.onnx'
    )
    expect(onnxFileName({ name: '', id: 'r1' }, 'heun', 8)).toBe('r1-heun-K8.onnx')
    expect(exportHolds({ graph: 'sampler', sampler: 'heun', steps: 8, evaluations: 16 })).toBe(
      'the heun sampler, K = 8 (16 network evaluations per sample, fused)'
    )
    expect(onnxFileName({ name: '', id: 'r1' }, 'heun', 16)).not.toBe(
      onnxFileName({ name: '', id: 'r1' }, 'heun', 8)
    )
  })

  it('offers only the samplers of the run and exports to the web host without a path', async () => {
    useApi({ runs: { get: async () => detail({ samplers: ['euler', 'heun'], defaultSteps: 16 }) } })
    const ex = useExportStore()
    const chosen = ex.choose('run-1')
    expect(ex.loading).toBe(true) // while the run's details load (seconds for an MNIST-size run)
    await chosen
    expect(ex.loading).toBe(false)
    expect(ex.sampler).toBe('euler')
    expect(ex.steps).toBe(16)
    const report = await ex.exportOnnx()
    expect(api.export.onnx).toHaveBeenCalledWith({ runId: 'run-1', sampler: 'euler', steps: 16 })
    expect(report?.parity.n).toBe(256)
    expect(ex.report?.downloadUrl).toBe('/exports/run-1-onestep.onnx')
  })

  it("exports a flow's network alone when asked (no sampler or steps), named -velocity", async () => {
    useApi({
      runs: { get: async () => detail({ name: 'cfm ring', samplers: ['heun', 'euler'], defaultSteps: 100 }) }
    })
    const ex = useExportStore()
    await ex.choose('run-1')
    ex.graph = 'velocity'
    await ex.exportOnnx()
    expect(api.export.onnx).toHaveBeenCalledWith({ runId: 'run-1', graph: 'velocity' })
    expect(onnxFileName({ name: 'cfm ring', id: 'r' }, 'heun', 100, 'velocity')).toBe(
      'cfm-ring-velocity.onnx'
    )
    // Choosing another run goes back to the sampler.
    await ex.choose('run-2')
    expect(ex.graph).toBe('sampler')
  })

  it('asks for a path in the desktop app, and does nothing when the dialog is cancelled', async () => {
    m.host.kind = 'electron'
    let answer: string | null = '/home/me/model.onnx'
    useApi({ dialogs: { openDataFile: async () => null, saveOnnxFile: async () => answer } })
    const ex = useExportStore()
    await ex.choose('run-1')
    await ex.exportOnnx()
    expect(api.dialogs.saveOnnxFile).toHaveBeenCalledWith('energy-8gaussians-onestep.onnx')
    expect(api.export.onnx).toHaveBeenCalledWith({
      runId: 'run-1',
      sampler: 'onestep',
      path: '/home/me/model.onnx'
    })
    answer = null
    expect(await ex.exportOnnx()).toBeNull()
    expect(api.export.onnx).toHaveBeenCalledTimes(1)
  })

  it('shows the engine sentence when the export fails', async () => {
    useApi({
      export: {
        onnx: () =>
          Promise.reject(new ApiError({ code: 'ONNX_EXPORT', message: 'Parity failed: 0.3 > 1e-4.' }))
      }
    })
    const ex = useExportStore()
    await ex.choose('run-1')
    expect(await ex.exportOnnx()).toBeNull()
    expect(ex.error).toBe('Parity failed: 0.3 > 1e-4.')
    expect(ex.busy).toBe(false)
  })
})

describe('bench store', () => {
  it('parses K and batch lists, sorted and without repeats; a bad entry is named', () => {
    expect(parseIntList('16, 1 4;4', 100)).toEqual({ values: [1, 4, 16] })
    expect(parseIntList('1, 2.5', 100)).toEqual({ error: '“2.5” is not a whole number from 1 to 100' })
    expect(parseIntList('0', 100)).toMatchObject({ error: expect.stringContaining('“0”') })
    expect(parseIntList('101', 100)).toMatchObject({ error: expect.stringContaining('“101”') })
    expect(parseIntList(' , ', 100)).toEqual({ error: 'give at least one number' })
  })

  it('says what is missing before it starts, then sends the form as a request', async () => {
    const b = useBenchStore()
    expect(b.formError).toBe('Choose at least one finished run.')
    expect(await b.start()).toBeNull()
    expect(api.bench.start).not.toHaveBeenCalled()
    b.useRuns(['run-1', 'run-2'])
    b.stepsText = '1, x'
    expect(b.formError).toBe('Steps: “x” is not a whole number from 1 to 1000.')
    b.stepsText = '8 2'
    b.batchText = '1'
    b.samplers = ['onestep', 'heun']
    b.repeats = 10
    b.separate = false
    expect(b.formError).toBeNull()
    const started = await b.start('quick')
    expect(started).toMatchObject({ id: 'job-b1', kind: 'bench' })
    expect(api.bench.start).toHaveBeenCalledWith({
      runs: ['run-1', 'run-2'],
      samplers: ['onestep', 'heun'],
      steps: [2, 8],
      batch: [1],
      repeats: 10,
      quality: true,
      separate: false,
      name: 'quick'
    })
    expect(b.activeJob?.id).toBe('job-b1')
  })

  it('follows its job through jobs:update, ignores training jobs, and opens the report when it completes', async () => {
    const b = useBenchStore()
    b.useRuns(['run-1'])
    await b.start()
    emit('jobs:update', job({ id: 'job-t', kind: 'train' }))
    emit(
      'jobs:update',
      job({ id: 'job-b1', kind: 'bench', status: 'running', step: 3, steps: 10, phase: 'timing' })
    )
    expect(b.jobs.map((j) => j.id)).toEqual(['job-b1'])
    expect(b.activeJob).toMatchObject({ step: 3, steps: 10, phase: 'timing' })
    expect(b.report).toBeNull()
    emit('jobs:update', job({ id: 'job-b1', kind: 'bench', status: 'completed', benchId: 'job-b1' }))
    await vi.waitFor(() => expect(b.report?.id).toBe('job-b1'))
    expect(api.bench.get).toHaveBeenCalledWith('job-b1')
    // The charts show the largest batch size of the report.
    expect(b.reportBatchSizes).toEqual([1, 64])
    expect(b.batch).toBe(64)
  })

  it('the training store keeps benchmark jobs out of its queue', async () => {
    useApi({
      training: {
        start: async () => job(),
        cancel: async () => {},
        jobs: async () => [job(), job({ id: 'job-b', kind: 'bench' })]
      }
    })
    const t = useTrainingStore()
    await t.load()
    emit('jobs:update', job({ id: 'job-b2', kind: 'bench' }))
    expect(t.jobs.map((j) => j.id)).toEqual(['job-1'])
  })

  it('loads saved reports and opens the newest; removing the open one closes it; errors keep their sentence', async () => {
    const b = useBenchStore()
    await b.load()
    expect(b.records.map((r) => r.id)).toEqual(['job-b1'])
    expect(b.report).toMatchObject({ id: 'job-b1', table: benchReport().table })
    await b.remove('job-b1')
    expect(api.bench.remove).toHaveBeenCalledWith('job-b1')
    expect(b.report).toBeNull()
    useApi({
      bench: {
        start: () =>
          Promise.reject(new ApiError({ code: 'NOT_FOUND', message: 'There is no run "x" to benchmark.' })),
        list: async () => ({ reports: [], problems: [] }),
        get: async () => benchReport(),
        remove: async () => {}
      }
    })
    b.useRuns(['x'])
    expect(await b.start()).toBeNull()
    expect(b.error).toBe('There is no run "x" to benchmark.')
  })
})

describe('gallery slider over training', () => {
  const snaps = {
    runId: 'run-1',
    steps: 100,
    dim: 2,
    snapshots: [10, 50, 90].map((step) => ({ step, points: [step, step] }))
  }

  it('picks the snapshot nearest to the fraction of the budget', () => {
    expect(snapshotAt(snaps, 0.1)?.step).toBe(10)
    expect(snapshotAt(snaps, 0.3)?.step).toBe(10) // 30: as near to 10 as to 50 → the earlier
    expect(snapshotAt(snaps, 0.31)?.step).toBe(50)
    expect(snapshotAt(snaps, 0.8)?.step).toBe(90)
    expect(snapshotAt({ ...snaps, snapshots: [] }, 0.5)).toBeNull()
  })

  it('loads each run’s snapshots once when the slider leaves the end, and shows them on its panels', async () => {
    const g = useGalleryStore()
    await g.compare(['run-1'])
    const panel = g.panels[0]!
    expect(g.panelSnapshot(panel)).toBeNull()
    await g.setProgress(0.5)
    expect(api.runs.snapshots).toHaveBeenCalledTimes(1)
    expect(g.panelSnapshot(panel)).toEqual({ step: 50, steps: 100, points: [1, 1, 2, 2], dim: 2 })
    await g.setProgress(0.9)
    expect(api.runs.snapshots).toHaveBeenCalledTimes(1)
    expect(g.panelSnapshot(panel)).toMatchObject({ step: 90 })
    await g.setProgress(1)
    expect(g.panelSnapshot(panel)).toBeNull()
  })

  it('says so on the panel when a run has no snapshots or they cannot be read', async () => {
    useApi({
      runs: {
        ...mockApi().runs,
        snapshots: async () => ({ runId: 'run-1', steps: 100, dim: 2, snapshots: [] })
      }
    })
    const g = useGalleryStore()
    await g.compare(['run-1'])
    await g.setProgress(0.2)
    expect(g.panelSnapshot(g.panels[0]!)).toEqual({ error: expect.stringContaining('no training snapshots') })
    useApi({
      runs: {
        ...mockApi().runs,
        snapshots: () => Promise.reject(new ApiError({ code: 'STORE', message: 'Run "run-1": gone.' }))
      }
    })
    const g2 = useGalleryStore()
    g2.snapshots = new Map()
    await g2.setProgress(0.4)
    expect(g2.panelSnapshot(g2.panels[0]!)).toEqual({ error: 'Run "run-1": gone.' })
  })
})

describe('a deleted run', () => {
  /** Two stored runs; `remove` deletes from this list, as the host does. */
  function twoRuns(): { ids: () => string[] } {
    let list = [run(), run({ id: 'run-2', name: 'mmd-moons' })]
    useApi({
      runs: {
        list: async () => ({ runs: list, problems: [{ id: 'bad', reason: 'run.json is missing' }] }),
        get: async (id: string) => detail({ id, name: id }),
        samples: async (req) => sampleSet({ runId: req.runId }),
        remove: async (id: string) => {
          list = list.filter((r) => r.id !== id)
        }
      }
    })
    return { ids: () => list.map((r) => r.id) }
  }

  it('is gone once the list lacks it; nothing is gone before the list loads', async () => {
    twoRuns()
    const runs = useRunsStore()
    expect(runs.gone('run-2')).toBe(false)
    await runs.load()
    expect(['run-1', 'run-2', 'bad', 'other'].map((id) => runs.gone(id))).toEqual([false, false, false, true])
    await runs.remove(['run-2'])
    expect(runs.gone('run-2')).toBe(true)
  })

  it('leaves the Gallery: its panels go, the others stay; the slider returns to the end with none left', async () => {
    twoRuns()
    const runs = useRunsStore()
    await runs.load()
    const g = useGalleryStore()
    await g.compare(['run-1', 'run-2'])
    await g.addPanel('run-2', 'heun', 8)
    await g.setProgress(0.5)
    expect(g.panels.map((p) => p.runId)).toEqual(['run-1', 'run-2', 'run-2'])
    await runs.remove(['run-2'])
    await vi.waitFor(() => expect(g.panels.map((p) => p.runId)).toEqual(['run-1']))
    expect(g.snapshots.has('run-2')).toBe(false)
    // A run deleted while its panels were shown needs no notice: they are simply gone.
    expect(g.missing).toEqual([])
    expect(g.progress).toBe(0.5)
    await runs.remove(['run-1'])
    await vi.waitFor(() => expect(g.panels).toEqual([]))
    expect(g.progress).toBe(1)
    expect(g.heldout).toBeNull()
  })

  it('named by a link, leaves one notice in place of its failed panel, dismissable', async () => {
    useApi({
      runs: {
        get: async (id: string) => {
          if (id === 'old') throw new ApiError({ code: 'STORE', message: `No run "${id}" in /data/runs.` })
          return detail({ id })
        }
      }
    })
    const g = useGalleryStore()
    await g.addPanel('old', 'onestep', 1)
    await g.addPanel('old', 'heun', 8)
    await g.addPanel('run-1')
    // The list is not read yet: the failure shows on the panel as before.
    expect(g.panels.map((p) => p.runId)).toEqual(['old', 'old', 'run-1'])
    await useRunsStore().load()
    await vi.waitFor(() => expect(g.panels.map((p) => p.runId)).toEqual(['run-1']))
    expect(g.missing).toEqual(['old'])
    g.dismissMissing()
    expect(g.missing).toEqual([])
  })

  it('leaves the Export picker and the Benchmark form', async () => {
    twoRuns()
    const runs = useRunsStore()
    await runs.load()
    const ex = useExportStore()
    await ex.choose('run-2')
    expect(ex.detail?.id).toBe('run-2')
    const b = useBenchStore()
    b.useRuns(['run-1', 'run-2'])
    await runs.remove(['run-2'])
    await vi.waitFor(() => expect(ex.runId).toBeNull())
    expect(ex.detail).toBeNull()
    expect(await ex.exportOnnx()).toBeNull()
    expect(api.export.onnx).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(b.runs).toEqual(['run-1']))
  })
})

describe('gallery slider when panels change', () => {
  it('returns to the end when Compare replaces the panels, so the slider and the panels agree', async () => {
    const g = useGalleryStore()
    await g.compare(['run-1'])
    await g.setProgress(0.2)
    expect(g.panelSnapshot(g.panels[0]!)).toMatchObject({ step: 10 })
    await g.compare(['run-2'])
    expect(g.progress).toBe(1)
    expect(g.panelSnapshot(g.panels[0]!)).toBeNull()
  })

  it('shows an added panel at the slider’s position: its snapshots load with it', async () => {
    const g = useGalleryStore()
    await g.compare(['run-1'])
    await g.setProgress(0.2)
    await g.addPanel('run-2')
    await vi.waitFor(() => expect(g.snapshots.has('run-2')).toBe(true))
    expect(g.panelSnapshot(g.panels[1]!)).toMatchObject({ step: 10, steps: 100 })
  })
})

describe('training store: live steps', () => {
  it('gives the step of each active training job by run id', async () => {
    useApi({
      training: {
        jobs: async () => [
          job({ id: 'j1', runId: 'run-1', step: 485, steps: 3000 }),
          job({ id: 'j2', runId: 'run-2', status: 'completed', step: 100 }),
          job({ id: 'j3', runId: null, status: 'queued', step: 0 })
        ]
      }
    })
    const t = useTrainingStore()
    await t.load()
    expect([...t.liveSteps]).toEqual([['run-1', 485]])
    emit('jobs:update', job({ id: 'j1', runId: 'run-1', step: 600, steps: 3000 }))
    expect(t.liveSteps.get('run-1')).toBe(600)
  })
})
