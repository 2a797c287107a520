/**
 * A model's training state for checkpoints and `--resume`: every number a step reads besides the data and the
 * rng — variables, optimizer moments and step counters — as named flat arrays and counters. A model that can
 * be resumed implements `TrainableModel.trainState`/`loadTrainState` with these helpers; names are positional
 * (`phi.3`, `adam.m.3`) because tfjs variable names carry a per-process uid.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ConfigError } from '../errors'

export interface TrainState {
  /** float32 values, stored bit-exactly (checkpoint.json holds them as little-endian bytes in base64). */
  arrays: Record<string, Float32Array>
  counters: Record<string, number>
}

export const emptyTrainState = (): TrainState => ({ arrays: {}, counters: {} })

/** A copy of float32 values the state owns (a tensor's buffer may be reused or freed after the call). */
export const copyValues = (a: ArrayLike<number>): Float32Array => Float32Array.from(a)

/** Adds `vars`' values as `<prefix>.<i>`. */
export function putVars(st: TrainState, prefix: string, vars: readonly tf.Variable[]): void {
  vars.forEach((v, i) => (st.arrays[`${prefix}.${i}`] = copyValues(v.dataSync() as Float32Array)))
}

/** Reads `<prefix>.<i>` for each variable, checking its length; throws ConfigError naming the entry. */
export function takeArray(st: TrainState, key: string, length: number): Float32Array {
  const a = st.arrays[key]
  if (!(a instanceof Float32Array)) throw new ConfigError(`The checkpoint has no "${key}".`)
  if (a.length !== length)
    throw new ConfigError(`The checkpoint's "${key}" has ${a.length} values, the model needs ${length}.`)
  return a.slice()
}

export function takeCounter(st: TrainState, key: string): number {
  const c = st.counters[key]
  if (typeof c !== 'number' || !Number.isFinite(c))
    throw new ConfigError(`The checkpoint has no counter "${key}".`)
  return c
}

/** Assigns `<prefix>.<i>` to each variable. */
export function loadVars(st: TrainState, prefix: string, vars: readonly tf.Variable[]): void {
  const data = vars.map((v, i) => takeArray(st, `${prefix}.${i}`, v.size))
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(data[i]!, v.shape))))
}

/** What tfjs's AdamOptimizer keeps (protected fields; checked by the resume tests against an uninterrupted run). */
interface AdamInternals {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  iterations_: number | undefined
}

function adamInternals(opt: tf.Optimizer): AdamInternals {
  const a = opt as unknown as Partial<AdamInternals>
  if (
    !a.accBeta1 ||
    !a.accBeta2 ||
    !Array.isArray(a.accumulatedFirstMoment) ||
    !Array.isArray(a.accumulatedSecondMoment)
  )
    throw new Error('Only an Adam optimizer can be checkpointed.')
  return a as AdamInternals
}

/**
 * Adds a tfjs Adam optimizer's state for `vars` (moment slot i belongs to vars[i], the order its
 * `applyGradients` saw): `<prefix>.m.<i>`, `<prefix>.v.<i>`, and the exact float32 running products β₁ᵗ⁺¹,
 * β₂ᵗ⁺¹ (tfjs's own `setWeights` recomputes them with `pow`, which can differ in the last bit).
 */
export function putAdam(
  st: TrainState,
  prefix: string,
  opt: tf.Optimizer | null,
  vars: readonly tf.Variable[]
): void {
  if (!opt) {
    st.counters[`${prefix}.t`] = 0
    return
  }
  const a = adamInternals(opt)
  st.counters[`${prefix}.t`] = a.iterations_ ?? 0
  st.counters[`${prefix}.acc1`] = a.accBeta1.dataSync()[0]!
  st.counters[`${prefix}.acc2`] = a.accBeta2.dataSync()[0]!
  vars.forEach((_, i) => {
    const m = a.accumulatedFirstMoment[i]
    const v = a.accumulatedSecondMoment[i]
    if (m && v) {
      st.arrays[`${prefix}.m.${i}`] = copyValues(m.variable.dataSync() as Float32Array)
      st.arrays[`${prefix}.v.${i}`] = copyValues(v.variable.dataSync() as Float32Array)
    }
  })
}

/** Restores what `putAdam` stored into `opt` (a fresh Adam for the same `vars`). Returns false when none was stored. */
export function loadAdam(
  st: TrainState,
  prefix: string,
  opt: tf.Optimizer,
  vars: readonly tf.Variable[]
): boolean {
  const t = takeCounter(st, `${prefix}.t`)
  if (t === 0) return false
  const a = adamInternals(opt)
  const slot = (
    kind: 'm' | 'v',
    v: tf.Variable,
    i: number
  ): { originalName: string; variable: tf.Variable } => ({
    originalName: `${v.name}/${kind}`,
    variable: tf.tidy(() =>
      tf.tensor(takeArray(st, `${prefix}.${kind}.${i}`, v.size), v.shape).variable(false)
    )
  })
  tf.dispose(a.accumulatedFirstMoment.map((s) => s?.variable).filter((x): x is tf.Variable => !!x))
  tf.dispose(a.accumulatedSecondMoment.map((s) => s?.variable).filter((x): x is tf.Variable => !!x))
  a.accumulatedFirstMoment = vars.map((v, i) => slot('m', v, i))
  a.accumulatedSecondMoment = vars.map((v, i) => slot('v', v, i))
  tf.tidy(() => {
    a.accBeta1.assign(tf.scalar(takeCounter(st, `${prefix}.acc1`)))
    a.accBeta2.assign(tf.scalar(takeCounter(st, `${prefix}.acc2`)))
  })
  a.iterations_ = t
  return true
}
