/**
 * Image metrics for images without labels (train/image-eval.ts): k-means clusters of the pixels stand in for the
 * classes the workbench's classifier learns. k-means recovers separated blobs exactly and is seeded; on mnist14
 * with its labels withheld the cluster classifier's features keep the yard-sticks apart (a Gaussian fitted to the
 * pixels far from the data, as an autoencoder's code did not), and a sample set of one cluster reads as collapse.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import { fitGaussian, kmeans, sampleGaussian, type ImageEvaluator } from '../../../src/engine/metrics'
import { Rng } from '../../../src/engine/rng'
import { IMAGE_CLUSTERS, imageEvaluator } from '../../../src/engine/train/image-eval'
import { imageEvaluatorRng, prepareData } from '../../../src/engine/train/train'
import type { Dataset, Points } from '../../../src/engine/types'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-clusters-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** n points around each of the centres (σ = 0.1), shuffled. */
function blobs(centres: number[][], n: number, rng: Rng): { points: Points; truth: Int32Array } {
  const d = centres[0]!.length
  const m = centres.length * n
  const order = rng.permutation(m)
  const data = new Float32Array(m * d)
  const truth = new Int32Array(m)
  for (let i = 0; i < m; i++) {
    const c = order[i]! % centres.length
    truth[i] = c
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + 0.1 * rng.normal()
  }
  return { points: { n: m, d, data }, truth }
}

/** Whether two labellings are the same partition (equal up to renaming the clusters). */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const map = new Map<number, number>()
  const used = new Set<number>()
  for (let i = 0; i < a.length; i++) {
    const m = map.get(a[i]!)
    if (m === undefined) {
      if (used.has(b[i]!)) return false
      map.set(a[i]!, b[i]!)
      used.add(b[i]!)
    } else if (m !== b[i]) return false
  }
  return true
}

describe('k-means', () => {
  const centres = [
    [0, 0, 0],
    [5, 0, 0],
    [0, 5, 0],
    [0, 0, 5],
    [5, 5, 5]
  ]

  it('recovers separated blobs exactly, the same for the same seed', () => {
    const { points, truth } = blobs(centres, 60, new Rng(1))
    const a = kmeans(points, 5, new Rng(2))
    expect(samePartition(a.labels, truth)).toBe(true)
    expect([...a.sizes].sort()).toEqual([60, 60, 60, 60, 60])
    const b = kmeans(points, 5, new Rng(2))
    expect(b.labels).toEqual(a.labels)
    expect(b.centroids).toEqual(a.centroids)
    // each centroid is its blob's mean, near the centre
    for (let c = 0; c < 5; c++) {
      const near = Math.min(
        ...centres.map((ctr) => Math.hypot(...ctr.map((v, j) => v - a.centroids[c * 3 + j]!)))
      )
      expect(near).toBeLessThan(0.05)
    }
  })

  it('fits on a subsample and still assigns every row', () => {
    const { points, truth } = blobs(centres, 400, new Rng(3))
    const r = kmeans(points, 5, new Rng(4), { maxFit: 100 })
    expect(r.labels).toHaveLength(2000)
    expect(samePartition(r.labels, truth)).toBe(true)
  })

  it('refuses more clusters than rows, and a k that is not a positive integer', () => {
    const { points } = blobs(centres, 1, new Rng(5))
    expect(() => kmeans(points, 6, new Rng(6))).toThrow(/5 rows cannot form 6 clusters/)
    expect(() => kmeans(points, 0, new Rng(6))).toThrow(/positive integer/)
  })
})

describe('image metrics of unlabelled images (2 000 mnist14 images, their labels withheld)', () => {
  let ev: ImageEvaluator
  let split: ReturnType<typeof prepareData>
  const logs: string[] = []
  beforeAll(async () => {
    await initBackend('wasm')
    const labelled = resolveDataset('mnist14', { n: 2000, seed: 0 })
    const ds: Dataset = { ...labelled, labels: undefined, classes: undefined }
    split = prepareData(ds, { seed: 0, heldout: 0.3 })
    ev = (await imageEvaluator(ds, split.stats, split, imageEvaluatorRng(0), {
      cacheDir: tmp,
      log: (m) => logs.push(m),
      classifier: { steps: 200, batch: 64 }
    }))!
  }, 120_000)

  it('learns k-means clusters as classes, says so, and scores in those features', () => {
    expect(ev).not.toBeNull()
    expect(ev.features).toBe('clusters')
    expect(logs[0]).toMatch(/^image metrics: unlabelled images: 10 k-means clusters of the pixels \(/)
    expect(logs[0]).toMatch(/cluster classifier test accuracy \d+\.\d %/)
    const real = ev.score(split.heldout, new Rng(6))
    expect(real.features).toBe('clusters')
    expect(real.fd).toBeLessThan(1e-6)
    expect(real.classKL).toBeLessThan(1e-9)
    // the clusters are learnable: a stated floor on the cluster classifier's own test accuracy
    expect(real.classifierAccuracy).toBeGreaterThan(0.8)
  })

  it('keeps a Gaussian fitted to the pixels far from the data, and shows a one-cluster sample set as collapse', () => {
    // the floor (training vs held-out images) well below the Gaussian fit: the property an autoencoder's code lacked
    expect(ev.fdData).toBeGreaterThan(0)
    expect(ev.fdGaussian).toBeGreaterThan(2 * ev.fdData)
    const gauss = sampleGaussian(fitGaussian(split.train), split.heldout.n, new Rng(9))
    expect(ev.score(gauss, new Rng(10)).fd).toBeGreaterThan(2 * ev.fdData)
    // the held-out images of one cluster only
    const shares = ev.classShares(split.heldout)
    expect(shares).toHaveLength(IMAGE_CLUSTERS)
    const real = ev.score(split.heldout, new Rng(6))
    const one = ev.score(ofOneCluster(ev, split.heldout), new Rng(8))
    expect(one.minClassShare).toBe(0)
    expect(one.classKL).toBeGreaterThan(1)
    expect(one.fd).toBeGreaterThan(real.fd)
  })

  it('skips the image metrics of too few unlabelled images to cluster, saying why in one line', async () => {
    const labelled = resolveDataset('mnist14', { n: 15, seed: 0 })
    const ds: Dataset = { ...labelled, labels: undefined, classes: undefined }
    const s = prepareData(ds, { seed: 0, heldout: 0.3 })
    const said: string[] = []
    expect(await imageEvaluator(ds, s.stats, s, new Rng(1), { log: (m) => said.push(m) })).toBeNull()
    expect(said).toEqual([
      'image metrics: skipped — they cluster unlabelled images into 10 groups, and 15 images are too few (at least 20).'
    ])
  })
})

/** The rows of `p` the evaluator's classifier puts in its most common cluster. */
function ofOneCluster(ev: ImageEvaluator, p: Points): Points {
  const pred = ev.predict(p)
  const counts = new Map<number, number>()
  for (const c of pred) counts.set(c, (counts.get(c) ?? 0) + 1)
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
  const rows = [...pred.keys()].filter((i) => pred[i] === top)
  const out = new Float32Array(rows.length * p.d)
  rows.forEach((r, i) => out.set(p.data.subarray(r * p.d, (r + 1) * p.d), i * p.d))
  return { n: rows.length, d: p.d, data: out }
}
