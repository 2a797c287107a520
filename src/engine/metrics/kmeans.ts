/**
 * k-means clustering (k-means++ seeding, then Lloyd's iterations), seeded: the labels the workbench's image
 * classifier learns where an image set has none of its own (train/image-eval.ts). Centroids are fitted on at most
 * `maxFit` rows (a seeded subsample; every row is then assigned to its nearest centroid), so the cost stays a
 * second or two at MNIST's size.
 */
import type { Rng } from '../rng'
import type { Points } from '../types'
import { subsample } from './points'

export interface KMeans {
  /** The nearest centroid of each row of the clustered points. */
  labels: Int32Array
  /** k centroids, row-major [k, d]. */
  centroids: Float32Array
  /** Rows per cluster. */
  sizes: number[]
}

/** Squared distance from row i of x to centroid c. */
function dist2(x: Points, i: number, c: Float32Array, k: number): number {
  const d = x.d
  let s = 0
  for (let j = 0; j < d; j++) {
    const v = x.data[i * d + j]! - c[k * d + j]!
    s += v * v
  }
  return s
}

/** The nearest of the k centroids for each row of x. */
export function assignClusters(x: Points, centroids: Float32Array, k: number): Int32Array {
  const out = new Int32Array(x.n)
  for (let i = 0; i < x.n; i++) {
    let best = 0
    let bestD = Infinity
    for (let c = 0; c < k; c++) {
      const s = dist2(x, i, centroids, c)
      if (s < bestD) {
        bestD = s
        best = c
      }
    }
    out[i] = best
  }
  return out
}

/**
 * k clusters of the rows of x. A cluster left empty by an iteration keeps its centroid (with k-means++ seeding
 * on distinct points this does not happen in practice).
 * @throws Error when there are fewer rows than clusters.
 */
export function kmeans(
  x: Points,
  k: number,
  rng: Rng,
  opts: { iterations?: number; maxFit?: number } = {}
): KMeans {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k-means: k must be a positive integer, got ${k}.`)
  if (x.n < k) throw new Error(`k-means: ${x.n} rows cannot form ${k} clusters.`)
  const fit = x.n > (opts.maxFit ?? 4000) ? subsample(x, opts.maxFit ?? 4000, rng.fork()) : x
  const d = x.d
  const centroids = new Float32Array(k * d)
  // k-means++: each next centroid a row drawn with probability ∝ its squared distance to the nearest chosen one
  const near = new Float64Array(fit.n).fill(Infinity)
  let pick = rng.int(fit.n)
  for (let c = 0; c < k; c++) {
    centroids.set(fit.data.subarray(pick * d, (pick + 1) * d), c * d)
    if (c === k - 1) break
    let total = 0
    for (let i = 0; i < fit.n; i++) {
      near[i] = Math.min(near[i]!, dist2(fit, i, centroids, c))
      total += near[i]!
    }
    let u = rng.next() * total
    pick = 0
    while (pick < fit.n - 1 && (u -= near[pick]!) > 0) pick++
  }
  const sums = new Float64Array(k * d)
  const counts = new Float64Array(k)
  for (let it = 0; it < (opts.iterations ?? 25); it++) {
    const labels = assignClusters(fit, centroids, k)
    sums.fill(0)
    counts.fill(0)
    for (let i = 0; i < fit.n; i++) {
      const c = labels[i]!
      counts[c] = counts[c]! + 1
      for (let j = 0; j < d; j++) sums[c * d + j] = sums[c * d + j]! + fit.data[i * d + j]!
    }
    let moved = false
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue
      for (let j = 0; j < d; j++) {
        const v = Math.fround(sums[c * d + j]! / counts[c]!)
        if (v !== centroids[c * d + j]) moved = true
        centroids[c * d + j] = v
      }
    }
    if (!moved) break
  }
  const labels = assignClusters(x, centroids, k)
  const sizes = new Array<number>(k).fill(0)
  for (const c of labels) sizes[c]!++
  return { labels, centroids, sizes }
}
