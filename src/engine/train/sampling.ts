/** Drawing from the base measure ν and pushing it through a trained map φ. */
import * as tf from '@tensorflow/tfjs-core'
import type { MapNet } from '../models/nets'
import type { Rng } from '../rng'
import type { Points } from '../types'
import type { ModelConfig } from './config'

/** n draws of ν: standard normal or uniform on (0,1)^latentDim, row-major. */
export function drawBase(model: Pick<ModelConfig, 'latentDim' | 'base'>, n: number, rng: Rng): Float32Array {
  const len = n * model.latentDim
  return model.base === 'uniform' ? rng.uniforms(len) : rng.normals(len)
}

/** φ(z) for n fresh draws z ~ ν, computed in chunks; returns standardised coordinates. */
export function sampleMap(
  phi: Pick<MapNet, 'apply' | 'outDim'>,
  model: ModelConfig,
  n: number,
  rng: Rng,
  chunk = 4096
): Points {
  const d = phi.outDim
  const out = new Float32Array(n * d)
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start)
    const z = drawBase(model, m, rng)
    const x = tf.tidy(() => phi.apply(tf.tensor2d(z, [m, model.latentDim])))
    out.set(x.dataSync() as Float32Array, start * d)
    x.dispose()
  }
  return { n, d, data: out }
}
