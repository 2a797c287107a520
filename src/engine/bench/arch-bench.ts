/**
 * `npm run bench:arch -- [--data mnist14] [--objective cfm] [--batch 64] [--steps 10] [--channels 16]`: the
 * training step of the conv architecture (U-Net for a flow, conv generator for a one-step map) next to the
 * default MLP (128×3 SiLU) on the same image batches, in one process on TensorFlow.js. Prints wall and CPU
 * milliseconds per step (CPU time is the steadier figure on a shared machine) and their ratios.
 */
import { initBackend } from '../backend'
import { resolveDataset } from '../data'
import { findObjective } from '../objectives/registry'
import { objectiveArchs } from '../objectives/types'
import { Rng } from '../rng'
import { STREAMS, createModel, makeRunConfig, prepareData, streamRng } from '../train/train'
import * as tf from '@tensorflow/tfjs-core'

interface Timing {
  arch: string
  params: number
  wallMs: number
  cpuMs: number
}

function flag(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback
}

export async function main(argv: string[]): Promise<number> {
  const data = flag(argv, 'data', 'mnist14')
  const objective = flag(argv, 'objective', 'cfm')
  const batch = Number(flag(argv, 'batch', '64'))
  const steps = Number(flag(argv, 'steps', '10'))
  const channels = Number(flag(argv, 'channels', '16'))
  const backend = await initBackend('wasm')
  const ds = resolveDataset(data, { n: Math.max(4 * batch, 512), seed: 0 })
  const obj = findObjective(objective)
  const conv = objectiveArchs(obj).find((a) => a !== 'mlp')
  if (!conv) throw new Error(`${objective} has no conv architecture.`)
  const out: Timing[] = []
  for (const arch of ['mlp', conv] as const) {
    const config = makeRunConfig(ds, {
      objective,
      batch,
      steps: steps + 2,
      backend: 'wasm',
      model: arch === 'mlp' ? {} : { arch, channels }
    })
    const { train } = prepareData(ds, config)
    const model = await createModel(obj, config, ds.d)
    const rng = streamRng(0, STREAMS.train)
    const pick = new Rng(1)
    const batchOf = (): tf.Tensor2D => {
      const y = new Float32Array(batch * ds.d)
      for (let i = 0; i < batch; i++) {
        const r = Math.floor(pick.uniforms(1)[0]! * train.n)
        y.set(train.data.subarray(r * ds.d, (r + 1) * ds.d), i * ds.d)
      }
      return tf.tensor2d(y, [batch, ds.d])
    }
    let wall = 0
    let cpu = 0
    for (let s = 0; s < steps + 2; s++) {
      const y = batchOf()
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      await model.step(y, { rng, step: s, steps: steps + 2 })
      const c = process.cpuUsage(c0)
      // The first two steps build kernels and optimizer slots: not timed.
      if (s >= 2) {
        wall += performance.now() - t0
        cpu += (c.user + c.system) / 1000
      }
      y.dispose()
    }
    const params = model.snapshot().reduce((sum, t) => {
      const n = sum + t.size
      t.dispose()
      return n
    }, 0)
    model.dispose()
    out.push({ arch, params, wallMs: wall / steps, cpuMs: cpu / steps })
  }
  const [mlp, other] = out as [Timing, Timing]
  process.stdout.write(
    `${objective} on ${data} (${ds.d} pixels), batch ${batch}, ${steps} timed steps, TensorFlow.js ${backend.id}\n` +
      out
        .map(
          (t) =>
            `  ${t.arch.padEnd(5)} ${String(t.params).padStart(8)} variables  ${t.wallMs.toFixed(1).padStart(8)} ms/step wall  ${t.cpuMs.toFixed(1).padStart(8)} ms/step CPU`
        )
        .join('\n') +
      `\n  ${other.arch} / mlp: ${(other.wallMs / mlp.wallMs).toFixed(2)}× wall, ${(other.cpuMs / mlp.cpuMs).toFixed(2)}× CPU per step\n`
  )
  return 0
}
