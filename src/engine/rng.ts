/**
 * The one seeded random source of the engine. Every random draw (data generation, splits, noise,
 * projections, initialisation) goes through an `Rng`, so a run is reproducible from its seed.
 *
 * Generator: xoshiro128** (32-bit state words), seeded through splitmix32.
 */
/** A generator's position (see `Rng.state`). */
export interface RngState {
  s: number[]
  spare: number | null
}

export class Rng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private spare: number | null = null

  constructor(seed: number) {
    let x = seed >>> 0 || 0x9e3779b9
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.s0 = next()
    this.s1 = next()
    this.s2 = next()
    this.s3 = next()
  }

  /** A 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** Uniform on [a, b). */
  uniform(a = 0, b = 1): number {
    return a + (b - a) * this.next()
  }

  /** Integer uniform on {0, …, n−1}. */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box–Muller, polar form). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    let u: number, v: number, s: number
    do {
      u = 2 * this.next() - 1
      v = 2 * this.next() - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const m = Math.sqrt((-2 * Math.log(s)) / s)
    this.spare = v * m
    return u * m
  }

  /** `n` standard normals. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = this.normal()
    return out
  }

  /** `n` uniforms on [a, b). */
  uniforms(n: number, a = 0, b = 1): Float32Array {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = a + (b - a) * this.next()
    return out
  }

  /** A random permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n)
    for (let i = 0; i < n; i++) p[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = p[i]!
      p[i] = p[j]!
      p[j] = t
    }
    return p
  }

  /** The generator's position: four state words and the cached second normal (a checkpoint stores it). */
  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare }
  }

  /** A generator at a stored position: it draws exactly what the saved one would have drawn next. */
  static fromState(st: RngState): Rng {
    const r = new Rng(0)
    const [a, b, c, d] = st.s
    if (st.s.length !== 4 || !st.s.every((w) => Number.isInteger(w) && w >= -0x80000000 && w <= 0xffffffff))
      throw new RangeError('An rng state is four 32-bit words.')
    r.s0 = a! | 0
    r.s1 = b! | 0
    r.s2 = c! | 0
    r.s3 = d! | 0
    r.spare = st.spare
    return r
  }

  /** An independent stream derived from this one (for sub-tasks that must not disturb the parent). */
  fork(): Rng {
    return new Rng(this.nextUint32())
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
