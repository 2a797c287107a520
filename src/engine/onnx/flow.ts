/**
 * The §4 flow models as ONNX graphs, from the time-conditioned network the engine trains
 * (models/velocity.ts: an MLP on the row [x, emb(t)]):
 *
 * - `velocityNetModel`: the network itself, x [batch, d], t [batch] → v [batch, d] (a velocity for cfm /
 *   ot-cfm / reflow, a noise prediction ε̂ for ddpm), in the standardised coordinates it was trained in.
 * - `fusedSamplerModel`: a whole K-step deterministic sampler z [batch, d] → x [batch, d] in data units, as
 *   one graph. Every sampler the engine offers is, step by step, a linear update of the state and one network
 *   evaluation (`solverPlan`):
 *     euler / ddim            x ← cx·x + ce·net(x, t)
 *     heun   (predictor)      y ← cx·x + ce·net(x, t)
 *            (corrector)      x ← cx'·x + cy·y + ce'·net(y, s)
 *   with coefficients computed in float64 at export time from the grid, the field kind and the schedule.
 *
 * Unrolled form (the default): the K steps are written out, every step reading the same weight initializers.
 * Two things are folded at export time instead of computed in the graph:
 * - the time embedding: the first layer of net(x, t) is x·W_x + emb(t)·W_t + b, and t is a constant of each
 *   step, so emb(t)·W_t + b is one bias vector per distinct time (no Sin/Cos/Concat in the graph);
 * - the update: the last layer's Gemm computes ce·(h·W) + C with C = cx·x + ce·b (Gemm's alpha and C
 *   inputs), and on the last step the de-standardisation x·std + mean goes into C and a scaled copy of W.
 * An Euler step is then the MLP's nodes plus one Add.
 *
 * Loop form (`form: 'loop'`): one ONNX `Loop` over K iterations whose body gathers the step's bias and
 * coefficients from [K, …] tables; smaller for large K, slower to run in onnxruntime (docs/benchmarks.md).
 */
import type { MlpWeights } from '../models/mlp'
import { timeEmbedding, type VelocityWeights } from '../models/velocity'
import { OnnxExportError } from './errors'
import { GraphBuilder } from './graph'
import { activationGraph, applyMlp, checkMlpWeights, mlpParams, type OutputAffine } from './mlp'
import { attr, DataType, type Dim } from './onnx-proto'
import { affineColumns, concatColumns, sinusoidalEmbedding } from './sampler'
import { timeFrequencies } from '../models/velocity'

/** A network of (x, t): an MLP on [x, features(t)], as the engine evaluates it. */
export interface TimedNet {
  /** Data dimension d (input x and output). */
  dim: number
  mlp: MlpWeights
  /** The features the engine concatenates to x at time t (float32 values, as the engine rounds them). */
  features(t: number): Float32Array
  /** The same featurisation inside a graph: t [batch, 1] → [batch, features]. */
  featureGraph(g: GraphBuilder, tCol: string): string
}

/** The engine's velocity network: x concatenated with the sinusoidal embedding of t. */
export function timedNetOf(w: VelocityWeights): TimedNet {
  const { dim, timeDim, maxFreq } = w.spec
  if (w.mlp.spec.inDim !== dim + timeDim || w.mlp.spec.outDim !== dim)
    throw new OnnxExportError(
      `The velocity network maps ${w.mlp.spec.inDim} → ${w.mlp.spec.outDim}, not ${dim + timeDim} → ${dim}.`
    )
  checkMlpWeights(w.mlp, 'velocity network')
  return {
    dim,
    mlp: w.mlp,
    features: (t) => timeEmbedding([t], timeDim, maxFreq),
    featureGraph: (g, tCol) => sinusoidalEmbedding(g, tCol, timeFrequencies(timeDim, maxFreq), 'time_embed')
  }
}

/** A network on the raw row [x, t] (the PyTorch peer's velocity MLP, d + 1 → d). */
export function rawTimeNet(mlp: MlpWeights): TimedNet {
  checkMlpWeights(mlp, 'velocity network')
  return {
    dim: mlp.spec.outDim,
    mlp,
    features: (t) => Float32Array.of(t),
    featureGraph: (_g, tCol) => tCol
  }
}

/** y = cx·x + ce·net(x, t). */
export interface LinearUpdate {
  t: number
  cx: number
  ce: number
}

/** One step of a sampler: the update (Euler, DDIM) or Heun's predictor, and Heun's corrector. */
export interface SolverStep {
  predict: LinearUpdate
  /** x ← cx·x + cy·y + ce·net(y, t), y the predictor's output. */
  correct?: LinearUpdate & { cy: number }
}

export type FusedSampler = 'euler' | 'heun' | 'ddim'
export const FUSED_SAMPLERS: readonly FusedSampler[] = ['euler', 'heun', 'ddim']

/**
 * What the network predicts:
 * - `velocity`: dx/dt = net(x, t) (flow matching, time 0 → 1);
 * - `eps`: ε̂ of a variance-preserving diffusion with ᾱ(t), β(t); the probability-flow ODE is
 *   dx/dt = −½β(t)·(x − ε̂/σ_t), σ_t = √(1 − ᾱ(t)) (ddpm.ts), time 1 → 0.
 */
export type FieldKind =
  { kind: 'velocity' } | { kind: 'eps'; alphaBar(t: number): number; beta(t: number): number }

/** dx/dt = a(t)·x + b(t)·net(x, t). */
function fieldCoefficients(field: FieldKind, t: number): { a: number; b: number } {
  if (field.kind === 'velocity') return { a: 0, b: 1 }
  const beta = field.beta(t)
  const sigma = Math.sqrt(Math.max(0, 1 - field.alphaBar(t)))
  return { a: -0.5 * beta, b: (0.5 * beta) / sigma }
}

/**
 * The steps of `sampler` on `grid` (K + 1 times, in the direction of integration), coefficients in float64:
 * - euler: x ← x + h·v(x, t_k), h = t_{k+1} − t_k;
 * - heun:  y = x + h·v(x, t_k), x ← x + h/2·(v(x, t_k) + v(y, t_{k+1})) = ½x + ½y + h/2·v(y, t_{k+1}) + …;
 * - ddim (η = 0, `eps` fields): x ← √ᾱ_s·x̂₀ + √(1 − ᾱ_s)·ε̂, x̂₀ = (x − √(1 − ᾱ_t)·ε̂)/√ᾱ_t.
 */
export function solverPlan(field: FieldKind, sampler: FusedSampler, grid: readonly number[]): SolverStep[] {
  if (grid.length < 2) throw new OnnxExportError('A sampler needs at least one step.')
  const steps: SolverStep[] = []
  for (let k = 0; k + 1 < grid.length; k++) {
    const t = grid[k]!
    const s = grid[k + 1]!
    const h = s - t
    if (sampler === 'ddim') {
      if (field.kind !== 'eps') throw new OnnxExportError('DDIM needs a noise-predicting (ddpm) network.')
      const at = field.alphaBar(t)
      const as = field.alphaBar(s)
      const r = Math.sqrt(as) / Math.sqrt(at)
      steps.push({
        predict: { t, cx: r, ce: Math.sqrt(Math.max(0, 1 - as)) - r * Math.sqrt(1 - at) }
      })
      continue
    }
    const c1 = fieldCoefficients(field, t)
    const predict = { t, cx: 1 + h * c1.a, ce: h * c1.b }
    if (sampler === 'euler') {
      steps.push({ predict })
      continue
    }
    const c2 = fieldCoefficients(field, s)
    steps.push({ predict, correct: { t: s, cx: 0.5, cy: 0.5 + 0.5 * h * c2.a, ce: 0.5 * h * c2.b } })
  }
  return steps
}

/**
 * How much the plan amplifies an error δ in the network's output into the sample, ignoring the network's own
 * Jacobian: g ← |cx|·g + |ce| per update (Heun's corrector: |cx|·g + |cy|·g_y + |ce|). 1 for a flow-matching
 * Euler sampler on [0, 1]; 1/√ᾱ(1) ≈ 150 for a one-step DDIM, whose x̂₀ divides by √ᾱ.
 */
export function planGain(plan: readonly SolverStep[]): number {
  let g = 0
  for (const s of plan) {
    const y = Math.abs(s.predict.cx) * g + Math.abs(s.predict.ce)
    g = s.correct ? Math.abs(s.correct.cx) * g + Math.abs(s.correct.cy) * y + Math.abs(s.correct.ce) : y
  }
  return g
}

/** Network evaluations of a plan (Heun: 2 per step). */
export function planEvaluations(plan: readonly SolverStep[]): number {
  return plan.reduce((n, s) => n + (s.correct ? 2 : 1), 0)
}

export interface FlowModelBytes {
  bytes: Uint8Array
  inputs: { name: string; type: 'float32'; shape: Dim[] }[]
  outputs: { name: string; type: 'float32'; shape: Dim[] }[]
  /** Node and initializer counts (for reports). */
  stats: { nodes: number; initializers: number; parameters: number }
}

export interface ModelMeta {
  docString?: string
  metadata?: Record<string, string>
}

/** Serialises a finished graph with its metadata, and the counts a report shows. */
export function finishModel(
  g: GraphBuilder,
  inputs: FlowModelBytes['inputs'],
  outputs: FlowModelBytes['outputs'],
  meta: ModelMeta
): FlowModelBytes {
  const bytes = g.toModel({
    ...(meta.docString !== undefined ? { docString: meta.docString } : {}),
    ...(meta.metadata ? { metadata: meta.metadata } : {})
  })
  const s = g.stats()
  return {
    bytes,
    inputs,
    outputs,
    stats: { nodes: s.nodes, initializers: s.initializers, parameters: s.parameters }
  }
}

/**
 * The network as a model: x [batch, d] and t [batch] (one time per row) → `output` [batch, d], standardised
 * coordinates. The graph embeds t itself (Unsqueeze, Mul, Sin, Cos), concatenates and applies the MLP.
 */
export function velocityNetModel(net: TimedNet, output = 'v', meta: ModelMeta = {}): FlowModelBytes {
  const d = net.dim
  const inputs: FlowModelBytes['inputs'] = [
    { name: 'x', type: 'float32', shape: ['batch', d] },
    { name: 't', type: 'float32', shape: ['batch'] }
  ]
  const outputs: FlowModelBytes['outputs'] = [{ name: output, type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('velocity')
  const x = g.input('x', inputs[0]!.shape)
  const t = g.input('t', inputs[1]!.shape)
  const tCol = g.node('Unsqueeze', [t, g.int64s([1])], {}, { output: 't_col' })
  const row = concatColumns(g, [x, net.featureGraph(g, tCol)], 'net_in')
  g.output(output, outputs[0]!.shape, applyMlp(g, mlpParams(g, net.mlp, 'net'), row))
  return finishModel(g, inputs, outputs, meta)
}

/**
 * The network split for the fused graphs: the first layer's x rows, its time rows (as numbers), the rest.
 * Initializers are registered on first use, so a graph holds only the weights it reads.
 */
interface SplitNet {
  d: number
  act: MlpWeights['spec']['activation']
  /** W_x [d, width₀]: the initializer's name, and its values. */
  wx(): string
  wxData: readonly number[]
  /** emb(t)·W_t + b₀ in float64 (the first layer's bias at time t). */
  firstBias(t: number): Float64Array
  /** Layers 1 … n−1 (empty for a single-layer network). */
  rest: { w(): string; b(): string; wData: readonly number[]; bData: readonly number[]; outDim: number }[]
  width0: number
}

function lazy(make: () => string): () => string {
  let name: string | null = null
  return () => (name ??= make())
}

function splitNet(g: GraphBuilder, net: TimedNet, scope: string): SplitNet {
  const layers = net.mlp.layers
  const d = net.dim
  const first = layers[0]!
  const width0 = first.outDim
  const featDim = first.inDim - d
  const wxData = first.w.slice(0, d * width0)
  const wx = lazy(() => g.initializer(g.unique(`${scope}/w0_x`), wxData, [d, width0]))
  const firstBias = (t: number): Float64Array => {
    const f = net.features(t)
    if (f.length !== featDim)
      throw new OnnxExportError(`The time features have ${f.length} values; the network reads ${featDim}.`)
    const b = Float64Array.from(first.b)
    for (let i = 0; i < featDim; i++) {
      const fi = f[i]!
      if (fi === 0) continue
      const row = (d + i) * width0
      for (let j = 0; j < width0; j++) b[j]! += fi * first.w[row + j]!
    }
    return b
  }
  const rest = layers.slice(1).map((l, i) => ({
    w: lazy(() => g.initializer(g.unique(`${scope}/w${i + 1}`), l.w, [l.inDim, l.outDim])),
    b: lazy(() => g.initializer(g.unique(`${scope}/b${i + 1}`), l.b, [l.outDim])),
    wData: l.w,
    bData: l.b,
    outDim: l.outDim
  }))
  return { d, act: net.mlp.spec.activation, wx, wxData, firstBias, rest, width0 }
}

/** The input h of the last layer, its weights and its bias (values) for one evaluation. */
interface LastLayer {
  h: string
  w: () => string
  wData: readonly number[]
  inDim: number
  bias: ArrayLike<number>
}

/**
 * Evaluates the network up to its last layer on x with the first-layer bias `firstBias` (a value name;
 * `firstBiasData` its numbers, used when the first layer is also the last).
 */
function evalToLast(
  g: GraphBuilder,
  p: SplitNet,
  x: string,
  firstBias: () => string,
  firstBiasData: ArrayLike<number> | null,
  tag: string
): LastLayer {
  if (p.rest.length === 0)
    return { h: x, w: p.wx, wData: p.wxData, inDim: p.d, bias: firstBiasData ?? new Float64Array(p.d) }
  let h = g.node('Gemm', [x, p.wx(), firstBias()], {}, { output: g.unique(`${tag}/l0/gemm`) })
  h = activationGraph(g, h, p.act, `${tag}/l0`)
  for (let i = 0; i + 1 < p.rest.length; i++) {
    const l = p.rest[i]!
    h = g.node('Gemm', [h, l.w(), l.b()], {}, { output: g.unique(`${tag}/l${i + 1}/gemm`) })
    h = activationGraph(g, h, p.act, `${tag}/l${i + 1}`)
  }
  const last = p.rest[p.rest.length - 1]!
  return { h, w: last.w, wData: last.wData, inDim: last.wData.length / last.outDim, bias: last.bData }
}

/**
 * Σ coef_i·term_i + ce·net as nodes: C = Σ coef_i·term_i + ce·b, then Gemm(h, W, C, alpha = ce). With
 * `affine` (the last step) every coefficient is scaled per column and the shift added, W replaced by
 * W·diag(ce·scale) (one extra initializer).
 */
function linearUpdate(
  g: GraphBuilder,
  terms: readonly [string, number][],
  last: LastLayer,
  ce: number,
  d: number,
  tag: string,
  affine: OutputAffine | null
): string {
  const out = (s: string): { output: string } => ({ output: g.unique(`${tag}/${s}`) })
  const scale = (j: number): number => (affine ? affine.scale[j]! : 1)
  let c: string | null = null
  for (const [term, coef] of terms) {
    if (coef === 0) continue
    const scaled = Array.from({ length: d }, (_, j) => coef * scale(j))
    const v =
      !affine && coef === 1
        ? term
        : g.node('Mul', [term, affine ? g.constant(scaled, [d]) : g.constant(coef)], {}, out('cx'))
    c = c === null ? v : g.node('Add', [c, v], {}, out('sum'))
  }
  const bias = Array.from(
    { length: d },
    (_, j) => ce * last.bias[j]! * scale(j) + (affine ? affine.shift[j]! : 0)
  )
  if (bias.some((v) => v !== 0)) {
    const b = g.constant(bias, [d])
    c = c === null ? b : g.node('Add', [c, b], {}, out('c'))
  }
  if (ce === 0) {
    if (c === null) throw new OnnxExportError('A sampler step with no terms.')
    return c
  }
  c ??= g.constant(new Array<number>(d).fill(0), [d])
  if (!affine) return g.node('Gemm', [last.h, last.w(), c], { alpha: attr.float(ce) }, out('x'))
  const w = last.wData.map((v, i) => v * ce * scale(i % d))
  const wName = g.initializer(g.unique(`${tag}/w_out`), w, [last.inDim, d])
  return g.node('Gemm', [last.h, wName, c], {}, out('x'))
}

export interface FusedOptions extends ModelMeta {
  /** Unrolled steps sharing initializers (default) or one ONNX Loop. */
  form?: 'unrolled' | 'loop'
}

/**
 * The fused sampler z [batch, d] → x [batch, d]: the plan's steps on the network, then x·scale + shift
 * (`affine`: the de-standardisation std, mean; null for standardised output).
 */
export function fusedSamplerModel(
  net: TimedNet,
  plan: readonly SolverStep[],
  affine: OutputAffine | null,
  opts: FusedOptions = {}
): FlowModelBytes {
  if (plan.length === 0) throw new OnnxExportError('A fused sampler needs at least one step.')
  const d = net.dim
  if (affine && (affine.scale.length !== d || affine.shift.length !== d))
    throw new OnnxExportError(`The output transform has ${affine.scale.length} columns for ${d}-D samples.`)
  const inputs: FlowModelBytes['inputs'] = [{ name: 'z', type: 'float32', shape: ['batch', d] }]
  const outputs: FlowModelBytes['outputs'] = [{ name: 'x', type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder(opts.form === 'loop' ? 'sampler_loop' : 'sampler')
  const z = g.input('z', inputs[0]!.shape)
  const p = splitNet(g, net, 'net')
  const x = opts.form === 'loop' ? loopSteps(g, p, plan, z, affine) : unrolledSteps(g, p, plan, z, affine)
  g.output('x', outputs[0]!.shape, x)
  return finishModel(g, inputs, outputs, opts)
}

function unrolledSteps(
  g: GraphBuilder,
  p: SplitNet,
  plan: readonly SolverStep[],
  z: string,
  affine: OutputAffine | null
): string {
  const biases = new Map<number, { name: () => string; data: Float64Array }>()
  const biasAt = (t: number): { name: () => string; data: Float64Array } => {
    let b = biases.get(t)
    if (!b) {
      const data = p.firstBias(t)
      const label = `net/b0@t${biases.size}`
      b = { name: lazy(() => g.initializer(g.unique(label), Float32Array.from(data), [data.length])), data }
      biases.set(t, b)
    }
    return b
  }
  const evalAt = (x: string, t: number, tag: string): LastLayer => {
    const b = biasAt(t)
    return evalToLast(g, p, x, b.name, b.data, tag)
  }
  let x = z
  plan.forEach((s, k) => {
    const isLast = k === plan.length - 1
    const tag = `step${k}`
    const pr = s.predict
    const c = s.correct
    const y = linearUpdate(
      g,
      [[x, pr.cx]],
      evalAt(x, pr.t, `${tag}/a`),
      pr.ce,
      p.d,
      `${tag}/a`,
      c || !isLast ? null : affine
    )
    if (!c) {
      x = y
      return
    }
    x = linearUpdate(
      g,
      [
        [x, c.cx],
        [y, c.cy]
      ],
      evalAt(y, c.t, `${tag}/b`),
      c.ce,
      p.d,
      `${tag}/b`,
      isLast ? affine : null
    )
  })
  return x
}

function loopSteps(
  g: GraphBuilder,
  p: SplitNet,
  plan: readonly SolverStep[],
  z: string,
  affine: OutputAffine | null
): string {
  const K = plan.length
  const heun = plan.some((s) => s.correct)
  if (heun && !plan.every((s) => s.correct))
    throw new OnnxExportError('A Loop sampler needs the same update at every step.')
  const width = p.rest.length ? p.width0 : p.d
  const table = (name: string, rows: ArrayLike<number>[]): string => {
    const data = new Float32Array(K * width)
    rows.forEach((r, k) => data.set(Float32Array.from(r), k * width))
    return g.initializer(g.unique(name), data, [K, width])
  }
  const vec = (name: string, v: number[]): string => g.initializer(g.unique(name), v, [K])
  const tables = {
    b1: table(
      'loop/b0_predict',
      plan.map((s) => p.firstBias(s.predict.t))
    ),
    cx1: vec(
      'loop/cx_predict',
      plan.map((s) => s.predict.cx)
    ),
    ce1: vec(
      'loop/ce_predict',
      plan.map((s) => s.predict.ce)
    ),
    ...(heun
      ? {
          b2: table(
            'loop/b0_correct',
            plan.map((s) => p.firstBias(s.correct!.t))
          ),
          cx2: vec(
            'loop/cx_correct',
            plan.map((s) => s.correct!.cx)
          ),
          cy2: vec(
            'loop/cy_correct',
            plan.map((s) => s.correct!.cy)
          ),
          ce2: vec(
            'loop/ce_correct',
            plan.map((s) => s.correct!.ce)
          )
        }
      : {})
  }
  const outer = [p.wx(), ...p.rest.flatMap((l) => [l.w(), l.b()]), ...Object.values(tables)]
  const body = new GraphBuilder('sampler_step', 'body/').outerScope(outer)
  const iter = body.input('body/iter', [], DataType.INT64)
  const cond = body.input('body/cond', [], DataType.BOOL)
  const xin = body.input('body/x', ['batch', p.d])
  const gather = (t: string, s: string): string =>
    body.node('Gather', [t, iter], { axis: attr.int(0) }, { output: body.unique(`body/${s}`) })
  const netOut = (x: string, bTable: string, tag: string): string => {
    const b = gather(bTable, `${tag}/b0`)
    if (p.rest.length === 0)
      return body.node('Gemm', [x, p.wx(), b], {}, { output: body.unique(`body/${tag}/out`) })
    const last = evalToLast(body, p, x, () => b, null, `body/${tag}`)
    const l = p.rest[p.rest.length - 1]!
    return body.node('Gemm', [last.h, l.w(), l.b()], {}, { output: body.unique(`body/${tag}/out`) })
  }
  const mul = (a: string, c: string, s: string): string =>
    body.node('Mul', [a, c], {}, { output: body.unique(`body/${s}`) })
  const add = (a: string, b: string, s: string): string =>
    body.node('Add', [a, b], {}, { output: body.unique(`body/${s}`) })
  const e1 = netOut(xin, tables.b1, 'a')
  let xout = add(
    mul(xin, gather(tables.cx1, 'cx1'), 'a/cx'),
    mul(e1, gather(tables.ce1, 'ce1'), 'a/ce'),
    'a/y'
  )
  if (heun) {
    const y = xout
    const e2 = netOut(y, tables.b2!, 'b')
    const lin = add(
      mul(xin, gather(tables.cx2!, 'cx2'), 'b/cx'),
      mul(y, gather(tables.cy2!, 'cy2'), 'b/cy'),
      'b/xy'
    )
    xout = add(lin, mul(e2, gather(tables.ce2!, 'ce2'), 'b/ce'), 'b/x')
  }
  body.output(
    'body/cond_out',
    [],
    body.node('Identity', [cond], {}, { output: 'body/cond_pass' }),
    DataType.BOOL
  )
  body.output('body/x_out', ['batch', p.d], xout)
  const xK = g.node(
    'Loop',
    [g.int64s([K], []), '', z],
    { body: attr.graph(body.toGraphSpec()) },
    { output: 'loop/x' }
  )
  return affine ? affineColumns(g, xK, affine.scale, affine.shift) : xK
}

/** Network evaluations and the update of one plan step in plain JS (the K-separate-calls baseline). */
export function applyUpdate(
  out: Float32Array,
  terms: readonly [ArrayLike<number>, number][],
  e: ArrayLike<number>,
  ce: number
): void {
  for (let i = 0; i < out.length; i++) {
    let s = ce * e[i]!
    for (const [t, c] of terms) s += c * t[i]!
    out[i] = s
  }
}
