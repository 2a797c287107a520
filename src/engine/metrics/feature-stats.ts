/**
 * Distances between samples in a feature space (the image metrics' classifier features): the Fréchet
 * distance between Gaussians fitted to each set, and an unbiased KID-style MMD² with the cubic polynomial
 * kernel (Bińkowski et al. 2018). Plain JS, float64 accumulation.
 */
import { check } from '../errors'
import type { Points } from '../types'
import { fitGaussian } from './gaussian'
import { checkPoints, checkSameDim } from './points'

/**
 * Eigen-decomposition of a symmetric d × d matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors (columns of `vectors`, row-major).
 */
export function symmetricEigen(m: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m)
  const v = new Float64Array(d * d)
  for (let i = 0; i < d; i++) v[i * d + i] = 1
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0
    let diag = 0
    for (let p = 0; p < d; p++) {
      diag += a[p * d + p]! ** 2
      for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2
    }
    if (off <= 1e-22 * Math.max(diag, 1e-300)) break
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!
          const akq = a[k * d + q]!
          a[k * d + p] = c * akp - s * akq
          a[k * d + q] = s * akp + c * akq
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!
          const aqk = a[q * d + k]!
          a[p * d + k] = c * apk - s * aqk
          a[q * d + k] = s * apk + c * aqk
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!
          const vkq = v[k * d + q]!
          v[k * d + p] = c * vkp - s * vkq
          v[k * d + q] = s * vkp + c * vkq
        }
      }
  }
  const values = new Float64Array(d)
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!
  return { values, vectors: v }
}

/**
 * Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂): ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½
 * (Dowson & Landau 1982), the formula behind FID.
 */
export function frechetGaussians(
  m1: Float64Array,
  c1: Float64Array,
  m2: Float64Array,
  c2: Float64Array
): number {
  const d = m1.length
  let dm = 0
  let tr = 0
  for (let i = 0; i < d; i++) {
    dm += (m1[i]! - m2[i]!) ** 2
    tr += c1[i * d + i]! + c2[i * d + i]!
  }
  // S = Σ₁^½ = V diag(√λ) Vᵀ, then the eigenvalues of S Σ₂ S.
  const { values, vectors: V } = symmetricEigen(c1, d)
  const S = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0
      for (let k = 0; k < d; k++) s += V[i * d + k]! * Math.sqrt(Math.max(values[k]!, 0)) * V[j * d + k]!
      S[i * d + j] = s
    }
  const M = matmul(matmul(S, c2, d), S, d)
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const avg = (M[i * d + j]! + M[j * d + i]!) / 2
      M[i * d + j] = avg
      M[j * d + i] = avg
    }
  let trSqrt = 0
  for (const mu of symmetricEigen(M, d).values) trSqrt += Math.sqrt(Math.max(mu, 0))
  return Math.max(dm + tr - 2 * trSqrt, 0)
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!
      if (aik === 0) continue
      for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! + aik * b[k * d + j]!
    }
  return out
}

/** Fréchet distance between Gaussians fitted to two point sets (n ≥ 2 each). */
export function frechetDistance(x: Points, y: Points): number {
  checkSameDim('Fréchet distance', ['x', 'y'], x, y)
  const a = fitGaussian(x)
  const b = fitGaussian(y)
  return frechetGaussians(a.mean, a.cov, b.mean, b.cov)
}

/**
 * KID: unbiased MMD² with the kernel k(a, b) = (a·b / d + 1)³. Close to 0 (either sign) when both sets come
 * from one law; unlike the Fréchet distance it has no bias in the sample size.
 */
export function kernelInceptionDistance(x: Points, y: Points): number {
  const name = 'KID'
  checkPoints(name, 'x', x, 2)
  checkPoints(name, 'y', y, 2)
  checkSameDim(name, ['x', 'y'], x, y)
  const d = x.d
  check(d >= 1, () => `${name}: empty features.`)
  const k = (p: Points, i: number, q: Points, j: number): number => {
    let s = 0
    for (let t = 0; t < d; t++) s += p.data[i * d + t]! * q.data[j * d + t]!
    return (s / d + 1) ** 3
  }
  let kxx = 0
  for (let i = 0; i < x.n; i++) for (let j = i + 1; j < x.n; j++) kxx += 2 * k(x, i, x, j)
  let kyy = 0
  for (let i = 0; i < y.n; i++) for (let j = i + 1; j < y.n; j++) kyy += 2 * k(y, i, y, j)
  let kxy = 0
  for (let i = 0; i < x.n; i++) for (let j = 0; j < y.n; j++) kxy += k(x, i, y, j)
  return kxx / (x.n * (x.n - 1)) + kyy / (y.n * (y.n - 1)) - (2 * kxy) / (x.n * y.n)
}
