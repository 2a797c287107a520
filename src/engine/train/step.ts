/**
 * The inner step of every training loop: gradients of a scalar loss with respect to the model's variables,
 * then one optimizer update. Shared by train.ts, the data-parallel trainer (bench/parallel/) and the
 * throughput benchmark (bench/train-bench.ts), so the benchmark times exactly what training runs.
 */
import * as tf from '@tensorflow/tfjs-core'

export interface StepGradients {
  /** The loss value read back from the backend (NaN/±Inf when the step diverged). */
  loss: number
  /** One gradient per variable name; the caller disposes them. */
  grads: tf.NamedTensorMap
}

/**
 * Evaluates `lossFn` (inside a `tidy`) and its gradients with respect to `vars` (all trainable variables
 * when omitted).
 */
export function computeGradients(lossFn: () => tf.Scalar, vars?: tf.Variable[]): StepGradients {
  const { value, grads } = tf.variableGrads(() => tf.tidy(lossFn), vars)
  const loss = value.dataSync()[0]!
  value.dispose()
  return { loss, grads }
}

/**
 * One optimisation step. Returns the loss; when it is not finite the gradients are discarded and the
 * variables are left untouched (the caller decides what divergence means).
 */
export function optimizerStep(
  optimizer: tf.Optimizer,
  lossFn: () => tf.Scalar,
  vars?: tf.Variable[]
): number {
  const { loss, grads } = computeGradients(lossFn, vars)
  if (Number.isFinite(loss)) optimizer.applyGradients(grads)
  tf.dispose(grads)
  return loss
}
