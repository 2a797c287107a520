/**
 * The workbench's image classifier: a small MLP (pixels → 128 → 64 → classes, ReLU) trained in-engine on a
 * labelled image set, whose 64 penultimate activations are the feature space of the image metrics (`fd`,
 * KID, PRDC) and whose predictions give class coverage. It is not Inception: numbers in its features are
 * comparable between runs on the same data set, not with published FIDs.
 *
 * Seeded (init, batches and its own train/test split), trained with TensorFlow.js, evaluated in plain JS, and
 * cached as JSON keyed by a hash of the pixels and labels, so every run on the same data reuses it.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { tf } from '../backend'
import { gather } from '../data/transform'
import { ConfigError } from '../errors'
import { Rng } from '../rng'
import { writeFileAtomic } from '../store/fs-utils'
import type { Points } from '../types'

/** Bump when the architecture or the training recipe changes (old cache files are then ignored). */
const VERSION = 1
const HIDDEN = [128, 64] as const
export const FEATURE_DIM = HIDDEN[1]

export interface ClassifierOptions {
  /** Folder for the cache file (none: train every time). */
  cacheDir?: string
  seed?: number
  /** Training steps (Adam 1e-3); default 800. */
  steps?: number
  /** Batch size; default 128. */
  batch?: number
}

interface Layer {
  w: Float32Array
  b: Float32Array
  rows: number
  cols: number
}

interface Stored {
  version: number
  key: string
  classes: number
  /** Accuracy on the classifier's own held-out 20 %. */
  accuracy: number
  testSize: number
  layers: { w: string; b: string; rows: number; cols: number }[]
}

export class ImageClassifier {
  private constructor(
    private readonly layers: Layer[],
    readonly classes: number,
    /** Accuracy on its own held-out split of the labelled data. */
    readonly accuracy: number,
    readonly testSize: number
  ) {}

  /** Its dense layers, input first (w row-major [rows, cols]): for tools that score samples elsewhere. */
  get weights(): readonly Readonly<Layer>[] {
    return this.layers
  }

  /**
   * The classifier for these (standardised) images and labels: read from the cache, or trained and cached.
   * @throws ConfigError without labels or with fewer than 2 classes.
   */
  static async forData(
    x: Points,
    labels: Int32Array,
    classes: number,
    opts: ClassifierOptions = {}
  ): Promise<ImageClassifier> {
    if (labels.length !== x.n)
      throw new ConfigError(`The classifier needs one label per image (${labels.length} for ${x.n}).`)
    if (classes < 2) throw new ConfigError('The image classifier needs at least 2 classes.')
    const steps = opts.steps ?? 800
    const batch = opts.batch ?? 128
    const seed = opts.seed ?? 0
    const key = createHash('sha256')
      .update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength))
      .update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength))
      .update(`${VERSION}:${x.d}:${classes}:${steps}:${batch}:${seed}`)
      .digest('hex')
      .slice(0, 24)
    const file = opts.cacheDir ? path.join(opts.cacheDir, `classifier-${key}.json`) : null
    if (file) {
      const hit = ImageClassifier.read(file, key)
      if (hit) return hit
    }
    const clf = await ImageClassifier.train(x, labels, classes, steps, batch, new Rng(seed ^ 0xc1a55))
    if (file) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true })
        writeFileAtomic(file, JSON.stringify(clf.toJSON(key)))
      } catch {
        /* an unwritable cache: train again next time */
      }
    }
    return clf
  }

  private static read(file: string, key: string): ImageClassifier | null {
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Stored
      if (s.version !== VERSION || s.key !== key) return null
      const f32 = (b64: string): Float32Array => {
        const buf = Buffer.from(b64, 'base64')
        return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
      }
      const layers = s.layers.map((l) => ({ w: f32(l.w), b: f32(l.b), rows: l.rows, cols: l.cols }))
      return new ImageClassifier(layers, s.classes, s.accuracy, s.testSize)
    } catch {
      return null
    }
  }

  private toJSON(key: string): Stored {
    const b64 = (a: Float32Array): string =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
    return {
      version: VERSION,
      key,
      classes: this.classes,
      accuracy: this.accuracy,
      testSize: this.testSize,
      layers: this.layers.map((l) => ({ w: b64(l.w), b: b64(l.b), rows: l.rows, cols: l.cols }))
    }
  }

  /** Trains on 80 % of the images (seeded split), measures accuracy on the other 20 %. */
  private static async train(
    x: Points,
    labels: Int32Array,
    classes: number,
    steps: number,
    batch: number,
    rng: Rng
  ): Promise<ImageClassifier> {
    const perm = rng.permutation(x.n)
    const nTest = Math.max(1, Math.round(0.2 * x.n))
    const testIdx = perm.subarray(0, nTest)
    const trainIdx = perm.subarray(nTest)
    const sizes = [x.d, ...HIDDEN, classes]
    const vars = sizes.slice(1).map((cols, k) => {
      const rows = sizes[k]!
      const std = Math.sqrt(2 / rows)
      const w = Float32Array.from(rng.normals(rows * cols), (v) => v * std)
      return { w: tf.variable(tf.tensor2d(w, [rows, cols])), b: tf.variable(tf.zeros([cols])) }
    })
    const opt = tf.train.adam(1e-3)
    const B = Math.min(batch, trainIdx.length)
    const xb = new Float32Array(B * x.d)
    const yb = new Int32Array(B)
    try {
      for (let step = 0; step < steps; step++) {
        for (let i = 0; i < B; i++) {
          const r = trainIdx[rng.int(trainIdx.length)]!
          xb.set(x.data.subarray(r * x.d, (r + 1) * x.d), i * x.d)
          yb[i] = labels[r]!
        }
        tf.tidy(() => {
          const xt = tf.tensor2d(xb, [B, x.d])
          const yt = tf.oneHot(tf.tensor1d(yb, 'int32'), classes)
          opt.minimize(() => {
            let h: tf.Tensor2D = xt
            vars.forEach((v, k) => {
              h = tf.add(tf.matMul(h, v.w), v.b)
              if (k < vars.length - 1) h = tf.relu(h)
            })
            return tf.losses.softmaxCrossEntropy(yt, h) as tf.Scalar
          })
        })
        if (step % 50 === 49) await new Promise((r) => setImmediate(r))
      }
      const layers = vars.map((v, k) => ({
        w: v.w.dataSync() as Float32Array,
        b: v.b.dataSync() as Float32Array,
        rows: sizes[k]!,
        cols: sizes[k + 1]!
      }))
      const clf = new ImageClassifier(layers, classes, 0, nTest)
      const test = gather(x.data, x.d, testIdx)
      const pred = clf.predict(test)
      let right = 0
      for (let i = 0; i < nTest; i++) if (pred[i] === labels[testIdx[i]!]) right++
      return new ImageClassifier(layers, classes, right / nTest, nTest)
    } finally {
      for (const v of vars) {
        v.w.dispose()
        v.b.dispose()
      }
      opt.dispose()
    }
  }

  /** Activations of every layer for the rows of `x` (the last one: logits). */
  private forward(x: Points, upTo: number): Points {
    let h = x
    for (let k = 0; k < upTo; k++) {
      const { w, b, rows, cols } = this.layers[k]!
      if (h.d !== rows)
        throw new ConfigError(`The classifier reads ${rows} values per image, these have ${h.d}.`)
      const out = new Float32Array(h.n * cols)
      const acc = new Float64Array(cols)
      for (let i = 0; i < h.n; i++) {
        acc.set(b)
        for (let r = 0; r < rows; r++) {
          const v = h.data[i * rows + r]!
          if (v === 0) continue
          const base = r * cols
          for (let c = 0; c < cols; c++) acc[c] = acc[c]! + v * w[base + c]!
        }
        const relu = k < this.layers.length - 1
        for (let c = 0; c < cols; c++) out[i * cols + c] = relu ? Math.max(acc[c]!, 0) : acc[c]!
      }
      h = { n: h.n, d: cols, data: out }
    }
    return h
  }

  /** The penultimate activations (FEATURE_DIM per image). */
  features(x: Points): Points {
    return this.forward(x, this.layers.length - 1)
  }

  /** Predicted class of each row. */
  predict(x: Points): Int32Array {
    const logits = this.forward(x, this.layers.length)
    const out = new Int32Array(x.n)
    for (let i = 0; i < x.n; i++) {
      let best = 0
      for (let c = 1; c < this.classes; c++)
        if (logits.data[i * this.classes + c]! > logits.data[i * this.classes + best]!) best = c
      out[i] = best
    }
    return out
  }
}
