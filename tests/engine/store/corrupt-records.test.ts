/**
 * Stored model and statistics records are validated on load: each corruption of weights.json or run.json is
 * refused by `pfm eval`'s code path (evaluateRun) with one line naming the run, the file and the field —
 * never a wrong answer (an identity map from `layers: []`, a null read as 0) or a TensorFlow.js internal error.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import { StoreError } from '../../../src/engine/errors'
import { unpackWeights } from '../../../src/engine/store/weights-codec'
import { RunStore } from '../../../src/engine/store'
import { evaluateRun } from '../../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../../src/engine/train/train'
import { removeTempRoots, tempRoot } from './helpers'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- hand-edited files

let store: RunStore
let base: string
beforeAll(async () => {
  await initBackend('cpu')
  store = new RunStore(tempRoot())
  const ds = resolveDataset('8gaussians', { n: 300, seed: 2 })
  const config = makeRunConfig(ds, { objective: 'energy', steps: 4, batch: 32, seed: 2, evalEvery: 0, model: { width: 8, depth: 2 }, backend: 'cpu' })
  base = (await trainRun(ds, config, { store })).runId!
})
afterAll(removeTempRoots)

let copies = 0
/** A copy of the trained run with one file edited. */
function corrupted(file: 'weights.json' | 'run.json', edit: (j: Json) => void): string {
  const id = `corrupt-${++copies}`
  fs.cpSync(path.join(store.root, base), path.join(store.root, id), { recursive: true })
  const f = path.join(store.root, id, file)
  const j = JSON.parse(fs.readFileSync(f, 'utf8')) as Json
  // edited as numbers: the long arrays a run packs as base64 (weights-codec.ts) unpacked first, as older runs hold them
  if (file === 'weights.json') unpackWeights(j)
  edit(j)
  fs.writeFileSync(f, JSON.stringify(j).replace('"__INF__"', '1e999'))
  return id
}

const W = 'weights.json'
const R = 'run.json'
const cases: [string, 'weights.json' | 'run.json', (j: Json) => void, RegExp][] = [
  ['layers: []', W, (j) => (j.phi.layers = []), /weights\.json field "phi\.layers" has 0 layers, the spec declares 3/],
  ['a null weight', W, (j) => (j.phi.layers[1].w[4] = null), /weights\.json field "phi\.layers\[1\]\.w\[4\]" is null, not a number/],
  ['a short weight array', W, (j) => j.phi.layers[0].w.pop(), /weights\.json field "phi\.layers\[0\]\.w" has 15 values, expected 16/],
  ['a short bias', W, (j) => j.phi.layers[2].b.pop(), /weights\.json field "phi\.layers\[2\]\.b" has 1 values, expected 2/],
  ['an infinite weight', W, (j) => (j.phi.layers[0].b[0] = '__INF__'), /weights\.json field "phi\.layers\[0\]\.b\[0\]" is Infinity, not a finite number/],
  ['a string weight', W, (j) => (j.phi.layers[0].w[0] = '0.5'), /weights\.json field "phi\.layers\[0\]\.w\[0\]" is string, not a number/],
  ['an extra layer', W, (j) => j.phi.layers.push(j.phi.layers[1]), /field "phi\.layers" has 4 layers, the spec declares 3/],
  ['a layer that does not chain', W, (j) => (j.phi.layers[1].inDim = 7), /field "phi\.layers\[1\]" maps 7 → 8, the spec declares 8 → 8/],
  ['a spec of another latent size', W, (j) => {
    j.phi.spec.inDim = 3
    j.phi.layers[0].inDim = 3
    j.phi.layers[0].w.push(...j.phi.layers[0].w.slice(0, 8))
  }, /weights\.json field "phi\.spec\.inDim" is 3; run\.json's config\.model\.latentDim is 2/],
  ['no kind', W, (j) => delete j.kind, /weights\.json field "kind"/],
  ['another model kind', W, (j) => (j.kind = 'cfm'), /weights\.json does not hold a energy model/],
  ['std [1.0]', R, (j) => (j.standardization.std = [1.0]), /run\.json field "standardization\.std": has 1 values, the data have 2 dimensions/],
  ['std [0, 0]', R, (j) => (j.standardization.std = [0, 0]), /run\.json field "standardization\.std\[0\]": is 0; a deviation must be > 0/],
  ['std [1, -2]', R, (j) => (j.standardization.std = [1, -2]), /field "standardization\.std\[1\]": is -2; a deviation must be > 0/],
  ['a NaN mean', R, (j) => (j.standardization.mean[1] = null), /run\.json field "standardization\.mean\[1\]": expected number, received null/],
  ['dim 0', R, (j) => (j.config.dataset.dim = 0), /run\.json field "config\.dataset\.dim": is 0; it must be at least 1/],
  ['lr -1', R, (j) => (j.config.lr = -1), /run\.json field "config\.lr": is -1; it must be > 0/],
  ['batch 1', R, (j) => (j.config.batch = 1), /run\.json field "config\.batch": is 1; it must be at least 2/],
  ['stepsDone beyond the budget', R, (j) => (j.result.stepsDone = 99), /run\.json field "result\.stepsDone": is 99, more than the 4 steps/],
  ['a width that does not match the weights', R, (j) => (j.config.model.latentDim = 5), /weights\.json field "phi\.spec\.inDim" is 2; run\.json's config\.model\.latentDim is 5/]
]

describe('corrupt stored records', () => {
  it('the untouched run evaluates (the cases below differ from it in one field)', async () => {
    const r = await evaluateRun(store, corrupted(W, () => {}), { n: 50 })
    expect(Number.isFinite(r.metrics.energy)).toBe(true)
  })

  it.each(cases)('%s: refused with the run, file and field', async (_name, file, edit, re) => {
    const id = corrupted(file, edit)
    const err = await evaluateRun(store, id, { n: 50 }).then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StoreError)
    const msg = (err as Error).message
    expect(msg).toMatch(new RegExp(`^Run "${id}": `))
    expect(msg).toMatch(re)
    expect(msg).not.toContain('\n')
  })
})
