/**
 * Image metrics: the Fréchet distance and KID against closed forms, the workbench classifier's test accuracy
 * on mnist14 above a stated floor, and the evaluator's yard-sticks, class coverage and memorisation on cases
 * whose answer is known (held-out images as samples, training images as samples, a single class).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import {
  ImageClassifier,
  ImageEvaluator,
  frechetDistance,
  frechetGaussians,
  kernelInceptionDistance,
  symmetricEigen
} from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import { prepareData } from '../../../src/engine/train/train'
import type { Points } from '../../../src/engine/types'

/** The classifier's stated floor: test accuracy on mnist14 (1,000 images, 200 steps of batch 64). */
const ACCURACY_FLOOR = 0.8
const CLF = { steps: 200, batch: 64 }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-imgmetrics-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** A random rotation of R^d (Gram–Schmidt on Gaussian columns), row-major. */
function rotation(d: number, rng: Rng): Float64Array {
  const q = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    const v = Array.from({ length: d }, () => rng.normal())
    for (let k = 0; k < j; k++) {
      let dot = 0
      for (let i = 0; i < d; i++) dot += v[i]! * q[i * d + k]!
      for (let i = 0; i < d; i++) v[i] = v[i]! - dot * q[i * d + k]!
    }
    const norm = Math.hypot(...v)
    for (let i = 0; i < d; i++) q[i * d + j] = v[i]! / norm
  }
  return q
}

/** R diag(λ) Rᵀ. */
function withEigen(r: Float64Array, lambda: number[]): Float64Array {
  const d = lambda.length
  const out = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0
      for (let k = 0; k < d; k++) s += r[i * d + k]! * lambda[k]! * r[j * d + k]!
      out[i * d + j] = s
    }
  return out
}

function gaussianPoints(n: number, mean: number[], std: number[], rng: Rng): Points {
  const d = mean.length
  const data = new Float32Array(n * d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = mean[j]! + std[j]! * rng.normal()
  return { n, d, data }
}

describe('Fréchet distance and KID (closed forms)', () => {
  it('symmetricEigen recovers the spectrum of R diag(λ) Rᵀ', () => {
    const lambda = [5, 3, 1, 0.5, 0.01]
    const { values } = symmetricEigen(withEigen(rotation(5, new Rng(1)), lambda), 5)
    expect([...values].sort((a, b) => b - a)).toEqual(lambda.map((l) => expect.closeTo(l, 9)))
  })

  it('FD of two Gaussians with commuting covariances: ‖Δμ‖² + Σ (√λ₁ − √λ₂)²', () => {
    const d = 6
    const r = rotation(d, new Rng(2))
    const a = [4, 1, 2, 0.25, 9, 1]
    const b = [1, 1, 8, 1, 4, 0.01]
    const m1 = Float64Array.from({ length: d }, (_, i) => i * 0.5)
    const m2 = Float64Array.from({ length: d }, (_, i) => i * 0.5 + (i === 2 ? 3 : 0))
    const expected = 9 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i]!)) ** 2, 0)
    expect(frechetGaussians(m1, withEigen(r, a), m2, withEigen(r, b))).toBeCloseTo(expected, 8)
    expect(frechetGaussians(m1, withEigen(r, a), m1, withEigen(r, a))).toBeCloseTo(0, 8)
  })

  it('FD of samples of N(0, I) and N(m, 4I) in 3-D ≈ ‖m‖² + 3', () => {
    const rng = new Rng(3)
    const x = gaussianPoints(20_000, [0, 0, 0], [1, 1, 1], rng)
    const y = gaussianPoints(20_000, [1, 2, 0], [2, 2, 2], rng)
    expect(Math.abs(frechetDistance(x, y) - (5 + 3))).toBeLessThan(0.25)
  })

  it('KID of a set with itself is ≈ 0 (exactly 2·(mean k_off − mean k_diag)/n), far below a shifted set', () => {
    const rng = new Rng(4)
    const n = 300
    const x = gaussianPoints(n, [0, 0, 0, 0], [1, 1, 1, 1], rng)
    const same = gaussianPoints(n, [0, 0, 0, 0], [1, 1, 1, 1], rng)
    const shifted = gaussianPoints(n, [1, 0, 0, 0], [1, 1, 1, 1], rng)
    // The itself case in closed form: the cross term includes the diagonal k(xᵢ, xᵢ), the others do not.
    const k = (i: number, j: number): number => {
      let s = 0
      for (let t = 0; t < 4; t++) s += x.data[i * 4 + t]! * x.data[j * 4 + t]!
      return (s / 4 + 1) ** 3
    }
    let diag = 0
    let off = 0
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) diag += k(i, i) / n
        else off += k(i, j) / (n * (n - 1))
      }
    expect(kernelInceptionDistance(x, x)).toBeCloseTo((2 * (off - diag)) / n, 9)
    const far = kernelInceptionDistance(x, shifted)
    expect(far).toBeGreaterThan(0.5)
    expect(Math.abs(kernelInceptionDistance(x, x))).toBeLessThan(0.1 * far)
    expect(Math.abs(kernelInceptionDistance(x, same))).toBeLessThan(0.1 * far)
  })
})

describe('the workbench classifier and the image evaluator on mnist14', () => {
  let clf: ImageClassifier
  let split: ReturnType<typeof prepareData>
  let labels: Int32Array
  beforeAll(async () => {
    await initBackend('wasm')
    const ds = resolveDataset('mnist14', { n: 1000, seed: 0 })
    labels = ds.labels!
    split = prepareData(ds, { seed: 0, heldout: 0.3 })
    const x = { n: ds.n, d: ds.d, data: ds.data.map((v) => (v - 0.5) / 0.5) }
    clf = await ImageClassifier.forData(x, labels, 10, { cacheDir: tmp, ...CLF })
  }, 60_000)

  it(`reaches a test accuracy above ${ACCURACY_FLOOR} and is read back from its cache`, async () => {
    expect(clf.accuracy).toBeGreaterThan(ACCURACY_FLOOR)
    expect(clf.testSize).toBe(200)
    const files = fs.readdirSync(tmp).filter((f) => f.startsWith('classifier-'))
    expect(files).toHaveLength(1)
    const ds = resolveDataset('mnist14', { n: 1000, seed: 0 })
    const x = { n: ds.n, d: ds.d, data: ds.data.map((v) => (v - 0.5) / 0.5) }
    const again = await ImageClassifier.forData(x, labels, 10, { cacheDir: tmp, ...CLF })
    expect(again.accuracy).toBe(clf.accuracy)
    expect(again.features({ n: 2, d: 196, data: x.data.subarray(0, 392) }).data).toEqual(
      clf.features({ n: 2, d: 196, data: x.data.subarray(0, 392) }).data
    )
  })

  it('scores held-out images near the data floor, training images as copies, one class as collapse', () => {
    const ev = new ImageEvaluator(clf, split.train, split.heldout, new Rng(5))
    // 300 training vs 300 held-out images: the floor sits below the Gaussian fit's distance (at this n the
    // estimator's bias, ~ features / n, is a large part of both).
    expect(ev.fdData).toBeLessThan(0.7 * ev.fdGaussian)
    expect(ev.fdData).toBeGreaterThan(0)

    // The held-out images themselves: distance 0, the same class mix, memorisation 1 and no copies.
    const real = ev.score(split.heldout, new Rng(6))
    expect(real.fd).toBeLessThan(1e-6)
    expect(real.kid).toBeLessThan(0)
    expect(real.classKL).toBeLessThan(1e-9)
    expect(real.minClassShare).toBeGreaterThan(0.05)
    expect(real.memorisation).toBeCloseTo(1, 6)
    expect(real.copies).toBe(0)
    expect(real.precision).toBe(1)
    // fd and its yard-sticks are measured against all 300 held-out images, here of as many samples.
    expect(real.referenceN).toBe(split.heldout.n)
    expect(real.n).toBe(split.heldout.n)

    const copied = ev.score(split.train, new Rng(7))
    expect(copied.memorisation).toBe(0)
    expect(copied.copies).toBe(1)

    // Only the images predicted as one class: mode collapse shows as a missing class and a large KL.
    const pred = clf.predict(split.heldout)
    const rows = [...pred.keys()].filter((i) => pred[i] === 1)
    const ones: Points = { n: rows.length, d: 196, data: new Float32Array(rows.length * 196) }
    rows.forEach((r, i) => ones.data.set(split.heldout.data.subarray(r * 196, (r + 1) * 196), i * 196))
    const collapsed = ev.score(ones, new Rng(8))
    expect(collapsed.minClassShare).toBe(0)
    expect(collapsed.classKL).toBeGreaterThan(1.5) // ≈ log 10 − (data's entropy gap)
    expect(collapsed.fd).toBeGreaterThan(real.fd)
  })
})
