/**
 * Exact optimal assignment for mini-batch OT pairing (`ot-cfm`): among all permutations π of a batch, the one
 * minimising Σ_i ‖x0_i − x1_π(i)‖², i.e. exact discrete OT between two uniform empirical measures of equal
 * size (whose optimal plans include a permutation, Birkhoff–von Neumann).
 *
 * Solver: the Hungarian algorithm with row/column potentials and shortest augmenting paths (Kuhn–Munkres in
 * the O(n³) form of Jonker–Volgenant / e-maxx), in float64 plain JS. n = 256 takes a few milliseconds.
 */

/**
 * Minimum-cost perfect assignment on an n×n cost matrix (row-major). Returns `col` with row i assigned to
 * column col[i]; Σ_i cost[i, col[i]] is minimal over all permutations.
 */
export function hungarian(cost: ArrayLike<number>, n: number): Int32Array {
  const INF = Number.POSITIVE_INFINITY
  // 1-based potentials; p[j] = row matched to column j (0 = none), way[j] = previous column on the path.
  const u = new Float64Array(n + 1)
  const v = new Float64Array(n + 1)
  const p = new Int32Array(n + 1)
  const way = new Int32Array(n + 1)
  const minv = new Float64Array(n + 1)
  const used = new Uint8Array(n + 1)
  for (let i = 1; i <= n; i++) {
    p[0] = i
    let j0 = 0
    minv.fill(INF)
    used.fill(0)
    do {
      used[j0] = 1
      const i0 = p[j0]!
      const row = (i0 - 1) * n - 1
      const ui0 = u[i0]!
      let delta = INF
      let j1 = 0
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue
        const cur = cost[row + j]! - ui0 - v[j]!
        if (cur < minv[j]!) {
          minv[j] = cur
          way[j] = j0
        }
        if (minv[j]! < delta) {
          delta = minv[j]!
          j1 = j
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!]! += delta
          v[j]! -= delta
        } else minv[j]! -= delta
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0]!
      p[j0] = p[j1]!
      j0 = j1
    } while (j0 !== 0)
  }
  const col = new Int32Array(n)
  for (let j = 1; j <= n; j++) col[p[j]! - 1] = j - 1
  return col
}

/** Squared Euclidean distances C_ij = ‖a_i − b_j‖², a and b [n, d] row-major → n×n float64 row-major. */
export function sqdistMatrix(a: Float32Array, b: Float32Array, n: number, d: number): Float64Array {
  const c = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < d; k++) {
        const e = a[i * d + k]! - b[j * d + k]!
        s += e * e
      }
      c[i * n + j] = s
    }
  }
  return c
}

/**
 * Exact OT pairing of a batch: the permutation π (as an index array) minimising Σ_i ‖x0_i − x1_π(i)‖².
 * x0 and x1 are [n, d] row-major.
 */
export function otPairing(x0: Float32Array, x1: Float32Array, n: number, d: number): Int32Array {
  return hungarian(sqdistMatrix(x0, x1, n, d), n)
}
