/**
 * Reads back the outline of an ONNX model — versions, opsets, metadata, inputs/outputs, nodes and initializers
 * (without their data) — using the same minimal wire-format reader. For tests, and for showing an exported
 * file's contract (`z [batch, 2] → x [batch, 2]`) without loading a runtime.
 */
import { DataType, type Dim } from './onnx-proto'
import { decodeFields, decodeVarint, read, type ProtoField } from './protobuf'

export interface TensorOutline {
  name: string
  /** 'float32', 'int64' or `type <n>`. */
  type: string
  shape: Dim[]
}

export interface ModelOutline {
  irVersion: number
  producerName: string
  producerVersion: string
  opsets: { domain: string; version: number }[]
  metadata: Record<string, string>
  graphName: string
  inputs: TensorOutline[]
  outputs: TensorOutline[]
  nodes: { name: string; opType: string; inputs: string[]; outputs: string[]; domain: string }[]
  initializers: { name: string; type: string; dims: number[]; bytes: number }[]
}

export function elemTypeName(t: number): string {
  const names: Record<number, string> = {
    [DataType.FLOAT]: 'float32',
    [DataType.INT64]: 'int64',
    [DataType.BOOL]: 'bool'
  }
  return names[t] ?? `type ${t}`
}

const by = (fields: ProtoField[], n: number): ProtoField[] => fields.filter((f) => f.field === n)
const first = (fields: ProtoField[], n: number): ProtoField | undefined => fields.find((f) => f.field === n)
const str = (fields: ProtoField[], n: number): string => {
  const f = first(fields, n)
  return f ? read.string(f) : ''
}
const int = (fields: ProtoField[], n: number): number => {
  const f = first(fields, n)
  return f ? read.int(f) : 0
}
/** A repeated int64 field, packed or not. */
function ints(fields: ProtoField[], n: number): number[] {
  const out: number[] = []
  for (const f of by(fields, n)) {
    if (f.varint !== undefined) out.push(read.int(f))
    else if (f.bytes) for (const p of decodePacked(f.bytes)) out.push(p)
  }
  return out
}
function decodePacked(b: Uint8Array): number[] {
  const out: number[] = []
  for (let pos = 0; pos < b.length;) {
    const v = decodeVarint(b, pos)
    out.push(Number(BigInt.asIntN(64, v.value)))
    pos = v.next
  }
  return out
}

function valueInfo(b: Uint8Array): TensorOutline {
  const f = decodeFields(b)
  const type = first(f, 2)
  const tensor = type ? first(decodeFields(type.bytes!), 1) : undefined
  const tf = tensor ? decodeFields(tensor.bytes!) : []
  const shapeField = first(tf, 2)
  const shape: Dim[] = shapeField
    ? by(decodeFields(shapeField.bytes!), 1).map((d) => {
        const df = decodeFields(d.bytes!)
        const param = first(df, 2)
        return param ? read.string(param) : int(df, 1)
      })
    : []
  return { name: str(f, 1), type: elemTypeName(int(tf, 1)), shape }
}

/** The outline of a serialised ModelProto. */
export function inspectModel(bytes: Uint8Array): ModelOutline {
  const m = decodeFields(bytes)
  const metadata: Record<string, string> = {}
  for (const e of by(m, 14)) {
    const f = decodeFields(e.bytes!)
    metadata[str(f, 1)] = str(f, 2)
  }
  const g = first(m, 7)
  const gf = g ? decodeFields(g.bytes!) : []
  return {
    irVersion: int(m, 1),
    producerName: str(m, 2),
    producerVersion: str(m, 3),
    opsets: by(m, 8).map((o) => {
      const f = decodeFields(o.bytes!)
      return { domain: str(f, 1), version: int(f, 2) }
    }),
    metadata,
    graphName: str(gf, 2),
    inputs: by(gf, 11).map((f) => valueInfo(f.bytes!)),
    outputs: by(gf, 12).map((f) => valueInfo(f.bytes!)),
    nodes: by(gf, 1).map((n) => {
      const f = decodeFields(n.bytes!)
      return {
        name: str(f, 3),
        opType: str(f, 4),
        inputs: by(f, 1).map(read.string),
        outputs: by(f, 2).map(read.string),
        domain: str(f, 7)
      }
    }),
    initializers: by(gf, 5).map((t) => {
      const f = decodeFields(t.bytes!)
      const raw = first(f, 9)
      return {
        name: str(f, 8),
        type: elemTypeName(int(f, 2)),
        dims: ints(f, 1),
        bytes: raw?.bytes?.length ?? 0
      }
    })
  }
}
