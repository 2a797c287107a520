/**
 * Before/after of each single-thread optimisation of the training step (docs/benchmarks.md), measured in one
 * process with the variants interleaved in short blocks, so that load from other processes hits them alike.
 * Reports CPU time per step (what a step costs) next to wall time. Each variant keeps the engine's step
 * (train/step.ts) and Adam; only the network's ops and the loss's gradient change.
 */
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../backend'
import { dense } from '../models/dense'
import { Mlp } from '../models/mlp'
import { median } from '../metrics/nearest'
import { Rng } from '../rng'
import { mse } from './parallel/losses'
import { optimizerStep } from '../train/step'
import { fmBatch, WORKLOAD } from './train-bench'

type CustomFn = Parameters<typeof tf.customGrad>[0]
type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D

/** The dense layer as it was before this work: explicit transposes, separate bias add, ∂b = sum(∂z, 0). */
const denseTransposeOnly: DenseFn = tf.customGrad(((
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  save: tf.GradSaveFunc
) => {
  save([x, w])
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(ws!)),
      tf.matMul(tf.transpose(xs!), dy),
      tf.sum(dy, 0)
    ]
  }
}) as unknown as CustomFn) as unknown as DenseFn

type Net = (phi: Mlp, x: tf.Tensor2D) => tf.Tensor2D
type Loss = (pred: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar

const siluPlain = (h: tf.Tensor2D): tf.Tensor2D => tf.mul(h, tf.sigmoid(h))
const builtinLoss: Loss = (p, t) => tf.mean(tf.squaredDifference(p, t))

function layered(
  layer: (h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D,
  fusedSilu: boolean
): Net {
  return (phi, x) => {
    let h = x
    const last = phi.weights.length - 1
    phi.weights.forEach(({ w, b }, i) => {
      if (i < last && fusedSilu) h = dense(h, w, b, { activation: 'silu' })
      else {
        h = layer(h, w, b)
        if (i < last) h = siluPlain(h)
      }
    })
    return h
  }
}

export interface AblationVariant {
  id: string
  title: string
  net: Net
  loss: Loss
}

export const VARIANTS: AblationVariant[] = [
  {
    id: 'builtin',
    title: 'matMul + add, tfjs built-in gradients',
    net: layered((h, w, b) => tf.add(tf.matMul(h, w), b), false),
    loss: builtinLoss
  },
  {
    id: 'transpose',
    title: 'custom gradient with explicit transposes (the previous dense.ts)',
    net: layered(denseTransposeOnly, false),
    loss: builtinLoss
  },
  {
    id: 'fused-bias',
    title: '+ bias inside the product, ∂b = 1ᵀ·∂z, narrow-side transpose',
    net: layered((h, w, b) => dense(h, w, b), false),
    loss: builtinLoss
  },
  {
    id: 'silu',
    title: '+ SiLU fused into the layer, hand-written gradient',
    net: layered((h, w, b) => dense(h, w, b), true),
    loss: builtinLoss
  },
  { id: 'mse', title: '+ hand-written MSE gradient', net: (phi, x) => phi.apply(x), loss: mse },
  {
    id: 'no-dx',
    title: '+ no ∂x for the input layer (the engine now)',
    net: (phi, x) => phi.apply(x, { inputGrad: false }),
    loss: mse
  }
]

export interface AblationRow {
  id: string
  title: string
  /** Median over blocks. */
  cpuMsPerStep: number
  wallMsPerStep: number
  /** 1000 / cpuMsPerStep: steps/s this variant would run at with a core to itself. */
  stepsPerCpuSec: number
}

/** Interleaves `rounds` blocks of `block` steps of every variant (after `warmup` each) on `backend`. */
export async function benchAblation(
  opts: { rounds?: number; block?: number; warmup?: number; backend?: 'wasm' | 'cpu'; ids?: string[] } = {}
): Promise<AblationRow[]> {
  const rounds = opts.rounds ?? 8
  const block = opts.block ?? 5
  await initBackend(opts.backend ?? 'wasm')
  const { batch: B, lr, spec } = WORKLOAD
  const variants = VARIANTS.filter((v) => !opts.ids || opts.ids.includes(v.id))
  const runs = variants.map((v, k) => {
    const rng = new Rng(100 + k)
    const phi = Mlp.create(spec, new Rng(0), `ablation-${v.id}`)
    const optimizer = tf.train.adam(lr)
    const input = new Float32Array(B * spec.inDim)
    const target = new Float32Array(B * spec.outDim)
    const step = (): number => {
      fmBatch(rng, input, target)
      return optimizerStep(
        optimizer,
        () => v.loss(v.net(phi, tf.tensor2d(input, [B, spec.inDim])), tf.tensor2d(target, [B, spec.outDim])),
        phi.variables()
      )
    }
    return { v, phi, optimizer, step, cpu: [] as number[], wall: [] as number[] }
  })
  try {
    for (const r of runs) for (let i = 0; i < (opts.warmup ?? 3); i++) r.step()
    for (let round = 0; round < rounds; round++)
      for (const r of runs) {
        const c0 = process.cpuUsage()
        const t0 = performance.now()
        for (let i = 0; i < block; i++) r.step()
        const c = process.cpuUsage(c0)
        r.wall.push((performance.now() - t0) / block)
        r.cpu.push((c.user + c.system) / 1000 / block)
      }
    return runs.map(({ v, cpu, wall }) => {
      const c = median(cpu)
      return {
        id: v.id,
        title: v.title,
        cpuMsPerStep: round2(c),
        wallMsPerStep: round2(median(wall)),
        stepsPerCpuSec: round2(1000 / c)
      }
    })
  } finally {
    for (const r of runs) {
      r.optimizer.dispose()
      r.phi.dispose()
    }
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100
}
