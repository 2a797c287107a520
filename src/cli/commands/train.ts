/** `pfm train`: train a one-step map and store the run. */
import { resolveDataset } from '../../engine/data'
import { CancelledError, ConfigError } from '../../engine/errors'
import type { Activation } from '../../engine/models/mlp'
import { parseProviderChoice } from '../../engine/onnx/providers'
import { resumeRun } from '../../engine/train/resume'
import { makeRunConfig, trainRun, type TrainContext, type TrainResult } from '../../engine/train/train'
import type { BackendChoice, ImageMetrics, ImageReadOptions, Metrics } from '../../engine/types'
import {
  duration,
  fmt,
  num,
  openStore,
  Out,
  parse,
  parseSets,
  required,
  resolveRunId,
  str,
  table,
  withFlags
} from '../io'

export const usage = `pfm train --resume <runId> [--json]   (continue a crashed/cancelled/failed run from its checkpoint)
pfm train --data <builtin|file|folder> --objective <id> [--columns SEL] [--skip-rows N] [--n N]
          [--image-shape HxW[xC]] [--label-column COL] [--labels IDX1-FILE] [--resize HxW]
          [--steps N] [--batch B] [--lr X] [--seed S] [--set key=value …] [--latent-dim K] [--width W]
          [--depth L] [--activation silu|relu|tanh|gelu|leaky-relu] [--base normal|uniform]
          [--arch mlp|unet|conv] [--channels C]
          [--heldout F] [--eval-every N] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu|onnxruntime]
          [--device cpu|webgpu|cuda|auto] [--json]`

export function metricsJson(m: Metrics): Record<string, number | Record<string, number | string>> {
  return {
    ...(m.image ? { image: { ...m.image } } : {}),
    energy: m.energy,
    energyGaussian: m.energyGaussian,
    mmd: m.mmd,
    slicedW2: m.slicedW2,
    precision: m.precision,
    recall: m.recall,
    density: m.density,
    coverage: m.coverage,
    n: m.n,
    ...(m.modes !== undefined
      ? { modes: m.modes, modesCovered: m.modesCovered!, highQuality: m.highQuality! }
      : {})
  }
}

/** How the CLI names a run's extra figures (`extra`), and what each is; others print under their key. */
const EXTRA_ROWS: Record<string, [label: string, note: string]> = {
  transportCost: ['transport cost', "(E‖φ(z) − z‖² from fresh noise, standardised units; OT's objective)"],
  straightness: [
    'path straightness',
    '(deviation of the velocity from straight paths, 0 = straight; 32 Euler steps whatever the sampler)'
  ],
  nllNatsPerDim: ['NLL (nats / dim)', '(held-out, standardised units)'],
  elbo: ['ELBO (nats)', '(held-out, per point)'],
  iwae: ['IWAE bound (nats)', '(held-out, per point)']
}

/** The rows of a run's extra figures (`straightnessRound<r>`: reflow's rounds). */
function extraRows(extra: Record<string, number>): (string | number)[][] {
  return Object.entries(extra).map(([k, v]) => {
    const round = /^straightnessRound(\d+)$/.exec(k)
    if (round) return [`path straightness, round ${round[1]}`, v, '']
    const [label, note] = EXTRA_ROWS[k] ?? [k, '']
    return [label, v, note]
  })
}

export function metricsTable(m: Metrics, extra: Record<string, number> = {}): string {
  return table(
    [
      [
        'energy distance',
        m.energy,
        m.energyGaussian > 0
          ? `(Gaussian fit: ${fmt(m.energyGaussian)}, ratio ${fmt(m.energy / m.energyGaussian)})`
          : `(Gaussian fit: ${fmt(m.energyGaussian)}: within the estimate's noise of the data, so no ratio)`
      ],
      ['MMD²', m.mmd, ''],
      ['sliced W2²', m.slicedW2, ''],
      ['precision / recall', `${fmt(m.precision)} / ${fmt(m.recall)}`, ''],
      ['density / coverage', `${fmt(m.density)} / ${fmt(m.coverage)}`, ''],
      ...(m.modes !== undefined
        ? [
            [
              'modes covered',
              `${m.modesCovered} of ${m.modes}`,
              '(a tenth of a fair share of samples in the mode)'
            ],
            [
              'high-quality share',
              `${(100 * m.highQuality!).toFixed(1)} %`,
              '(samples in a mode: within 3σ of its centre, or inside its square)'
            ]
          ]
        : []),
      ['points compared', m.n, ''],
      ...(m.image ? imageRows(m.image) : []),
      ...extraRows(extra)
    ],
    ['held-out metric', 'value', '']
  )
}

/**
 * The image metrics' rows: in the features of the workbench's classifier — of the images' classes, or of k-means
 * clusters of unlabelled images, named as such.
 */
function imageRows(im: ImageMetrics): (string | number)[][] {
  const clusters = im.features === 'clusters'
  const space = clusters ? 'cluster-classifier features' : 'classifier features'
  const group = clusters ? 'cluster' : 'class'
  return [
    [`fd (${space})`, im.fd, `(Gaussian fit: ${fmt(im.fdGaussian)}, data: ${fmt(im.fdData)})`],
    [`KID (${space})`, im.kid, ''],
    ['feature precision / recall', `${fmt(im.precision)} / ${fmt(im.recall)}`, ''],
    ['feature density / coverage', `${fmt(im.density)} / ${fmt(im.coverage)}`, ''],
    [`${group} KL / rarest ${group}`, `${fmt(im.classKL)} / ${(100 * im.minClassShare).toFixed(1)} %`, ''],
    ['memorisation ratio', im.memorisation, `(copies: ${(100 * im.copies).toFixed(1)} %)`],
    [
      `${clusters ? 'cluster ' : ''}classifier test accuracy`,
      `${(100 * im.classifierAccuracy).toFixed(1)} %`,
      clusters ? '(no labels: k-means clusters of the pixels as classes)' : ''
    ]
  ]
}

/** The image flags (`--image-shape`, `--label-column`, `--labels`, `--resize`) as read options. */
export function imageFlags(values: Record<string, unknown>): ImageReadOptions {
  const out: ImageReadOptions = {}
  const flags = {
    imageShape: 'image-shape',
    labelColumn: 'label-column',
    labels: 'labels',
    resize: 'resize'
  } as const
  for (const [key, flag] of Object.entries(flags) as [keyof ImageReadOptions, string][]) {
    const v = values[flag]
    if (typeof v === 'string') out[key] = v
  }
  return out
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' },
    columns: { type: 'string' },
    'skip-rows': { type: 'string' },
    'image-shape': { type: 'string' },
    'label-column': { type: 'string' },
    labels: { type: 'string' },
    resize: { type: 'string' },
    n: { type: 'string' },
    objective: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true },
    'latent-dim': { type: 'string' },
    width: { type: 'string' },
    depth: { type: 'string' },
    activation: { type: 'string' },
    arch: { type: 'string' },
    channels: { type: 'string' },
    base: { type: 'string' },
    heldout: { type: 'string' },
    'eval-every': { type: 'string' },
    backend: { type: 'string' },
    device: { type: 'string' },
    resume: { type: 'string' }
  })
  const out = new Out(values.json === true)
  if (values.resume !== undefined) return resume(values, out)
  const data = required(values, 'data', 'a built-in dataset id or a file; see `pfm datasets`')
  const objective = required(values, 'objective', 'see `pfm objectives`')
  const seed = num(values, 'seed') ?? 0
  const skipRows = num(values, 'skip-rows')
  const columns = str(values, 'columns')
  const n = num(values, 'n')
  const ds = resolveDataset(data, {
    seed,
    ...(n !== undefined ? { n } : {}),
    ...(columns !== undefined ? { columns } : {}),
    ...(skipRows !== undefined ? { skipRows } : {}),
    ...imageFlags(values)
  })
  const model: Record<string, unknown> = {}
  const latent = num(values, 'latent-dim')
  if (latent !== undefined) model.latentDim = latent
  const width = num(values, 'width')
  if (width !== undefined) model.width = width
  const depth = num(values, 'depth')
  if (depth !== undefined) model.depth = depth
  if (str(values, 'activation')) model.activation = str(values, 'activation') as Activation
  if (str(values, 'base')) model.base = str(values, 'base')
  if (str(values, 'arch')) model.arch = str(values, 'arch')
  const channels = num(values, 'channels')
  if (channels !== undefined) model.channels = channels
  const opt = <T>(v: T | undefined, k: string): Record<string, T> => (v === undefined ? {} : { [k]: v })
  const device = str(values, 'device')
  const config = makeRunConfig(ds, {
    objective,
    params: parseSets(values.set),
    seed,
    model,
    ...opt(num(values, 'steps'), 'steps'),
    ...opt(num(values, 'batch'), 'batch'),
    ...opt(num(values, 'lr'), 'lr'),
    ...opt(num(values, 'heldout'), 'heldout'),
    ...opt(num(values, 'eval-every'), 'evalEvery'),
    ...opt(str(values, 'backend') as BackendChoice | undefined, 'backend'),
    ...opt(device !== undefined ? parseProviderChoice(device, '--device') : undefined, 'device')
  })
  const store = openStore(values)
  out.line(
    `Training ${config.objective} on ${ds.name} (${ds.n}×${ds.d}), ${config.steps} steps, batch ${config.batch}, seed ${seed}`
  )
  return trainWithProgress(out, (ctx) => trainRun(ds, config, { store, ...ctx }))
}

/** `pfm train --resume ID`: the run continues with its own settings; any other training flag is a mistake. */
async function resume(values: Record<string, unknown>, out: Out): Promise<number> {
  const store = openStore(values)
  const id = resolveRunId(
    store,
    required(values, 'resume', 'a crashed, cancelled or failed run; see `pfm runs`')
  )
  const others = Object.keys(values).filter((k) => !['resume', 'json', 'runs-dir', 'help'].includes(k))
  if (others.length)
    throw new ConfigError(
      `--resume continues run "${id}" with its own settings; drop ${others.map((k) => `--${k}`).join(', ')}.`
    )
  return trainWithProgress(out, (ctx) => resumeRun(store, id, ctx))
}

/** Runs a training with Ctrl-C → cancel, a progress bar on a terminal, and prints its result. */
async function trainWithProgress(
  out: Out,
  go: (ctx: Omit<TrainContext, 'store'>) => Promise<TrainResult & { resumedFrom?: number }>
): Promise<number> {
  const ac = new AbortController()
  const onSigint = (): void => ac.abort()
  process.once('SIGINT', onSigint)
  const bar = out.json ? null : out.progress()
  try {
    const r = await go({
      signal: ac.signal,
      log: (m) => {
        bar?.clear()
        out.line(withFlags(m))
      },
      onProgress: (p) =>
        bar?.update(
          p.step,
          p.steps,
          `loss ${fmt(p.loss)}  ${Math.round(p.samplesPerSec)} samples/s  ETA ${duration(p.etaMs)}`
        )
    })
    bar?.done()
    const res = {
      runId: r.runId,
      objective: r.objective,
      dataset: r.dataset,
      backend: r.backend,
      steps: r.steps,
      ...(r.resumedFrom !== undefined ? { resumedFrom: r.resumedFrom } : {}),
      durationMs: Math.round(r.durationMs),
      finalLoss: r.finalLoss,
      sampler: r.sampler.sampler,
      samplerSteps: r.sampler.steps,
      metrics: metricsJson(r.metrics),
      best: r.best,
      extra: r.extra
    }
    out.result(
      res,
      () =>
        `Run ${r.runId} done in ${duration(r.durationMs)} on ${r.backend}` +
        (r.resumedFrom !== undefined ? `, resumed at step ${r.resumedFrom}` : '') +
        (r.sampler.sampler === 'onestep'
          ? '.'
          : ` (metrics with ${r.sampler.sampler}, K=${r.sampler.steps}).`) +
        `\n${metricsTable(r.metrics, r.extra)}` +
        (r.best && r.best.step < r.steps
          ? `\nbest held-out energy ${fmt(r.best.value)} at step ${r.best.step}: eval, sample and export it with --weights best`
          : '')
    )
    return 0
  } catch (e) {
    bar?.done()
    if (e instanceof CancelledError) {
      process.stderr.write(
        `pfm train: ${e.message} The run is kept as cancelled with a checkpoint there; continue it with --resume.\n`
      )
      return 130
    }
    throw e
  } finally {
    process.off('SIGINT', onSigint)
  }
}
