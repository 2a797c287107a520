/**
 * Experiment: the whole training step of the reference workload — forward, hand-written backward and the
 * Adam update — as one ONNX graph run by onnxruntime-node (native MLAS GEMMs, AVX2/AVX-512, its own thread
 * pool), one `session.run` per step. Same network (weights from the engine's `Mlp`), same loss, same Adam
 * formula as `tf.train.adam` (tests/engine/bench/onnx-train-step.test.ts checks a step against the engine's).
 *
 * Not wired into training: objectives are tfjs code, and this needs each loss's backward written as graph
 * nodes. It measures what a native step costs on this machine (docs/benchmarks.md).
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node'
import type { MlpWeights } from '../models/mlp'

// ---------------------------------------------------------------------------------------------------------
// A minimal protobuf writer for the ONNX messages used here (onnx.proto3 field numbers).

class Pb {
  private readonly parts: number[] = []

  private varint(v: number): void {
    let n = BigInt.asUintN(64, BigInt(v))
    while (n >= 0x80n) {
      this.parts.push(Number(n & 0x7fn) | 0x80)
      n >>= 7n
    }
    this.parts.push(Number(n))
  }
  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }
  int(field: number, v: number): this {
    this.key(field, 0)
    this.varint(v)
    return this
  }
  float(field: number, v: number): this {
    this.key(field, 5)
    const b = new Uint8Array(new Float32Array([v]).buffer)
    for (const x of b) this.parts.push(x)
    return this
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2)
    this.varint(b.length)
    for (const x of b) this.parts.push(x)
    return this
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s))
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish())
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}

const FLOAT = 1
const INT64 = 7

type Attr = { name: string } & ({ f: number } | { i: number } | { ints: number[] })

function attribute(a: Attr): Pb {
  const p = new Pb().str(1, a.name)
  if ('f' in a) return p.float(2, a.f).int(20, 1)
  if ('i' in a) return p.int(3, a.i).int(20, 2)
  for (const v of a.ints) p.int(8, v)
  return p.int(20, 7)
}

function valueInfo(name: string, dims: number[]): Pb {
  const shape = new Pb()
  for (const d of dims) shape.msg(1, new Pb().int(1, d))
  return new Pb().str(1, name).msg(2, new Pb().msg(1, new Pb().int(1, FLOAT).msg(2, shape)))
}

function initializer(name: string, dims: number[], data: Float32Array | BigInt64Array): Pb {
  const t = new Pb()
  for (const d of dims) t.int(1, d)
  t.int(2, data instanceof Float32Array ? FLOAT : INT64).str(8, name)
  return t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
}

class Graph {
  private readonly nodes: Pb[] = []
  private readonly inits: Pb[] = []
  private readonly inputs: Pb[] = []
  private readonly outputs: Pb[] = []
  private n = 0

  input(name: string, dims: number[]): string {
    this.inputs.push(valueInfo(name, dims))
    return name
  }
  output(name: string, dims: number[]): void {
    this.outputs.push(valueInfo(name, dims))
  }
  const(values: number[], dims: number[] = [values.length]): string {
    const name = `c${this.n++}`
    this.inits.push(initializer(name, dims, Float32Array.from(values)))
    return name
  }
  constInt(values: number[]): string {
    const name = `c${this.n++}`
    this.inits.push(initializer(name, [values.length], BigInt64Array.from(values.map(BigInt))))
    return name
  }
  op(type: string, inputs: string[], attrs: Attr[] = [], out?: string): string {
    const o = out ?? `t${this.n++}`
    const node = new Pb()
    for (const i of inputs) node.str(1, i)
    node.str(2, o).str(3, `${type}_${this.n++}`).str(4, type)
    for (const a of attrs) node.msg(5, attribute(a))
    this.nodes.push(node)
    return o
  }
  model(): Uint8Array {
    const g = new Pb()
    for (const n of this.nodes) g.msg(1, n)
    g.str(2, 'train_step')
    for (const i of this.inits) g.msg(5, i)
    for (const i of this.inputs) g.msg(11, i)
    for (const o of this.outputs) g.msg(12, o)
    return new Pb()
      .int(1, 8)
      .str(2, 'pushforward-lab')
      .msg(7, g)
      .msg(8, new Pb().str(1, '').int(2, 17))
      .finish()
  }
}

// ---------------------------------------------------------------------------------------------------------

export interface AdamConfig {
  lr: number
  beta1: number
  beta2: number
  epsilon: number
}

/**
 * The training-step graph of an MLP with SiLU hidden layers and the mean-squared-error loss.
 * Inputs: x [B, in], y [B, out], k [2] = (1/(1 − β₁ᵗ), 1/(1 − β₂ᵗ)), then per parameter p_i, m_i, v_i.
 * Outputs: loss, then per parameter p_i', m_i', v_i'.
 */
export function trainStepModel(shapes: number[][], batch: number, adam: AdamConfig): Uint8Array {
  const g = new Graph()
  const L = shapes.length / 2
  const inDim = shapes[0]![0]!
  const outDim = shapes[shapes.length - 2]![1]!
  const x = g.input('x', [batch, inDim])
  const y = g.input('y', [batch, outDim])
  const k = g.input('k', [2])
  const p = shapes.map((s, i) => g.input(`p${i}`, s))
  const m = shapes.map((s, i) => g.input(`m${i}`, s))
  const v = shapes.map((s, i) => g.input(`v${i}`, s))
  const one = g.const([1], [])
  // Forward, keeping what the backward needs.
  const hs: string[] = [x]
  const ss: string[] = []
  let h = x
  for (let l = 0; l < L; l++) {
    const z = g.op('Gemm', [h, p[2 * l]!, p[2 * l + 1]!])
    if (l === L - 1) {
      h = z
      break
    }
    const s = g.op('Sigmoid', [z])
    h = g.op('Mul', [z, s])
    ss.push(s)
    hs.push(h)
  }
  const d = g.op('Sub', [h, y])
  g.op('ReduceMean', [g.op('Mul', [d, d])], [{ name: 'keepdims', i: 0 }], 'loss')
  g.output('loss', [])
  // Backward: ∂loss/∂out = 2d/(B·out); per layer ∂W = hᵀ·∂z, ∂b = Σ_rows ∂z, ∂h = ∂z·Wᵀ.
  const grads: string[] = new Array<string>(shapes.length)
  const axis0 = g.constInt([0])
  let dz = g.op('Mul', [d, g.const([2 / (batch * outDim)], [])])
  for (let l = L - 1; l >= 0; l--) {
    grads[2 * l] = g.op('Gemm', [hs[l]!, dz], [{ name: 'transA', i: 1 }])
    grads[2 * l + 1] = g.op('ReduceSum', [dz, axis0], [{ name: 'keepdims', i: 0 }])
    if (l === 0) break
    const dh = g.op('Gemm', [dz, p[2 * l]!], [{ name: 'transB', i: 1 }])
    // SiLU: ∂z = ∂h · (s + h(1 − s))
    const s = ss[l - 1]!
    const hl = hs[l]!
    dz = g.op('Mul', [dh, g.op('Add', [s, g.op('Mul', [hl, g.op('Sub', [one, s])])])])
  }
  // Adam, as tf.train.adam: m' = β₁m + (1−β₁)g, v' = β₂v + (1−β₂)g², p' = p − lr·(m'k₁)/(√(v'k₂) + ε).
  const [b1, c1, b2, c2, eps, lr] = [
    adam.beta1,
    1 - adam.beta1,
    adam.beta2,
    1 - adam.beta2,
    adam.epsilon,
    adam.lr
  ].map((c) => g.const([c], []))
  const k1 = g.op('Slice', [k, g.constInt([0]), g.constInt([1])])
  const k2 = g.op('Slice', [k, g.constInt([1]), g.constInt([2])])
  shapes.forEach((s, i) => {
    const gi = grads[i]!
    const m1 = g.op('Add', [g.op('Mul', [m[i]!, b1!]), g.op('Mul', [gi, c1!])], [], `m${i}_out`)
    const v1 = g.op(
      'Add',
      [g.op('Mul', [v[i]!, b2!]), g.op('Mul', [g.op('Mul', [gi, gi]), c2!])],
      [],
      `v${i}_out`
    )
    const upd = g.op('Div', [
      g.op('Mul', [m1, k1]),
      g.op('Add', [g.op('Sqrt', [g.op('Mul', [v1, k2])]), eps!])
    ])
    g.op('Sub', [p[i]!, g.op('Mul', [upd, lr!])], [], `p${i}_out`)
    g.output(`p${i}_out`, s)
    g.output(`m${i}_out`, s)
    g.output(`v${i}_out`, s)
  })
  return g.model()
}

/** A stepper holding the parameters and Adam moments between `session.run` calls. */
export class OnnxTrainStep {
  private t = 0
  private constructor(
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly session: InferenceSession,
    private readonly shapes: number[][],
    private state: Record<string, OrtTensor>,
    private readonly adam: AdamConfig,
    private readonly batch: number,
    private readonly dims: { inDim: number; outDim: number }
  ) {}

  static async create(
    weights: MlpWeights,
    opts: { batch: number; adam: AdamConfig; threads?: number }
  ): Promise<OnnxTrainStep> {
    const ort = await import('onnxruntime-node')
    const shapes: number[][] = []
    const state: Record<string, OrtTensor> = {}
    weights.layers.forEach((l, i) => {
      shapes.push([l.inDim, l.outDim], [l.outDim])
      state[`p${2 * i}`] = new ort.Tensor('float32', Float32Array.from(l.w), [l.inDim, l.outDim])
      state[`p${2 * i + 1}`] = new ort.Tensor('float32', Float32Array.from(l.b), [l.outDim])
    })
    shapes.forEach((s, i) => {
      const n = s.reduce((a, b) => a * b, 1)
      state[`m${i}`] = new ort.Tensor('float32', new Float32Array(n), s)
      state[`v${i}`] = new ort.Tensor('float32', new Float32Array(n), s)
    })
    const model = trainStepModel(shapes, opts.batch, opts.adam)
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: opts.threads ?? 0,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Idle pool threads sleep instead of spinning: on a shared machine spinning burns the other core.
      extra: { session: { intra_op: { allow_spinning: '0' } } }
    })
    const dims = { inDim: weights.spec.inDim, outDim: weights.spec.outDim }
    return new OnnxTrainStep(ort, session, shapes, state, opts.adam, opts.batch, dims)
  }

  /** One step on a batch; returns the loss (computed before the update, as the engine's step). */
  async step(input: Float32Array, target: Float32Array): Promise<number> {
    this.t++
    const { beta1, beta2 } = this.adam
    const k = new Float32Array([1 / (1 - beta1 ** this.t), 1 / (1 - beta2 ** this.t)])
    const feeds: Record<string, OrtTensor> = {
      ...this.state,
      x: new this.ort.Tensor('float32', input, [this.batch, this.dims.inDim]),
      y: new this.ort.Tensor('float32', target, [this.batch, this.dims.outDim]),
      k: new this.ort.Tensor('float32', k, [2])
    }
    const out = await this.session.run(feeds)
    const loss = (out.loss!.data as Float32Array)[0]!
    if (!Number.isFinite(loss)) {
      this.t--
      return loss
    }
    for (let i = 0; i < this.shapes.length; i++)
      for (const kind of ['p', 'm', 'v']) this.state[`${kind}${i}`] = out[`${kind}${i}_out`]!
    return loss
  }

  /** The current weights, in the engine's serialisable form. */
  weights(spec: MlpWeights['spec']): MlpWeights {
    const layers = []
    for (let i = 0; i < this.shapes.length / 2; i++) {
      const [inDim, outDim] = this.shapes[2 * i] as [number, number]
      layers.push({
        w: Array.from(this.state[`p${2 * i}`]!.data as Float32Array),
        b: Array.from(this.state[`p${2 * i + 1}`]!.data as Float32Array),
        inDim,
        outDim
      })
    }
    return { spec, layers }
  }

  async dispose(): Promise<void> {
    await this.session.release()
  }
}
