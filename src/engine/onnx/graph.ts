/**
 * A tiny ONNX graph builder. Values are named strings; every value is defined once (inputs, initializers,
 * node outputs) before any node reads it, so the node list is always in topological order.
 *
 * ```ts
 * const g = new GraphBuilder('phi')
 * const z = g.input('z', ['batch', 2])
 * const w = g.initializer('w0', weights, [2, 64])
 * const h = g.node('Gemm', [z, w, b])          // → an auto-named output
 * g.output('x', ['batch', 2], h)               // an Identity when the names differ
 * const bytes = g.toModel({ metadata: { runId } })
 * ```
 *
 * Sub-graphs compose as plain functions `(g, x, …) => outputName` (see mlp.ts, sampler.ts): a function that
 * registers its initializers once and returns a closure can be applied many times to different inputs with
 * the weights shared.
 */
import {
  DataType,
  encodeModel,
  type AttrValue,
  type Dim,
  type ElemType,
  type GraphSpec,
  type NodeSpec,
  type TensorSpec,
  type ValueInfoSpec
} from './onnx-proto'

/** The versions every Pushforward Lab export uses (the Python checker of Debian's python3-onnx 1.12 reads them). */
export const IR_VERSION = 8
export const OPSET = 17
export const PRODUCER = 'pushforward-lab'

export interface ModelOptions {
  irVersion?: number
  opset?: number
  producerName?: string
  producerVersion?: string
  docString?: string
  /** metadata_props (key → value), in insertion order. */
  metadata?: Readonly<Record<string, string>>
}

export interface NodeOptions {
  /** Output value name (default: a fresh `<op>_<n>`). */
  output?: string
  /** Node name (default: derived from the output). */
  name?: string
  domain?: string
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = []
  private readonly inits: TensorSpec[] = []
  private readonly inputs: ValueInfoSpec[] = []
  private readonly outputs: ValueInfoSpec[] = []
  private readonly defined = new Set<string>()
  private readonly outer = new Set<string>()
  private readonly nodeNames = new Set<string>()
  private readonly consts = new Map<string, string>()
  private readonly memos = new Map<string, unknown>()
  private counter = 0

  /** `constPrefix` names the shared constants (`<prefix>const_<n>`): a Loop body's must differ from its parent's. */
  constructor(
    readonly name = 'graph',
    private readonly constPrefix = ''
  ) {}

  /** A value name not used yet, `prefix` or `prefix_<n>`. */
  unique(prefix: string): string {
    const free = (n: string): boolean => !this.defined.has(n) && !this.nodeNames.has(n) && !this.outer.has(n)
    if (free(prefix)) return prefix
    for (;;) {
      const n = `${prefix}_${this.counter++}`
      if (free(n)) return n
    }
  }

  /**
   * Values of an enclosing graph that this one (a `Loop` body) reads: readable by nodes, never redefined here,
   * and not inputs of this graph.
   */
  outerScope(names: Iterable<string>): this {
    for (const n of names) this.outer.add(n)
    return this
  }

  /** True when a value of this name exists. */
  has(name: string): boolean {
    return this.defined.has(name)
  }

  private define(name: string): string {
    if (!name) throw new Error('ONNX graph: empty value name.')
    if (this.defined.has(name) || this.outer.has(name))
      throw new Error(`ONNX graph: value "${name}" is defined twice.`)
    this.defined.add(name)
    return name
  }

  /** A graph input, float32 by default. Dims are sizes or symbolic names (`'batch'`). */
  input(name: string, shape: readonly Dim[], elemType: ElemType = DataType.FLOAT): string {
    this.inputs.push({ name: this.define(name), elemType, shape: [...shape] })
    return name
  }

  /** A float32 initializer (the data are copied). */
  initializer(name: string, data: Float32Array | readonly number[], dims: readonly number[]): string {
    const values = Float32Array.from(data)
    this.inits.push({ name: this.define(name), dims: [...dims], data: values })
    return name
  }

  /** An int64 initializer. */
  int64Initializer(name: string, data: readonly number[] | BigInt64Array, dims: readonly number[]): string {
    const values = data instanceof BigInt64Array ? data.slice() : BigInt64Array.from(data, (v) => BigInt(v))
    this.inits.push({ name: this.define(name), dims: [...dims], data: values })
    return name
  }

  /** A float32 constant (scalar by default), shared by every node that asks for the same values and dims. */
  constant(values: number | readonly number[], dims?: readonly number[]): string {
    const arr = Float32Array.from(typeof values === 'number' ? [values] : values)
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length])
    const key = `f:${shape.join('x')}:${Array.from(new Uint32Array(arr.buffer)).join(',')}`
    let name = this.consts.get(key)
    if (!name) {
      name = this.initializer(this.unique(`${this.constPrefix}const_${this.consts.size}`), arr, shape)
      this.consts.set(key, name)
    }
    return name
  }

  /** An int64 constant (1-D by default), shared like `constant`. */
  int64s(values: readonly number[], dims?: readonly number[]): string {
    const shape = dims ?? [values.length]
    const key = `i:${shape.join('x')}:${values.join(',')}`
    let name = this.consts.get(key)
    if (!name) {
      name = this.int64Initializer(this.unique(`${this.constPrefix}const_${this.consts.size}`), values, shape)
      this.consts.set(key, name)
    }
    return name
  }

  /** Appends a node with one output; returns the output name. */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    opts: NodeOptions = {}
  ): string {
    return this.nodeN(op, inputs, 1, attrs, opts.output ? { ...opts, outputs: [opts.output] } : opts)[0]!
  }

  /** Appends a node with `count` outputs (names from `opts.outputs` or fresh). */
  nodeN(
    op: string,
    inputs: readonly string[],
    count: number,
    attrs: Readonly<Record<string, AttrValue>> = {},
    opts: Omit<NodeOptions, 'output'> & { outputs?: readonly string[] } = {}
  ): string[] {
    for (const i of inputs)
      if (i !== '' && !this.defined.has(i) && !this.outer.has(i))
        throw new Error(`ONNX graph: ${op} reads "${i}", which is not defined yet.`)
    const outputs = opts.outputs ? [...opts.outputs] : []
    while (outputs.length < count) outputs.push(this.unique(`${op.toLowerCase()}_${this.counter++}`))
    for (const o of outputs) this.define(o)
    let name = opts.name ?? `${op}:${outputs[0]}`
    if (this.nodeNames.has(name)) name = `${name}_${this.counter++}`
    this.nodeNames.add(name)
    this.nodes.push({
      opType: op,
      inputs: [...inputs],
      outputs,
      name,
      ...(Object.keys(attrs).length ? { attributes: attrs } : {}),
      ...(opts.domain !== undefined ? { domain: opts.domain } : {})
    })
    return outputs
  }

  /**
   * Declares a graph output `name` with its shape. With `source` (a value of another name) an Identity node
   * gives it the public name.
   */
  output(name: string, shape: readonly Dim[], source?: string, elemType: ElemType = DataType.FLOAT): string {
    if (source !== undefined && source !== name) this.node('Identity', [source], {}, { output: name })
    if (!this.defined.has(name)) throw new Error(`ONNX graph: output "${name}" is not computed by the graph.`)
    this.outputs.push({ name, elemType, shape: [...shape] })
    return name
  }

  /** Computes a value once per key (shared helpers: the batch size of an input, a broadcast shape, …). */
  memo<T>(key: string, make: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T
    const v = make()
    this.memos.set(key, v)
    return v
  }

  /** Counts, for tests and reports. */
  stats(): { nodes: number; initializers: number; parameters: number; ops: Record<string, number> } {
    const ops: Record<string, number> = {}
    for (const n of this.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1
    return {
      nodes: this.nodes.length,
      initializers: this.inits.length,
      parameters: this.inits.reduce((s, t) => s + t.data.length, 0),
      ops
    }
  }

  /** The graph as plain data (what `encodeGraph` writes). */
  toGraphSpec(docString?: string): GraphSpec {
    if (this.outputs.length === 0) throw new Error(`ONNX graph "${this.name}" has no outputs.`)
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.inits,
      inputs: this.inputs,
      outputs: this.outputs,
      ...(docString !== undefined ? { docString } : {})
    }
  }

  /** The serialised ModelProto: IR 8, default-domain opset 17, producer `pushforward-lab`. */
  toModel(opts: ModelOptions = {}): Uint8Array {
    return encodeModel({
      irVersion: opts.irVersion ?? IR_VERSION,
      producerName: opts.producerName ?? PRODUCER,
      ...(opts.producerVersion !== undefined ? { producerVersion: opts.producerVersion } : {}),
      ...(opts.docString !== undefined ? { docString: opts.docString } : {}),
      graph: this.toGraphSpec(),
      opsetImports: [{ domain: '', version: opts.opset ?? OPSET }],
      metadata: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value }))
    })
  }
}
