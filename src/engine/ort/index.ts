/**
 * Training on onnxruntime (`--backend onnxruntime`): the whole regression step of the §4 models — the
 * velocity regressions and distillation — as one onnxruntime graph (train-graph.ts, run by train-step.ts),
 * wrapped as a trainable model that the shared loop (train/train.ts) drives like any other
 * (regression-model.ts). Objectives without such a step train on TensorFlow.js; asking for onnxruntime for
 * them is a user error.
 */
import { ConfigError } from '../errors'
import { allObjectives } from '../objectives/registry'
import { hasCapability, type AnyObjective, type TrainableModel } from '../objectives/types'
import type { BackendChoice } from '../types'
import type { Arch } from '../models/nets'
import { ortThreads } from '../threads'
import {
  providerLabel,
  resolveProvider,
  type ExecutionProvider,
  type ProviderChoice
} from '../onnx/providers'
import { keepsStateOnDevice, loadOrt } from './train-step'
import { OrtRegressionModel, regressionAdapter } from './regression-model'

export { OrtTrainStep, keepsStateOnDevice, loadOrt, TFJS_ADAM, type OrtTrainOptions } from './train-step'
export {
  paramShapes,
  trainStepGraph,
  trainStepModel,
  type AdamConstants,
  type TrainGraphSpec
} from './train-graph'
export {
  OrtRegressionModel,
  readsLoss,
  regressionAdapter,
  type OrtModelOptions,
  type RegressionAdapter
} from './regression-model'

/**
 * True when the objective declares an onnxruntime training step (`capabilities.ortTrain`: its model is a
 * mean-squared-error regression of an MLP, `TrainableModel.regression()`).
 */
export function hasOrtStep(obj: Pick<AnyObjective, 'kind' | 'capabilities'>): boolean {
  return obj.kind === 'model' && hasCapability(obj, 'ortTrain')
}

/** The ids of the registered objectives with an onnxruntime training step, for messages. */
export function ortObjectiveIds(): string[] {
  return allObjectives()
    .filter(hasOrtStep)
    .map((o) => o.id)
}

/** Null when onnxruntime-node loads here, else why not (one line). */
export async function ortUnavailable(): Promise<string | null> {
  try {
    await loadOrt()
    return null
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e)
    return /Cannot find (module|package)/.test(msg) ? 'onnxruntime-node is not installed' : msg
  }
}

/** `--backend onnxruntime` for an objective without an onnxruntime step. */
export class OrtUnsupportedError extends ConfigError {
  constructor(objective: string) {
    super(
      `${objective} has no onnxruntime training step (--backend onnxruntime trains ${ortObjectiveIds().join(', ')}); ` +
        `use --backend auto or a TensorFlow.js backend.`
    )
  }
}

/** `--device` asks for a GPU provider: only onnxruntime's training step runs there. */
function wantsDevice(device: ProviderChoice | undefined): device is 'webgpu' | 'cuda' {
  return device === 'webgpu' || device === 'cuda'
}

/** The execution provider a run trains on: probed here; a provider that cannot run refuses in one line. */
export interface TrainDevice {
  provider: ExecutionProvider
  adapter: string | null
}

/**
 * Which engine trains a run: onnxruntime when asked for (an error if the objective has no such step or
 * onnxruntime-node does not load), or under `auto` for the objectives that have one where it loads (it is
 * 3–5× faster per step than tfjs-wasm: docs/benchmarks.md); TensorFlow.js otherwise. `device` is onnxruntime's
 * execution provider (absent or `cpu`: the CPU; `webgpu`/`cuda` need onnxruntime; `auto`: the first provider
 * that creates a session, for a run onnxruntime trains).
 */
export async function chooseTrainer(
  obj: Pick<AnyObjective, 'id' | 'kind' | 'capabilities'>,
  choice: BackendChoice,
  device?: ProviderChoice,
  arch: Arch = 'mlp'
): Promise<{ trainer: 'onnxruntime' | 'tfjs'; skipped?: string; device?: TrainDevice }> {
  if (arch !== 'mlp') {
    // onnxruntime's training step regresses MLPs; the conv architectures train on TensorFlow.js.
    if (choice === 'onnxruntime' || wantsDevice(device))
      throw new ConfigError(
        `arch ${arch} trains on TensorFlow.js; onnxruntime's training step (--backend onnxruntime, --device) regresses MLPs.`
      )
    return { trainer: 'tfjs' }
  }
  if (wantsDevice(device)) {
    if (choice !== 'auto' && choice !== 'onnxruntime')
      throw new ConfigError(
        `--device ${device} runs onnxruntime's training step, not TensorFlow.js's ${choice}; use --backend onnxruntime or auto.`
      )
    if (!hasOrtStep(obj))
      throw new ConfigError(
        `--device ${device}: ${obj.id} has no onnxruntime training step (GPU training covers ${ortObjectiveIds().join(', ')}).`
      )
  }
  const ortWanted = choice === 'onnxruntime' || wantsDevice(device)
  if (ortWanted) {
    if (!hasOrtStep(obj)) throw new OrtUnsupportedError(obj.id)
    const why = await ortUnavailable()
    if (why) throw new ConfigError(`Backend onnxruntime is not available here (${why}).`)
    return { trainer: 'onnxruntime', device: await trainDevice(device) }
  }
  if (choice !== 'auto' || !hasOrtStep(obj)) return { trainer: 'tfjs' }
  const why = await ortUnavailable()
  return why
    ? { trainer: 'tfjs', skipped: `onnxruntime: ${why}` }
    : { trainer: 'onnxruntime', device: await trainDevice(device) }
}

async function trainDevice(device: ProviderChoice | undefined): Promise<TrainDevice> {
  const r = await resolveProvider(await loadOrt(), device ?? 'cpu')
  return { provider: r.provider, adapter: r.adapter }
}

/** What a run stores as its backend: `onnxruntime`, or `onnxruntime on webgpu (NVIDIA H200)` on a GPU. */
export function ortBackendLabel(device: TrainDevice | undefined): string {
  return !device || device.provider === 'cpu' ? 'onnxruntime' : `onnxruntime on ${providerLabel(device)}`
}

/** Steps between loss read-backs where the weights stay on the device (the loop also reads at snapshots). */
export const DEVICE_LOSS_EVERY = 10

/** The onnxruntime-trained form of a freshly built model of an objective that `hasOrtStep`. */
export async function ortTrainable(
  model: TrainableModel,
  opts: { batch: number; threads?: number; provider?: ExecutionProvider }
): Promise<OrtRegressionModel> {
  if (!regressionAdapter(model))
    throw new ConfigError(`This ${model.toJSON().kind} model has no onnxruntime training step.`)
  const provider = opts.provider ?? 'cpu'
  return OrtRegressionModel.create(model, {
    batch: opts.batch,
    threads: opts.threads ?? ortThreads(),
    provider,
    lossEvery: keepsStateOnDevice(provider) ? DEVICE_LOSS_EVERY : 1
  })
}

export { ortThreads }
