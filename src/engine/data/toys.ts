/**
 * Seeded built-in toy distributions. The 2-D ones follow FFJORD's `lib/toy_data.py` (Grathwohl et al., 2019)
 * with the same pinned constants; the 1-D ones are the examples of the pushforward paper. Every random draw
 * goes through the given `Rng`, so a data set is a pure function of `(id, n, seed)`.
 *
 * Where FFJORD's generator emits its points grouped (moons, circles, rings, pinwheel, 2spirals) the rows are
 * shuffled with the same `Rng`, so any prefix of a data set is a fair sample.
 */
import { ConfigError } from '../errors'
import { Rng } from '../rng'
import type { Dataset, Mode } from '../types'
import { IMAGE_BUILTINS, isImageBuiltin, loadImageBuiltin } from './builtin-images'

/** One built-in distribution, as listed by the CLI (`pfm datasets`) and the UI. */
export interface BuiltinInfo {
  id: string
  /** Dimension of a point. */
  dim: number
  title: string
  /** The sampling formula, with its pinned constants (U: uniform on [0,1), N: standard normal). */
  formula: string
  /** The mixtures' modes in data units (scored by the metrics' mode coverage); absent for the others. */
  modes?: readonly Mode[]
  /** Image sets: the shape of one image (`[H, W]`), pixel range, class names and the number of images. */
  image?: { shape: number[]; range: [number, number]; classes: string[]; images: number }
}

/** FFJORD's 8 Gaussians: unit vectors at angles kπ/4, scaled by 4, noise 0.5·N, all divided by 1.414. */
const EIGHT = { scale: 4, noise: 0.5, div: 1.414 }
const EIGHT_DIRECTIONS: readonly [number, number][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [Math.SQRT1_2, Math.SQRT1_2],
  [Math.SQRT1_2, -Math.SQRT1_2],
  [-Math.SQRT1_2, Math.SQRT1_2],
  [-Math.SQRT1_2, -Math.SQRT1_2]
]
/** Gulrajani et al.'s 25 Gaussians (WGAN-GP toy): centres 2·(i, j), i, j ∈ {−2..2}, noise 0.05·N, / 2.828. */
const TWENTY_FIVE = { spacing: 2, noise: 0.05, div: 2.828 }
const GRID5 = [-2, -1, 0, 1, 2]

const gaussianModes = (
  centres: readonly (readonly number[])[],
  k: { scale?: number; spacing?: number; noise: number; div: number }
): Mode[] =>
  centres.map((c) => ({
    kind: 'gaussian',
    centre: c.map((v) => (v * (k.scale ?? k.spacing ?? 1)) / k.div),
    sigma: k.noise / k.div
  }))

/** The checkerboard's 8 squares of side 2: cells [2i, 2i+2) × [2j, 2j+2), i, j ∈ {−2..1}, i + j even. */
const CHECKER_MODES: Mode[] = [-2, -1, 0, 1].flatMap((i) =>
  [-2, -1, 0, 1]
    .filter((j) => (i + j) % 2 === 0)
    .map((j): Mode => ({ kind: 'box', lo: [2 * i, 2 * j], hi: [2 * i + 2, 2 * j + 2] }))
)

/** The built-in distributions, in display order. */
export const BUILTINS: readonly BuiltinInfo[] = [
  {
    id: '8gaussians',
    dim: 2,
    title: 'Eight Gaussians',
    formula: 'x = (4·c_k + 0.5·N₂) / 1.414, k ~ U{0..7}, c_k = 8 unit vectors at angles kπ/4 (radius ≈ 2.83)',
    modes: gaussianModes(EIGHT_DIRECTIONS, EIGHT)
  },
  {
    id: '25gaussians',
    dim: 2,
    title: 'Twenty-five Gaussians',
    formula: 'x = (2·(i, j) + 0.05·N₂) / 2.828, i, j ~ U{−2..2} (a 5 × 5 grid, spacing ≈ 0.71)',
    modes: gaussianModes(
      GRID5.flatMap((i) => GRID5.map((j) => [i, j])),
      TWENTY_FIVE
    )
  },
  {
    id: 'moons',
    dim: 2,
    title: 'Two moons',
    formula:
      'upper (cos t, sin t), lower (1 − cos t, 0.5 − sin t), t evenly spaced on [0, π]; ' +
      'x = 2·(p + 0.1·N₂) + (−1, −0.2)'
  },
  {
    id: 'circles',
    dim: 2,
    title: 'Two circles',
    formula: 'x = 3·(r·(cos t, sin t) + 0.08·N₂), r ∈ {1, 0.5} (half each), t evenly spaced on [0, 2π)'
  },
  {
    id: 'checkerboard',
    dim: 2,
    title: 'Checkerboard',
    formula:
      'x₁ = 4U − 2, x₂ = U − 2·B + (⌊x₁⌋ mod 2), B ~ U{0,1}; x = 2·(x₁, x₂) (8 squares of side 2 in [−4,4]²)',
    modes: CHECKER_MODES
  },
  {
    id: 'pinwheel',
    dim: 2,
    title: 'Pinwheel',
    formula:
      'f = (1 + 0.3·N, 0.1·N), θ = 2πk/5 + 0.25·exp(f₁), k = class (5 equal classes); ' +
      'x = 2·(f₁ cos θ + f₂ sin θ, −f₁ sin θ + f₂ cos θ)'
  },
  {
    id: '2spirals',
    dim: 2,
    title: 'Two spirals',
    formula: 's = 3π·√U, p = (−s cos s + 0.5U, s sin s + 0.5U); x = ±p/3 + 0.1·N₂ (half each sign)'
  },
  {
    id: 'swissroll',
    dim: 2,
    title: 'Swiss roll',
    formula: 't = 1.5π(1 + 2U); x = ((t cos t, t sin t) + 1.0·N₂) / 5'
  },
  {
    id: 'rings',
    dim: 2,
    title: 'Four rings',
    formula:
      'x = 3·r·(cos t, sin t) + 0.08·N₂, r ∈ {1, 0.75, 0.5, 0.25} (quarter each), t evenly spaced on [0, 2π)'
  },
  { id: 'normal', dim: 1, title: 'Standard normal', formula: 'x = N, i.e. N(0, 1)' },
  { id: 'uniform', dim: 1, title: 'Uniform', formula: 'x = U, i.e. U(0, 1)' },
  {
    id: 'two-bands',
    dim: 1,
    title: 'Two bands',
    formula: 'x uniform on (0, ¼) ∪ (¾, 1): u = U/2, x = u if u < ¼ else u + ½'
  },
  ...IMAGE_BUILTINS.map((b) => ({
    id: b.id,
    dim: b.side * b.side,
    title: b.title,
    formula: b.formula,
    image: {
      shape: [b.side, b.side],
      range: [0, 1] as [number, number],
      classes: b.classes,
      images: b.images
    }
  }))
]

/** The known modes of built-in `id` (data units), or null for data without known modes. */
export function builtinModes(id: string): readonly Mode[] | null {
  return (isBuiltin(id) && BUILTINS.find((b) => b.id === id)?.modes) || null
}

/** True for the id of a built-in distribution. */
export function isBuiltin(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(GENERATORS, id) || isImageBuiltin(id)
}

/** Largest number of points a built-in generates in one call. */
export const MAX_BUILTIN_POINTS = 50_000_000

/**
 * `n` points of the built-in distribution `id`, drawn from `new Rng(seed)`.
 * Returns a `Dataset` of shape n × dim with columns `x0, x1, …`.
 * @throws ConfigError for an unknown id (listing the known ones) or a bad `n` / `seed`.
 */
export function generateBuiltin(id: string, n: number, seed: number): Dataset {
  const gen = Object.prototype.hasOwnProperty.call(GENERATORS, id) ? GENERATORS[id] : undefined
  const info = BUILTINS.find((b) => b.id === id)
  if (!info || (!gen && !info.image))
    throw new ConfigError(
      `Unknown built-in dataset "${id}" (known: ${BUILTINS.map((b) => b.id).join(', ')}).`
    )
  if (!Number.isInteger(n) || n < 1 || n > MAX_BUILTIN_POINTS)
    throw new ConfigError(
      `Built-in "${id}": the number of points must be an integer in [1, ${MAX_BUILTIN_POINTS}], got ${n}.`
    )
  if (!Number.isInteger(seed))
    throw new ConfigError(`Built-in "${id}": the seed must be an integer, got ${seed}.`)
  if (!gen) return loadImageBuiltin(id, n, seed)
  const data = gen(n, new Rng(seed))
  return {
    name: id,
    source: { kind: 'builtin', id, seed },
    n,
    d: info.dim,
    data,
    columns: Array.from({ length: info.dim }, (_, j) => `x${j}`)
  }
}

type Generator = (n: number, rng: Rng) => Float32Array

/** `m` evenly spaced values on [a, b] (numpy `linspace`; `endpoint = false` leaves out b). */
function linspace(a: number, b: number, m: number, endpoint: boolean): number[] {
  const steps = endpoint ? m - 1 : m
  return Array.from({ length: m }, (_, k) => (steps > 0 ? a + ((b - a) * k) / steps : a))
}

/** Writes 2-D points `pts[i]` into rows `order[i]` of a new n × 2 array (a seeded shuffle). */
function shuffled2d(xs: ArrayLike<number>, ys: ArrayLike<number>, rng: Rng): Float32Array {
  const n = xs.length
  const order = rng.permutation(n)
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const r = order[i]!
    out[2 * r] = xs[i]!
    out[2 * r + 1] = ys[i]!
  }
  return out
}

/** Python's `a % m` (result has the sign of m). */
function pmod(a: number, m: number): number {
  return ((a % m) + m) % m
}

/** FFJORD `8gaussians`: scale 4, noise 0.5·N, everything divided by 1.414. */
const eightGaussians: Generator = (n, rng) => {
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const px = rng.normal() * EIGHT.noise
    const py = rng.normal() * EIGHT.noise
    const c = EIGHT_DIRECTIONS[rng.int(8)]!
    out[2 * i] = (px + EIGHT.scale * c[0]) / EIGHT.div
    out[2 * i + 1] = (py + EIGHT.scale * c[1]) / EIGHT.div
  }
  return out
}

/** WGAN-GP's `25gaussians`: a 5 × 5 grid of spacing 2, noise 0.05·N, everything divided by 2.828. */
const twentyFiveGaussians: Generator = (n, rng) => {
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const px = rng.normal() * TWENTY_FIVE.noise
    const py = rng.normal() * TWENTY_FIVE.noise
    const cx = GRID5[rng.int(5)]!
    const cy = GRID5[rng.int(5)]!
    out[2 * i] = (px + TWENTY_FIVE.spacing * cx) / TWENTY_FIVE.div
    out[2 * i + 1] = (py + TWENTY_FIVE.spacing * cy) / TWENTY_FIVE.div
  }
  return out
}

/** sklearn `make_moons(noise=0.1)`, then `x * 2 + [-1, -0.2]` as in FFJORD. */
const moons: Generator = (n, rng) => {
  const nOut = Math.floor(n / 2)
  const nIn = n - nOut
  const xs: number[] = []
  const ys: number[] = []
  for (const t of linspace(0, Math.PI, nOut, true)) {
    xs.push(Math.cos(t))
    ys.push(Math.sin(t))
  }
  for (const t of linspace(0, Math.PI, nIn, true)) {
    xs.push(1 - Math.cos(t))
    ys.push(1 - Math.sin(t) - 0.5)
  }
  const out = shuffled2d(xs, ys, rng)
  for (let i = 0; i < n; i++) {
    out[2 * i] = (out[2 * i]! + 0.1 * rng.normal()) * 2 - 1
    out[2 * i + 1] = (out[2 * i + 1]! + 0.1 * rng.normal()) * 2 - 0.2
  }
  return out
}

/** sklearn `make_circles(factor=0.5, noise=0.08)`, then `× 3` as in FFJORD. */
const circles: Generator = (n, rng) => {
  const nOut = Math.floor(n / 2)
  const nIn = n - nOut
  const xs: number[] = []
  const ys: number[] = []
  for (const t of linspace(0, 2 * Math.PI, nOut, false)) {
    xs.push(Math.cos(t))
    ys.push(Math.sin(t))
  }
  for (const t of linspace(0, 2 * Math.PI, nIn, false)) {
    xs.push(0.5 * Math.cos(t))
    ys.push(0.5 * Math.sin(t))
  }
  const out = shuffled2d(xs, ys, rng)
  for (let i = 0; i < 2 * n; i++) out[i] = 3 * (out[i]! + 0.08 * rng.normal())
  return out
}

/** FFJORD `checkerboard`: alternate unit squares of [−2,2]², scaled by 2. */
const checkerboard: Generator = (n, rng) => {
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const x1 = rng.next() * 4 - 2
    const x2 = rng.next() - rng.int(2) * 2 + pmod(Math.floor(x1), 2)
    out[2 * i] = 2 * x1
    out[2 * i + 1] = 2 * x2
  }
  return out
}

/** FFJORD `pinwheel`: 5 classes, radial std 0.3, tangential std 0.1, rate 0.25, scaled by 2. */
const pinwheel: Generator = (n, rng) => {
  const classes = 5
  const radialStd = 0.3
  const tangentialStd = 0.1
  const rate = 0.25
  const xs = new Float64Array(n)
  const ys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    // FFJORD repeats each label n/5 times; classes differ only by their angle, so i mod 5 is the same mix.
    const k = i % classes
    const f1 = rng.normal() * radialStd + 1
    const f2 = rng.normal() * tangentialStd
    const angle = (2 * Math.PI * k) / classes + rate * Math.exp(f1)
    const c = Math.cos(angle)
    const s = Math.sin(angle)
    // einsum('ti,tij->tj', f, [[c, −s], [s, c]])
    xs[i] = 2 * (f1 * c + f2 * s)
    ys[i] = 2 * (-f1 * s + f2 * c)
  }
  return shuffled2d(xs, ys, rng)
}

/** FFJORD `2spirals`: radius s = 540° · √U in radians, uniform jitter 0.5, /3, noise 0.1·N. */
const twoSpirals: Generator = (n, rng) => {
  const half = Math.ceil(n / 2)
  const xs = new Float64Array(n)
  const ys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const s = (Math.sqrt(rng.next()) * 540 * (2 * Math.PI)) / 360
    const dx = -Math.cos(s) * s + rng.next() * 0.5
    const dy = Math.sin(s) * s + rng.next() * 0.5
    const sign = i < half ? 1 : -1
    xs[i] = (sign * dx) / 3 + 0.1 * rng.normal()
    ys[i] = (sign * dy) / 3 + 0.1 * rng.normal()
  }
  return shuffled2d(xs, ys, rng)
}

/** sklearn `make_swiss_roll(noise=1.0)` keeping coordinates (x, z), divided by 5 as in FFJORD. */
const swissroll: Generator = (n, rng) => {
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * rng.next())
    out[2 * i] = (t * Math.cos(t) + rng.normal()) / 5
    out[2 * i + 1] = (t * Math.sin(t) + rng.normal()) / 5
  }
  return out
}

/** FFJORD `rings`: 4 concentric circles of radius 1, ¾, ½, ¼ (×3), evenly spaced angles, noise 0.08·N. */
const rings: Generator = (n, rng) => {
  const q = Math.floor(n / 4)
  const counts = [q, q, q, n - 3 * q]
  const radii = [1, 0.75, 0.5, 0.25]
  const xs: number[] = []
  const ys: number[] = []
  counts.forEach((m, r) => {
    for (const t of linspace(0, 2 * Math.PI, m, false)) {
      xs.push(3 * radii[r]! * Math.cos(t))
      ys.push(3 * radii[r]! * Math.sin(t))
    }
  })
  const out = shuffled2d(xs, ys, rng)
  for (let i = 0; i < 2 * n; i++) out[i] = out[i]! + 0.08 * rng.normal()
  return out
}

const normal: Generator = (n, rng) => rng.normals(n)

const uniform: Generator = (n, rng) => rng.uniforms(n, 0, 1)

const twoBands: Generator = (n, rng) => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const u = rng.next() / 2
    out[i] = u < 0.25 ? u : u + 0.5
  }
  return out
}

const GENERATORS: Record<string, Generator> = {
  '8gaussians': eightGaussians,
  '25gaussians': twentyFiveGaussians,
  moons,
  circles,
  checkerboard,
  pinwheel,
  '2spirals': twoSpirals,
  swissroll,
  rings,
  normal,
  uniform,
  'two-bands': twoBands
}
