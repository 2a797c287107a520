/**
 * The training machinery every regression-trained flow model shares (velocity flows, the one-step families,
 * distill): one network, Adam on the flows' `lrFactor` schedule, an exponential moving average of the weights
 * (decay min(ema, (1 + k)/(10 + k)) at the k-th applied update) that samples and is stored, snapshots and the
 * resumable training state. A model extends it and writes only its loss (TorchCFM style: the variant overrides
 * how a batch is built; `fit` does the rest).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { LossContext } from '../types'
import { cosineFactor, setLearningRate } from '../../train/schedule'
import { emaDecay, emaUpdate } from '../../train/ema'
import { optimizerStep } from '../../train/step'
import { restoreVars, snapshotVars } from '../../train/variables'
import {
  emptyTrainState,
  loadAdam,
  loadVars,
  putAdam,
  putVars,
  takeCounter,
  type TrainState
} from '../../train/train-state'

/** What the base needs of a network: its variables, a copy for the average, and freeing it. */
export interface TrainableNet {
  variables(): tf.Variable[]
  dispose(): void
}

/**
 * The learning-rate multiplier at `step` of `steps`: constant for the first half, then a cosine decay to
 * 5 % at the end. Regression on noisy targets (ε, x₁ − x₀) leaves Adam jittering around the optimum at a
 * constant rate; annealing it is worth about a 2× lower held-out energy on the 2-D toys at the same budget.
 */
export function lrFactor(step: number, steps: number): number {
  return cosineFactor(step, steps, { hold: 0.5 })
}

export abstract class EmaNetModel<N extends TrainableNet> {
  /** The network being optimised. */
  readonly net: N
  /** Its moving average (null when ema = 0); `sampling` is the one that samples. */
  readonly avg: N | null
  /** Base learning rate (the `lrFactor` schedule scales it per step). */
  readonly lr: number
  readonly ema: number
  private optimizer: tf.Optimizer | null = null
  private updates = 0

  /** `copy` makes the average's network from the trained one (called only when ema > 0). */
  constructor(net: N, lr: number, ema: number, copy: (net: N) => N) {
    this.net = net
    this.lr = lr
    this.ema = ema
    this.avg = ema > 0 ? copy(net) : null
  }

  /** The learning-rate multiplier at `step` of `steps` (the flows' `lrFactor`; a model may anneal otherwise). */
  protected lrFactor(step: number, steps: number): number {
    return lrFactor(step, steps)
  }

  /** The network that samples: the moving average when there is one. */
  protected get sampling(): N {
    return this.avg ?? this.net
  }

  /**
   * One Adam step on `loss` (built inside a tidy, over the trained network's variables) at the scheduled rate,
   * then the moving average. Returns the loss; a non-finite one leaves the weights and the average untouched.
   */
  protected fit(loss: () => tf.Scalar, ctx: Pick<LossContext, 'step' | 'steps'>): number {
    this.optimizer ??= tf.train.adam(this.lr)
    setLearningRate(this.optimizer, this.lr * this.lrFactor(ctx.step, ctx.steps))
    const value = optimizerStep(this.optimizer, loss, this.net.variables())
    if (this.avg && Number.isFinite(value))
      emaUpdate(this.avg.variables(), this.net.variables(), emaDecay(this.ema, this.updates++))
    return value
  }

  private allVariables(): tf.Variable[] {
    return [...this.net.variables(), ...(this.avg?.variables() ?? [])]
  }

  snapshot(): tf.Tensor[] {
    return snapshotVars(this.allVariables())
  }

  restore(snapshot: tf.Tensor[]): void {
    restoreVars(this.allVariables(), snapshot)
  }

  trainState(): TrainState | null {
    const st = emptyTrainState()
    putVars(st, 'net', this.net.variables())
    if (this.avg) putVars(st, 'avg', this.avg.variables())
    putAdam(st, 'adam', this.optimizer, this.net.variables())
    st.counters.updates = this.updates
    return st
  }

  loadTrainState(st: TrainState): void {
    loadVars(st, 'net', this.net.variables())
    if (this.avg) loadVars(st, 'avg', this.avg.variables())
    const opt = tf.train.adam(this.lr)
    if (loadAdam(st, 'adam', opt, this.net.variables())) {
      this.optimizer?.dispose()
      this.optimizer = opt
    } else opt.dispose()
    this.updates = takeCounter(st, 'updates')
  }

  dispose(): void {
    this.optimizer?.dispose()
    this.optimizer = null
    this.net.dispose()
    this.avg?.dispose()
    this.disposeExtra()
  }

  /** Frees what a subclass holds besides the networks (a teacher, a target network). */
  protected disposeExtra(): void {}
}
