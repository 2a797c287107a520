/**
 * Forward-mode derivative (a Jacobian-vector product) of the engine's MLP: for inputs x [n, in] and tangents
 * ẋ [n, in] it returns y = φ(x) and ẏ = ∂φ/∂x · ẋ row by row, in one pass alongside the forward one:
 *   z_l = h_{l−1} W_l + b_l,   ż_l = ḣ_{l−1} W_l,   h_l = a(z_l),   ḣ_l = a′(z_l) ⊙ ż_l
 * (the last layer has no activation; a residual network adds x and ẋ). Exact, unlike a finite difference,
 * and about twice a forward pass. Values only: call it outside a gradient tape (MeanFlow's target is a
 * stop-gradient; tests/engine/models/mlp-jvp.test.ts checks it against central differences).
 */
import * as tf from '@tensorflow/tfjs-core'
import { LEAKY_SLOPE } from './dense'
import { activate, skipOf, type Activation, type Mlp } from './mlp'

const GELU_K = 0.7978845608
const GELU_C = 0.044715

/** a′(z) of the hidden activation, element-wise (the formulas `activate` differentiates). */
export function activationDerivative(z: tf.Tensor2D, act: Activation): tf.Tensor2D {
  return tf.tidy(() => {
    switch (act) {
      case 'relu':
        return tf.step(z)
      case 'leaky-relu':
        return tf.where(tf.greater(z, 0), tf.onesLike(z), tf.fill(z.shape, LEAKY_SLOPE))
      case 'tanh':
        return tf.sub(1, tf.square(tf.tanh(z)))
      case 'silu': {
        const s = tf.sigmoid(z)
        return tf.mul(s, tf.add(1, tf.mul(z, tf.sub(1, s))))
      }
      case 'gelu': {
        // g = ½z(1 + tanh(k(z + c z³)));  g′ = ½(1 + th) + ½z(1 − th²)·k(1 + 3c z²)
        const th = tf.tanh(tf.mul(GELU_K, tf.add(z, tf.mul(GELU_C, tf.pow(z, 3)))))
        const inner = tf.mul(GELU_K, tf.add(1, tf.mul(3 * GELU_C, tf.square(z))))
        return tf.add(
          tf.mul(0.5, tf.add(1, th)),
          tf.mul(tf.mul(tf.mul(0.5, z), tf.sub(1, tf.square(th))), inner)
        )
      }
    }
  }) as tf.Tensor2D
}

/** y = φ(x) and ẏ = J_φ(x) ẋ for x, ẋ [n, inDim] → both [n, outDim]. */
export function mlpJvp(mlp: Mlp, x: tf.Tensor2D, dx: tf.Tensor2D): { y: tf.Tensor2D; dy: tf.Tensor2D } {
  return tf.tidy(() => {
    let h = x
    let dh = dx
    const last = mlp.weights.length - 1
    mlp.weights.forEach(({ w, b }, i) => {
      const z = tf.add(tf.matMul(h, w), b) as tf.Tensor2D
      const dz: tf.Tensor2D = tf.matMul(dh, w)
      if (i < last) {
        h = activate(z, mlp.spec.activation)
        dh = tf.mul(activationDerivative(z, mlp.spec.activation), dz) as tf.Tensor2D
      } else {
        h = z
        dh = dz
      }
    })
    if (mlp.spec.residual) {
      const skip = skipOf(mlp.spec)
      return {
        y: tf.add(tf.mul(x, skip), h) as tf.Tensor2D,
        dy: tf.add(tf.mul(dx, skip), dh) as tf.Tensor2D
      }
    }
    return { y: h, dy: dh }
  })
}
