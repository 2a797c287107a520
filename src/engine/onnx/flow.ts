/**
 * The §4 flow models as ONNX graphs, from the time-conditioned network the engine trains
 * (models/velocity.ts: an MLP on the row [x, emb(t)]):
 *
 * - `velocityNetModel`: the network itself, x [batch, d], t [batch] → v [batch, d] (a velocity for cfm /
 *   ot-cfm / reflow, a noise prediction ε̂ for ddpm), in the standardised coordinates it was trained in.
 * - `fusedSamplerModel`: a whole K-step deterministic sampler z [batch, d] → x [batch, d] in data units, as
 *   one graph. Every sampler the engine offers is straight-line code of network evaluations and linear
 *   updates of earlier values — its record's update rule traced into a `Plan` (samplers/ops.ts), with
 *   coefficients computed in float64 at export time from the grid, the field and the schedule:
 *     euler / ddim            x ← cx·x + ce·net(x, t)
 *     heun                    y ← cx·x + ce·net(x, t);  x ← cx'·x + cy·y + ce'·net(y, s)
 *     rk4, dopri5, dpmpp-2m   more stages, or the previous step's data prediction.
 *
 * Unrolled form (the default): the K steps are written out, every step reading the same weight initializers.
 * Two things are folded at export time instead of computed in the graph:
 * - the time embedding: the first layer of net(x, t) is x·W_x + emb(t)·W_t + b, and t is a constant of each
 *   step, so emb(t)·W_t + b is one bias vector per distinct time (no Sin/Cos/Concat in the graph);
 * - the update: an evaluation read by one update only is folded into it — the last layer's Gemm computes
 *   ce·(h·W) + C with C = cx·x + ce·b (Gemm's alpha and C inputs); the final update takes the
 *   de-standardisation x·std + mean into C and a scaled copy of W.
 * An Euler step is then the MLP's nodes plus one Add.
 *
 * Loop form (`form: 'loop'`): one ONNX `Loop` over K iterations whose body gathers the step's biases and
 * coefficients from [K, …] tables (one-step methods only); smaller for large K, slower to run in onnxruntime
 * (docs/benchmarks.md).
 */
import type { MlpWeights } from '../models/mlp'
import { timeEmbedding, type VelocityWeights } from '../models/velocity'
import { atomUses, type Atom, type Plan, type PlanOp } from '../samplers'
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

/** A sampler's plan (samplers/ops.ts): straight-line code of network evaluations and linear updates. */
export type { Plan } from '../samplers'

/**
 * How much the plan amplifies an error δ in the network's output into the sample, ignoring the network's own
 * Jacobian: each evaluation adds 1, a linear update Σ c·v gives Σ |c|·g(v). 1 for a flow-matching Euler
 * sampler on [0, 1]; 1/√ᾱ(1) ≈ 150 for a one-step DDIM, whose x̂₀ divides by √ᾱ.
 */
export function planGain(plan: Plan): number {
  const g: number[] = [0]
  for (const o of plan.ops)
    g.push(o.op === 'net' ? 1 : o.terms.reduce((sum, [a, c]) => sum + Math.abs(c) * g[a]!, 0))
  return g[plan.out]!
}

/** Network evaluations of a plan. */
export function planEvaluations(plan: Plan): number {
  return plan.nfe
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

/** A velocity model's graph with its inputs x [batch, d], t [batch] declared, and its `output` [batch, d]. */
export function velocityModelIo(
  d: number,
  output: string
): Pick<FlowModelBytes, 'inputs' | 'outputs'> & { g: GraphBuilder; x: string; t: string } {
  const inputs: FlowModelBytes['inputs'] = [
    { name: 'x', type: 'float32', shape: ['batch', d] },
    { name: 't', type: 'float32', shape: ['batch'] }
  ]
  const outputs: FlowModelBytes['outputs'] = [{ name: output, type: 'float32', shape: ['batch', d] }]
  const g = new GraphBuilder('velocity')
  return { g, inputs, outputs, x: g.input('x', inputs[0]!.shape), t: g.input('t', inputs[1]!.shape) }
}

/**
 * The network as a model: x [batch, d] and t [batch] (one time per row) → `output` [batch, d], standardised
 * coordinates. The graph embeds t itself (Unsqueeze, Mul, Sin, Cos), concatenates and applies the MLP.
 */
export function velocityNetModel(net: TimedNet, output = 'v', meta: ModelMeta = {}): FlowModelBytes {
  const { g, inputs, outputs, x, t } = velocityModelIo(net.dim, output)
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
  terms: readonly (readonly [string, number])[],
  last: LastLayer | null,
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
    (_, j) => (last ? ce * last.bias[j]! * scale(j) : 0) + (affine ? affine.shift[j]! : 0)
  )
  if (bias.some((v) => v !== 0)) {
    const b = g.constant(bias, [d])
    c = c === null ? b : g.node('Add', [c, b], {}, out('c'))
  }
  if (ce === 0 || !last) {
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
 * The fused sampler z [batch, d] → x [batch, d]: the plan on the network, then x·scale + shift (`affine`: the
 * de-standardisation std, mean; null for standardised output).
 */
export function fusedSamplerModel(
  net: TimedNet,
  plan: Plan,
  affine: OutputAffine | null,
  opts: FusedOptions = {}
): FlowModelBytes {
  if (plan.steps.length === 0) throw new OnnxExportError('A fused sampler needs at least one step.')
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

/** The step (by its ops' ranges) an op belongs to, for node names. */
function stepOf(plan: Plan, i: number): number {
  let k = 0
  while (k + 1 < plan.steps.length && plan.steps[k + 1]! <= i) k++
  return k
}

/**
 * The plan's ops written out. A network evaluation read by exactly one linear update is folded into that
 * update's last Gemm (C = the other terms, alpha = its coefficient); the others are computed once, raw.
 * The output's update also takes the de-standardisation.
 */
function unrolledSteps(
  g: GraphBuilder,
  p: SplitNet,
  plan: Plan,
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
  const uses = atomUses(plan)
  // The evaluations folded into their one reader: the first single-use net term of each update.
  const folded = new Set<Atom>()
  for (const o of plan.ops)
    if (o.op === 'lin') {
      const f = o.terms.find(([a]) => a > 0 && uses[a] === 1 && plan.ops[a - 1]!.op === 'net')
      if (f) folded.add(f[0])
    }
  const names: string[] = [z]
  const pending = new Map<Atom, LastLayer>()
  plan.ops.forEach((o, i) => {
    const atom = i + 1
    const tag = `step${stepOf(plan, i)}/${o.op === 'net' ? 'net' : 'x'}`
    if (o.op === 'net') {
      const b = biasAt(o.t)
      const last = evalToLast(g, p, names[o.x]!, b.name, b.data, tag)
      if (folded.has(atom)) {
        pending.set(atom, last)
        names.push('')
      } else names.push(linearUpdate(g, [], last, 1, p.d, tag, null))
      return
    }
    const f = o.terms.find(([a]) => pending.has(a))
    const terms = o.terms.filter((t) => t !== f).map(([a, c]) => [names[a]!, c] as const)
    names.push(
      linearUpdate(
        g,
        terms,
        f ? pending.get(f[0])! : null,
        f ? f[1] : 0,
        p.d,
        tag,
        atom === plan.out ? affine : null
      )
    )
  })
  const out = names[plan.out]!
  const outIsUpdate = plan.out > 0 && plan.ops[plan.out - 1]!.op === 'lin'
  return affine && !outIsUpdate ? affineColumns(g, out, affine.scale, affine.shift) : out
}

const LOOP_NEEDS =
  "The loop form needs the same update at every step, reading only that step's input — a one-step method, not a multistep one such as dpmpp-2m: export it unrolled."

/** A plan as K equal steps of n ops: `rel(k, a)` is atom a relative to step k (−1: the step's input). */
export interface LoopLayout {
  K: number
  n: number
  rel(k: number, a: Atom): number
  opAt(k: number, j: number): PlanOp
}

/**
 * The plan's steps as one repeated body: every step has the same ops reading only the step's input and its own
 * values (one-step methods), and the output is the last op — else OnnxExportError.
 */
export function loopLayout(plan: Plan): LoopLayout {
  const K = plan.steps.length
  const n = (plan.steps[1] ?? plan.ops.length) - plan.steps[0]!
  const rel = (k: number, a: Atom): number => {
    const start = plan.steps[k]!
    if (a === start) return -1 // the step's input
    if (a > start && a <= start + n) return a - start - 1
    throw new OnnxExportError(LOOP_NEEDS)
  }
  const opAt = (k: number, j: number): PlanOp => plan.ops[plan.steps[k]! + j]!
  for (let k = 0; k < K; k++) {
    const end = plan.steps[k + 1] ?? plan.ops.length
    if (end - plan.steps[k]! !== n) throw new OnnxExportError(LOOP_NEEDS)
    for (let j = 0; j < n; j++) {
      const o = opAt(k, j)
      const o0 = opAt(0, j)
      const same =
        o.op === o0.op &&
        (o.op === 'net'
          ? rel(k, o.x) === rel(0, (o0 as typeof o).x)
          : o.terms.length === (o0 as typeof o).terms.length &&
            o.terms.every(([a], i) => rel(k, a) === rel(0, (o0 as typeof o).terms[i]![0])))
      if (!same) throw new OnnxExportError(LOOP_NEEDS)
    }
  }
  if (plan.out !== plan.ops.length) throw new OnnxExportError('The loop form needs the output last.')
  return { K, n, rel, opAt }
}

/**
 * The ONNX Loop of a laid-out plan, shared by every network kind: the body (inputs iter, cond, x of `xShape`)
 * runs the first step's ops, each linear update with its coefficients gathered at `iter` from `tables[j][i]`
 * ([K] each), each network call `net(j, x, gather)` (the network's own per-step tables gathered the same way).
 * `x0()` gives the initial state, built after the body. Returns the Loop's output: the state after K steps.
 */
export function sampleLoop(
  g: GraphBuilder,
  body: GraphBuilder,
  layout: LoopLayout,
  tables: readonly (readonly string[])[],
  xShape: Dim[],
  x0: () => string,
  net: (j: number, x: string, gather: (table: string, scope: string) => string) => string
): string {
  const { K, n, rel, opAt } = layout
  const iter = body.input('body/iter', [], DataType.INT64)
  const cond = body.input('body/cond', [], DataType.BOOL)
  const xin = body.input('body/x', xShape)
  const gather = (t: string, s: string): string =>
    body.node('Gather', [t, iter], { axis: attr.int(0) }, { output: body.unique(`body/${s}`) })
  const vals: string[] = []
  const ref = (a: Atom): string => {
    const r = rel(0, a)
    return r < 0 ? xin : vals[r]!
  }
  for (let j = 0; j < n; j++) {
    const o = opAt(0, j)
    if (o.op === 'net') {
      vals.push(net(j, ref(o.x), gather))
      continue
    }
    let acc: string | null = null
    o.terms.forEach(([a], i) => {
      const m = body.node(
        'Mul',
        [ref(a), gather(tables[j]![i]!, `op${j}/c${i}`)],
        {},
        {
          output: body.unique(`body/op${j}/m`)
        }
      )
      acc = acc === null ? m : body.node('Add', [acc, m], {}, { output: body.unique(`body/op${j}/sum`) })
    })
    if (acc === null) throw new OnnxExportError('A sampler update with no terms.')
    vals.push(acc)
  }
  body.output(
    'body/cond_out',
    [],
    body.node('Identity', [cond], {}, { output: 'body/cond_pass' }),
    DataType.BOOL
  )
  body.output('body/x_out', xShape, vals[n - 1]!)
  return g.node(
    'Loop',
    [g.int64s([K], []), '', x0()],
    { body: attr.graph(body.toGraphSpec()) },
    { output: 'loop/x' }
  )
}

/**
 * One ONNX Loop over K iterations whose body is the first step's ops, every coefficient and first-layer bias
 * gathered from [K, …] tables. Needs every step to have the same ops reading only the step's input (Euler,
 * Heun, RK4, DDIM, …; not a multistep method).
 */
function loopSteps(g: GraphBuilder, p: SplitNet, plan: Plan, z: string, affine: OutputAffine | null): string {
  const layout = loopLayout(plan)
  const { K, n, opAt } = layout
  const width = p.rest.length ? p.width0 : p.d
  const outer: string[] = [p.wx(), ...p.rest.flatMap((l) => [l.w(), l.b()])]
  const table = (name: string, rows: ArrayLike<number>[]): string => {
    const data = new Float32Array(K * width)
    rows.forEach((r, k) => data.set(Float32Array.from(r), k * width))
    const t = g.initializer(g.unique(name), data, [K, width])
    outer.push(t)
    return t
  }
  const vec = (name: string, v: number[]): string => {
    const t = g.initializer(g.unique(name), v, [K])
    outer.push(t)
    return t
  }
  const ks = Array.from({ length: K }, (_, k) => k)
  const tables = Array.from({ length: n }, (_, j) => {
    const o0 = opAt(0, j)
    return o0.op === 'net'
      ? [
          table(
            `loop/b0_${j}`,
            ks.map((k) => p.firstBias((opAt(k, j) as typeof o0).t))
          )
        ]
      : o0.terms.map((_, i) =>
          vec(
            `loop/c${j}_${i}`,
            ks.map((k) => (opAt(k, j) as typeof o0).terms[i]![1])
          )
        )
  })
  const body = new GraphBuilder('sampler_step', 'body/').outerScope(outer)
  const xK = sampleLoop(
    g,
    body,
    layout,
    tables,
    ['batch', p.d],
    () => z,
    (j, x, gather) => {
      const b = gather(tables[j]![0]!, `op${j}/b0`)
      if (p.rest.length === 0)
        return body.node('Gemm', [x, p.wx(), b], {}, { output: body.unique(`body/op${j}/out`) })
      const last = evalToLast(body, p, x, () => b, null, `body/op${j}`)
      const l = p.rest[p.rest.length - 1]!
      return body.node('Gemm', [last.h, l.w(), l.b()], {}, { output: body.unique(`body/op${j}/out`) })
    }
  )
  return affine ? affineColumns(g, xK, affine.scale, affine.shift) : xK
}
