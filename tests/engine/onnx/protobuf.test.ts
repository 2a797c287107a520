import { afterAll, describe, expect, it } from 'vitest'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import { inspectModel } from '../../../src/engine/onnx/inspect'
import { attr, DataType, encodeModel } from '../../../src/engine/onnx/onnx-proto'
import {
  decodeFields,
  decodeVarint,
  encodeVarint,
  ProtoWriter,
  read
} from '../../../src/engine/onnx/protobuf'
import { runOnnx } from '../../../src/engine/onnx/runtime'
import { onnxCheck, python, writeTemp, removeTempDirs } from './helpers'

afterAll(removeTempDirs)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('varints', () => {
  // value → bytes, from the protobuf encoding guide and two's-complement int64.
  const cases: [number | bigint, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [150, '9601'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 31, '8080808008'],
    [2 ** 32, '8080808010'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
    [-1, 'ffffffffffffffffff01'],
    [-2n, 'feffffffffffffffff01'],
    [2n ** 64n - 1n, 'ffffffffffffffffff01']
  ]
  it.each(cases)('%s', (v, bytes) => {
    expect(hex(encodeVarint(v))).toBe(bytes)
    const back = decodeVarint(encodeVarint(v), 0)
    expect(back.value).toBe(BigInt.asUintN(64, BigInt(v)))
    expect(back.next).toBe(bytes.length / 2)
  })

  it('refuses unsafe numbers and truncated input', () => {
    expect(() => encodeVarint(2 ** 60)).toThrow(/safe integer/)
    expect(() => encodeVarint(0.5)).toThrow(/safe integer/)
    expect(() => decodeVarint(Uint8Array.from([0x80, 0x80]), 0)).toThrow(/truncated/)
  })
})

describe('fields', () => {
  it('writes keys, floats, strings and nested messages as protoc does', () => {
    // Known encodings: field 1 = 150 → 08 96 01; field 2 = "testing" → 12 07 74…; field 3 = {1: 150} → 1a 03 08 96 01.
    const w = new ProtoWriter().int(1, 150).string(2, 'testing').message(3, new ProtoWriter().int(1, 150))
    expect(hex(w.finish())).toBe('089601' + '120774657374696e67' + '1a03089601')
    // float 1.0 little-endian in field 2 (wire type 5): 15 00 00 80 3f
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f')
    // field numbers ≥ 16 take a two-byte key: field 20, varint → a0 01
    expect(hex(new ProtoWriter().int(20, 2).finish())).toBe('a00102')
  })

  it('decodes what it writes, including UTF-8 and large payloads', () => {
    const big = new Uint8Array(70_000).map((_, i) => i % 251)
    const w = new ProtoWriter().string(1, 'φ#ν = μ₁').float(2, -0.2).bytes(9, big).int(3, -5)
    const f = decodeFields(w.finish())
    expect(f.map((x) => x.field)).toEqual([1, 2, 9, 3])
    expect(read.string(f[0]!)).toBe('φ#ν = μ₁')
    expect(read.float(f[1]!)).toBeCloseTo(-0.2, 7)
    expect(Array.from(f[2]!.bytes!.subarray(0, 5))).toEqual([0, 1, 2, 3, 4])
    expect(f[2]!.bytes!.length).toBe(70_000)
    expect(read.int(f[3]!)).toBe(-5)
  })
})

/** The tiny model both sides build: y = LeakyRelu(Gemm(x, W, b), 0.2) with a symbolic batch. */
const W = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5])
const B = Float32Array.from([0.1, -0.2])
const META = { producer: 'pushforward-lab', note: 'tiny' }

function tinyModel(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: 'pushforward-lab',
    docString: 'tiny',
    graph: {
      name: 'tiny',
      nodes: [
        {
          opType: 'Gemm',
          inputs: ['x', 'W', 'b'],
          outputs: ['h'],
          name: 'gemm',
          attributes: { transB: attr.int(0) }
        },
        {
          opType: 'LeakyRelu',
          inputs: ['h'],
          outputs: ['y'],
          name: 'act',
          attributes: { alpha: attr.float(0.2) }
        }
      ],
      initializers: [
        { name: 'W', dims: [3, 2], data: W },
        { name: 'b', dims: [2], data: B }
      ],
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['batch', 3] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: ['batch', 2] }]
    },
    opsetImports: [{ domain: '', version: 17 }],
    metadata: Object.entries(META).map(([key, value]) => ({ key, value }))
  })
}

const PY_TINY = `
import sys, numpy as np, onnx
from onnx import helper, TensorProto
W = np.array([0.5, -1, 2, 0.25, -0.75, 1.5], dtype=np.float32)
b = np.array([0.1, -0.2], dtype=np.float32)
g = helper.make_graph(
    [helper.make_node('Gemm', ['x', 'W', 'b'], ['h'], name='gemm', transB=0),
     helper.make_node('LeakyRelu', ['h'], ['y'], name='act', alpha=0.2)],
    'tiny',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 3])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', 2])],
    [helper.make_tensor('W', TensorProto.FLOAT, [3, 2], W.tobytes(), raw=True),
     helper.make_tensor('b', TensorProto.FLOAT, [2], b.tobytes(), raw=True)])
m = helper.make_model(g, producer_name='pushforward-lab', ir_version=8, opset_imports=[helper.make_opsetid('', 17)], doc_string='tiny')
helper.set_model_props(m, {'producer': 'pushforward-lab', 'note': 'tiny'})
sys.stdout.write(m.SerializeToString().hex())
`

describe('a known tiny model', () => {
  it('is byte-for-byte what the Python onnx package serialises', () => {
    const r = python(PY_TINY)
    expect(r.status, r.stderr).toBe(0)
    expect(hex(tinyModel())).toBe(r.stdout.trim())
  })

  it('passes the official checker and reads back through onnx (metadata, dims, names)', () => {
    const file = writeTemp(tinyModel())
    expect(onnxCheck(file)).toMatchObject({ status: 0 })
    const r = python(
      `import onnx, onnx.numpy_helper, sys, json
m = onnx.load(sys.argv[1])
print(json.dumps({'ir': m.ir_version, 'opset': m.opset_import[0].version, 'meta': {p.key: p.value for p in m.metadata_props},
  'in': [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim],
  'W': onnx.numpy_helper.to_array(m.graph.initializer[0]).tolist()}))`,
      [file]
    )
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      ir: 8,
      opset: 17,
      meta: META,
      in: ['batch', 3],
      W: [
        [0.5, -1],
        [2, 0.25],
        [-0.75, 1.5]
      ]
    })
  })

  it('runs in onnxruntime with any batch size', async () => {
    for (const n of [1, 5]) {
      const x = Float32Array.from({ length: n * 3 }, (_, i) => (i % 7) - 3)
      const y = (await runOnnx(tinyModel(), { x: { data: x, dims: [n, 3] } })).y!
      expect(y.dims).toEqual([n, 2])
      for (let r = 0; r < n; r++)
        for (let j = 0; j < 2; j++) {
          let s = B[j]!
          for (let i = 0; i < 3; i++) s += x[r * 3 + i]! * W[i * 2 + j]!
          expect(y.data[r * 2 + j]).toBeCloseTo(s > 0 ? s : 0.2 * s, 5)
        }
    }
  })

  it('reads back through inspectModel', () => {
    const o = inspectModel(tinyModel())
    expect(o).toMatchObject({
      irVersion: 8,
      producerName: 'pushforward-lab',
      opsets: [{ domain: '', version: 17 }],
      metadata: META,
      graphName: 'tiny',
      inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }],
      outputs: [{ name: 'y', type: 'float32', shape: ['batch', 2] }]
    })
    expect(o.nodes.map((n) => n.opType)).toEqual(['Gemm', 'LeakyRelu'])
    expect(o.initializers).toEqual([
      { name: 'W', type: 'float32', dims: [3, 2], bytes: 24 },
      { name: 'b', type: 'float32', dims: [2], bytes: 8 }
    ])
  })
})

describe('GraphBuilder', () => {
  it('builds the same tiny model', async () => {
    const g = new GraphBuilder('tiny')
    const x = g.input('x', ['batch', 3])
    const h = g.node('Gemm', [x, g.initializer('W', W, [3, 2]), g.initializer('b', B, [2])])
    g.output('y', ['batch', 2], g.node('LeakyRelu', [h], { alpha: attr.float(0.2) }))
    const bytes = g.toModel({ metadata: META })
    const x1 = Float32Array.from([1, 2, 3])
    const a = (await runOnnx(bytes, { x: { data: x1, dims: [1, 3] } })).y!.data
    const b = (await runOnnx(tinyModel(), { x: { data: x1, dims: [1, 3] } })).y!.data
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(onnxCheck(writeTemp(bytes))).toMatchObject({ status: 0 })
  })

  it('shares constants, and refuses undefined inputs, duplicate names and missing outputs', () => {
    const g = new GraphBuilder()
    const x = g.input('x', ['batch', 2])
    expect(g.constant(0.5)).toBe(g.constant(0.5))
    expect(g.constant(0.5)).not.toBe(g.constant(0.25))
    expect(g.int64s([1])).toBe(g.int64s([1]))
    expect(() => g.node('Relu', ['nope'])).toThrow(/"nope", which is not defined/)
    expect(() => g.input('x', [1])).toThrow(/defined twice/)
    expect(() => g.output('y', ['batch', 2])).toThrow(/not computed/)
    expect(() => g.toModel()).toThrow(/no outputs/)
    g.output('x2', ['batch', 2], g.node('Relu', [x]))
    expect(g.stats()).toMatchObject({ nodes: 2, initializers: 3, ops: { Relu: 1, Identity: 1 } })
  })
})
