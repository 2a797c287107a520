import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import type {
  JobInfo,
  ObjectiveFamily,
  ObjectiveInfo,
  ExecutionProviderChoice,
  ParamInfo,
  TrainBackendChoice,
  TrainBudget,
  TrainRequest
} from '../../../shared/api'
import type { Arch } from '../../../shared/archs'
import { paramApplies } from '../../../shared/params'
import { api, errorMessage } from '../api'
import { useDatasetsStore } from './datasets'
import { useTrainingStore } from './training'

/** The paper's three families, in its order, with the section each comes from. */
export const FAMILY_INFO: { id: ObjectiveFamily; title: string; section: string; blurb: string }[] = [
  {
    id: 'statistics',
    title: 'Statistics matching',
    section: '§2',
    blurb: 'Match the action of φ#ν and μ₁ on test functions: MMD, energy, characteristic functions, OT.'
  },
  {
    id: 'density',
    title: 'Density',
    section: '§3',
    blurb: 'Work at the density level: likelihood, change of variables, variational bounds.'
  },
  {
    id: 'flows',
    title: 'Flows',
    section: '§4',
    blurb: 'Build the map from a probability flow μ₀ → μ₁: diffusion, flow matching, distillation.'
  }
]

export type ParamValue = number | string | boolean

/** The run settings next to the objective's own parameters. */
export interface TrainSettings {
  dataset: string | null
  steps: number
  batch: number
  lr: number
  seed: number
  /** Held-out evaluation period in steps; null: the engine's default. */
  evalEvery: number | null
  name: string
  /** Compute backend; null: `auto`. */
  backend: TrainBackendChoice | null
  /** onnxruntime's execution provider of the training step; null: the CPU. */
  device?: ExecutionProviderChoice | null
  /** Network settings; null: the engine's default. */
  model: {
    latentDim: number | null
    width: number | null
    depth: number | null
    activation: string | null
    base: 'normal' | 'uniform' | null
    /** Network architecture; null: the MLP. Sent only where {@link archChoices} offers it. */
    arch?: Arch | null
    /** Channels of the first level of a U-Net / conv generator; null: the engine's default. */
    channels?: number | null
  }
}

/**
 * The networks the Train form offers for an objective on a data set: the MLP, and on image data the conv ones
 * the objective declares (a U-Net for the velocity regressions, a conv generator for the one-step maps).
 */
export function archChoices(
  objective: Pick<ObjectiveInfo, 'archs'> | null,
  dataset: { image?: unknown } | null | undefined
): Arch[] {
  const archs = objective?.archs ?? ['mlp']
  return dataset?.image ? [...archs] : archs.filter((a) => a === 'mlp')
}

/** An objective's recommended budget on a data set: its image budget on image data, where it declares one. */
export function budgetFor(
  objective: Pick<ObjectiveInfo, 'defaults' | 'imageDefaults'>,
  dataset: { image?: unknown } | null | undefined
): TrainBudget {
  return (dataset?.image ? objective.imageDefaults : undefined) ?? objective.defaults
}

/** Default values of an objective's parameters: the budget's where it sets them, else the parameters' own. */
export function defaultValues(params: ParamInfo[], budget?: TrainBudget): Record<string, ParamValue> {
  return Object.fromEntries(params.map((p) => [p.name, budget?.params?.[p.name] ?? p.default]))
}

/**
 * The parameters that apply under `values` (a parameter declared `when` another has a value is left out
 * otherwise: the form hides it, the request leaves it out, and an invalid value there blocks nothing).
 */
export function applicableParams(params: ParamInfo[], values: Record<string, ParamValue>): ParamInfo[] {
  const byName = new Map(params.map((p) => [p.name, p]))
  return params.filter((p) => paramApplies(p.when, (name) => values[name] ?? byName.get(name)?.default))
}

/** Is `value` valid for `p` (a number within range, an offered option, …)? */
export function validParam(p: ParamInfo, value: unknown): boolean {
  switch (p.type) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= p.min && value <= p.max
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) && value >= p.min && value <= p.max
    case 'enum':
      return typeof value === 'string' && p.options.includes(value)
    case 'bool':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
  }
}

/**
 * The `TrainRequest` for an objective, its parameter values and the run settings. Only parameters that differ
 * from their defaults on the data set's budget are sent (the engine fills the rest, from the same budget),
 * which keeps stored configs readable.
 */
export function buildTrainRequest(
  objective: ObjectiveInfo,
  values: Record<string, ParamValue>,
  s: TrainSettings,
  dataset?: { image?: unknown } | null
): TrainRequest {
  if (!s.dataset) throw new Error('Choose a dataset to train on.')
  const params: Record<string, ParamValue> = {}
  const defaults = defaultValues(objective.params, budgetFor(objective, dataset))
  for (const p of applicableParams(objective.params, values)) {
    const v = values[p.name]
    if (v !== undefined && v !== defaults[p.name]) params[p.name] = v
  }
  const req: TrainRequest = {
    dataset: s.dataset,
    objective: objective.id,
    steps: s.steps,
    batch: s.batch,
    lr: s.lr,
    seed: s.seed
  }
  if (s.evalEvery !== null) req.evalEvery = s.evalEvery
  if (s.backend !== null && s.backend !== 'auto') req.backend = s.backend
  if (s.device && s.device !== 'cpu') req.device = s.device
  const model: NonNullable<TrainRequest['model']> = {}
  if (s.model.latentDim !== null) model.latentDim = s.model.latentDim
  if (s.model.width !== null) model.width = s.model.width
  if (s.model.depth !== null) model.depth = s.model.depth
  if (s.model.activation !== null) model.activation = s.model.activation
  if (s.model.base !== null) model.base = s.model.base
  const arch = s.model.arch ?? 'mlp'
  if (arch !== 'mlp' && archChoices(objective, dataset).includes(arch)) {
    model.arch = arch
    if (s.model.channels != null) model.channels = s.model.channels
  }
  if (Object.keys(model).length > 0) req.model = model
  if (Object.keys(params).length > 0) req.params = params
  if (s.name.trim()) req.name = s.name.trim()
  return req
}

/** The objective registry, the one being configured, its parameter values, and the Train action. */
export const useObjectivesStore = defineStore('objectives', () => {
  const list = ref<ObjectiveInfo[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const selectedId = ref<string | null>(null)
  /** Parameter values per objective id (kept when switching between objectives). */
  const values = reactive<Record<string, Record<string, ParamValue>>>({})
  const settings = reactive<TrainSettings>({
    dataset: '8gaussians',
    steps: 1500,
    batch: 512,
    lr: 0.002,
    seed: 0,
    evalEvery: null,
    name: '',
    backend: null,
    device: null,
    model: {
      latentDim: null,
      width: null,
      depth: null,
      activation: null,
      base: null,
      arch: null,
      channels: null
    }
  })
  const starting = ref(false)
  const startError = ref<string | null>(null)

  const families = computed(() =>
    FAMILY_INFO.map((f) => ({ ...f, objectives: list.value.filter((o) => o.family === f.id) }))
  )
  const selected = computed(() => list.value.find((o) => o.id === selectedId.value) ?? null)
  const selectedValues = computed(() => (selectedId.value ? (values[selectedId.value] ?? {}) : {}))
  /** The networks offered for the selected objective on the chosen data set (one: no choice to make). */
  const datasetInfo = computed(() => useDatasetsStore().list.find((d) => d.id === settings.dataset) ?? null)
  const archOptions = computed(() => archChoices(selected.value, datasetInfo.value))
  /** The selected objective's budget on the chosen data set (its image budget on images). */
  const budget = computed<TrainBudget | null>(() =>
    selected.value ? budgetFor(selected.value, datasetInfo.value) : null
  )
  /** The chosen network where it is offered, else the MLP. */
  const arch = computed<Arch>(() => {
    const a = settings.model.arch ?? 'mlp'
    return archOptions.value.includes(a) ? a : 'mlp'
  })
  /** The selected objective's parameters, their defaults those of its budget on the chosen data set. */
  const selectedParams = computed<ParamInfo[]>(() => {
    const o = selected.value
    if (!o) return []
    const b = budgetFor(o, datasetInfo.value)
    return applicableParams(o.params, selectedValues.value).map((p) => {
      const d = b.params?.[p.name]
      return d === undefined ? p : ({ ...p, default: d } as ParamInfo)
    })
  })
  const invalidParams = computed(() =>
    applicableParams(selected.value?.params ?? [], selectedValues.value)
      .filter((p) => !validParam(p, selectedValues.value[p.name]))
      .map((p) => p.name)
  )

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      list.value = await api.objectives.list()
      if (!selectedId.value && list.value.length > 0) select(list.value[0]!.id)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** Steps, batch and rate of the objective's budget on the chosen data set. */
  function applyBudget(o: ObjectiveInfo): TrainBudget {
    const b = budgetFor(o, datasetInfo.value)
    settings.steps = b.steps
    settings.batch = b.batch
    settings.lr = b.lr
    return b
  }

  /** Selects an objective: its parameters start at their defaults, steps/batch/lr at its recommended ones. */
  function select(id: string): void {
    const o = list.value.find((x) => x.id === id)
    if (!o) return
    selectedId.value = id
    const b = applyBudget(o)
    if (!values[id]) values[id] = defaultValues(o.params, b)
    startError.value = null
  }

  // Between toy and image data the budget changes (a wider network, a smaller rate, other parameters): the
  // form follows it, keeping the parameters neither budget sets.
  watch(
    () => Boolean(datasetInfo.value?.image),
    () => {
      const o = selected.value
      if (!o) return
      const b = applyBudget(o)
      const own = defaultValues(o.params, b)
      const v = values[o.id]
      if (!v) return
      for (const k of new Set([
        ...Object.keys(o.defaults.params ?? {}),
        ...Object.keys(o.imageDefaults?.params ?? {})
      ]))
        if (k in own) v[k] = own[k]!
    }
  )

  function setParam(name: string, value: ParamValue): void {
    if (selectedId.value) values[selectedId.value]![name] = value
  }

  function resetDefaults(): void {
    const o = selected.value
    if (!o) return
    values[o.id] = defaultValues(o.params, applyBudget(o))
  }

  /** Queues a training job for the selected objective on the chosen dataset. */
  async function train(): Promise<JobInfo | null> {
    const o = selected.value
    // one run per click: a second click while the first is being queued starts nothing
    if (!o || starting.value) return null
    starting.value = true
    startError.value = null
    try {
      const req = buildTrainRequest(o, values[o.id] ?? {}, settings, datasetInfo.value)
      const job = await useTrainingStore().start(req)
      settings.name = '' // a name is one run's: the next run is not named after this one
      return job
    } catch (e) {
      startError.value = errorMessage(e)
      return null
    } finally {
      starting.value = false
    }
  }

  return {
    list,
    loading,
    error,
    selectedId,
    values,
    settings,
    starting,
    startError,
    families,
    selected,
    selectedValues,
    selectedParams,
    archOptions,
    budget,
    arch,
    invalidParams,
    load,
    select,
    setParam,
    resetDefaults,
    train
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useObjectivesStore, import.meta.hot))
