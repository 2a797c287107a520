/**
 * What `scripts/lever-sweep.py` (a PyTorch mirror of cfm's image recipe, for a GPU machine without Node) needs to
 * score its samples exactly as a run does: the mnist split of `pfm train --data mnist --seed S` (pixels as bytes:
 * the images are 8-bit, so byte / 255 · 2 − 1 is the run's standardised value to float precision), the workbench
 * classifier's dense layers (the run's, from the same cache) and the run's yard-sticks fdGaussian / fdData.
 *
 *   node scripts/lever-sweep-data.mjs [--seed 0] [--out .gpu/sweep] [--runs-dir runs]
 *
 * Files: train_u8.bin, held_u8.bin ([n, 784] bytes), clf_w<k>.bin / clf_b<k>.bin (float32, w row-major
 * [rows, cols]), meta.json.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { initBackend } from '../backend'
import { resolveDataset } from '../data'
import { ConfigError } from '../errors'
import { classifierDir, imageEvaluator } from '../train/image-eval'
import { imageEvaluatorRng, prepareData } from '../train/train'
import type { Points } from '../types'

/** Standardised pixels in [−1, 1] back to the bytes they came from (throws if they are not 8-bit). */
export function pixelBytes(p: Points): Uint8Array {
  const out = new Uint8Array(p.n * p.d)
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(((p.data[i]! + 1) / 2) * 255)
    if (Math.abs((v / 255) * 2 - 1 - p.data[i]!) > 1e-5)
      throw new ConfigError(
        `pixel ${i} (${p.data[i]}) is not an 8-bit value: the sweep's bytes would change it.`
      )
    out[i] = v
  }
  return out
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { seed: { type: 'string' }, out: { type: 'string' }, 'runs-dir': { type: 'string' } }
  })
  const seed = Number(values.seed ?? '0')
  if (!Number.isInteger(seed) || seed < 0)
    throw new ConfigError(`--seed must be an integer ≥ 0, got ${values.seed}.`)
  const out = path.resolve(values.out ?? '.gpu/sweep')
  const runs = path.resolve(values['runs-dir'] ?? process.env.PFM_RUNS_DIR ?? 'runs')
  await initBackend('wasm')
  const ds = resolveDataset('mnist')
  const { train, heldout, stats } = prepareData(ds, { seed, heldout: 0.2 })
  // The run's evaluator, as `pfm train` builds it: the same classifier (cached beside the runs) and yard-sticks.
  const ev = await imageEvaluator(ds, stats, { train, heldout }, imageEvaluatorRng(seed), {
    cacheDir: classifierDir(runs)
  })
  if (!ev) throw new ConfigError('mnist has no image evaluator.')
  const clf = ev.clf
  fs.mkdirSync(out, { recursive: true })
  fs.writeFileSync(path.join(out, 'train_u8.bin'), pixelBytes(train))
  fs.writeFileSync(path.join(out, 'held_u8.bin'), pixelBytes(heldout))
  const f32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  clf.weights.forEach((l, k) => {
    fs.writeFileSync(path.join(out, `clf_w${k}.bin`), f32(l.w))
    fs.writeFileSync(path.join(out, `clf_b${k}.bin`), f32(l.b))
  })
  const meta = {
    seed,
    trainN: train.n,
    heldN: heldout.n,
    dim: train.d,
    layers: clf.weights.map((l) => ({ rows: l.rows, cols: l.cols })),
    classifierAccuracy: clf.accuracy,
    fdGaussian: ev.fdGaussian,
    fdData: ev.fdData
  }
  fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta, null, 1))
  process.stdout.write(
    `mnist split of seed ${seed}: ${train.n} training, ${heldout.n} held-out images; classifier accuracy ` +
      `${(100 * clf.accuracy).toFixed(1)} %; fdGaussian ${ev.fdGaussian.toPrecision(4)}, fdData ` +
      `${ev.fdData.toPrecision(4)} → ${out}\n`
  )
  return 0
}
