/**
 * Encoders for the ONNX messages an exported sampler needs, with the field numbers of onnx/onnx.proto
 * (proto2; repeated scalars unpacked). Fields are written in ascending field number, as protoc does, so the
 * bytes equal what the Python `onnx` package serialises for the same model (tests/engine/onnx/proto.test.ts).
 *
 * Covered: ModelProto, OperatorSetIdProto, StringStringEntryProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto (float32 and int64 as raw_data), ValueInfoProto, TypeProto.Tensor, TensorShapeProto, and GRAPH
 * attributes (the body of a `Loop`).
 */
import { ProtoWriter } from './protobuf'

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const
export type ElemType = (typeof DataType)[keyof typeof DataType]

/** AttributeProto.AttributeType. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8
} as const

/** A tensor constant. Data are written little-endian into raw_data. */
export interface TensorSpec {
  name: string
  dims: readonly number[]
  data: Float32Array | BigInt64Array
}

/** An attribute value, tagged explicitly (a JS number alone cannot tell INT from FLOAT). */
export type AttrValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorSpec }
  | { type: 'graph'; value: GraphSpec }

/** Attribute constructors: `{ alpha: attr.float(0.2), transB: attr.int(1) }`. */
export const attr = {
  float: (value: number): AttrValue => ({ type: 'float', value }),
  int: (value: number): AttrValue => ({ type: 'int', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  floats: (value: readonly number[]): AttrValue => ({ type: 'floats', value }),
  ints: (value: readonly number[]): AttrValue => ({ type: 'ints', value }),
  strings: (value: readonly string[]): AttrValue => ({ type: 'strings', value }),
  tensor: (value: TensorSpec): AttrValue => ({ type: 'tensor', value }),
  graph: (value: GraphSpec): AttrValue => ({ type: 'graph', value })
}

/** A dimension: a fixed size or a symbolic name (`'batch'`). */
export type Dim = number | string

export interface ValueInfoSpec {
  name: string
  elemType: ElemType
  shape: readonly Dim[]
  docString?: string
}

export interface NodeSpec {
  opType: string
  inputs: readonly string[]
  outputs: readonly string[]
  name: string
  attributes?: Readonly<Record<string, AttrValue>>
  domain?: string
  docString?: string
}

export interface GraphSpec {
  name: string
  nodes: readonly NodeSpec[]
  initializers: readonly TensorSpec[]
  inputs: readonly ValueInfoSpec[]
  outputs: readonly ValueInfoSpec[]
  docString?: string
}

export interface ModelSpec {
  irVersion: number
  producerName?: string
  producerVersion?: string
  domain?: string
  modelVersion?: number
  docString?: string
  graph: GraphSpec
  opsetImports: readonly { domain: string; version: number }[]
  /** metadata_props, in this order. */
  metadata?: readonly { key: string; value: string }[]
}

/** Little-endian bytes of a typed array (a view when the platform is little-endian). */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes
  const size = data.BYTES_PER_ELEMENT
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i += size)
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!
  return out
}

export function encodeTensor(t: TensorSpec): ProtoWriter {
  const count = t.dims.reduce((a, b) => a * b, 1)
  if (count !== t.data.length)
    throw new RangeError(
      `tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}.`
    )
  const w = new ProtoWriter(t.data.byteLength + t.name.length + 32)
  for (const d of t.dims) w.int(1, d) // dims
  w.int(2, t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64) // data_type
  w.string(8, t.name) // name
  w.bytes(9, littleEndianBytes(t.data)) // raw_data
  return w
}

export function encodeAttribute(name: string, a: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name) // name
  switch (a.type) {
    case 'float':
      return w.float(2, a.value).int(20, AttributeType.FLOAT)
    case 'int':
      return w.int(3, a.value).int(20, AttributeType.INT)
    case 'string':
      return w.string(4, a.value).int(20, AttributeType.STRING)
    case 'tensor':
      return w.message(5, encodeTensor(a.value)).int(20, AttributeType.TENSOR)
    case 'graph':
      return w.message(6, encodeGraph(a.value)).int(20, AttributeType.GRAPH)
    case 'floats':
      for (const v of a.value) w.float(7, v)
      return w.int(20, AttributeType.FLOATS)
    case 'ints':
      for (const v of a.value) w.int(8, v)
      return w.int(20, AttributeType.INTS)
    case 'strings':
      for (const v of a.value) w.string(9, v)
      return w.int(20, AttributeType.STRINGS)
  }
}

export function encodeNode(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter()
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  w.string(3, n.name)
  w.string(4, n.opType)
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v))
  if (n.docString !== undefined) w.string(6, n.docString)
  if (n.domain !== undefined) w.string(7, n.domain)
  return w
}

function encodeDim(d: Dim): ProtoWriter {
  const w = new ProtoWriter(16)
  return typeof d === 'number' ? w.int(1, d) : w.string(2, d)
}

export function encodeValueInfo(v: ValueInfoSpec): ProtoWriter {
  const shape = new ProtoWriter()
  for (const d of v.shape) shape.message(1, encodeDim(d))
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape)
  const type = new ProtoWriter().message(1, tensorType)
  const w = new ProtoWriter().string(1, v.name).message(2, type)
  if (v.docString !== undefined) w.string(3, v.docString)
  return w
}

export function encodeGraph(g: GraphSpec): ProtoWriter {
  const w = new ProtoWriter(1024)
  for (const n of g.nodes) w.message(1, encodeNode(n))
  w.string(2, g.name)
  for (const t of g.initializers) w.message(5, encodeTensor(t))
  if (g.docString !== undefined) w.string(10, g.docString)
  for (const i of g.inputs) w.message(11, encodeValueInfo(i))
  for (const o of g.outputs) w.message(12, encodeValueInfo(o))
  return w
}

/** The serialised ModelProto. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter(1024)
  w.int(1, m.irVersion)
  if (m.producerName !== undefined) w.string(2, m.producerName)
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion)
  if (m.domain !== undefined) w.string(4, m.domain)
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion)
  if (m.docString !== undefined) w.string(6, m.docString)
  w.message(7, encodeGraph(m.graph))
  for (const o of m.opsetImports) w.message(8, new ProtoWriter(16).string(1, o.domain).int(2, o.version))
  for (const { key, value } of m.metadata ?? [])
    w.message(14, new ProtoWriter().string(1, key).string(2, value))
  return w.finish()
}
