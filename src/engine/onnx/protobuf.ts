/**
 * A minimal protocol-buffers wire format writer and reader — just what ONNX files need: varints (wire type 0),
 * 32-bit little-endian floats (wire type 5) and length-delimited fields (wire type 2: bytes, strings, nested
 * messages). No schema compiler, no dependency.
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/): every field is `key = (field << 3) | wire`
 * as a varint, then its payload. Negative int32/int64 values are sent as their 64-bit two's complement
 * (10-byte varints), as protobuf does for non-zigzag integer types.
 */

export const WIRE_VARINT = 0
export const WIRE_I64 = 1
export const WIRE_LEN = 2
export const WIRE_I32 = 5

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

/** The varint bytes of an unsigned or signed (two's-complement, 64-bit) integer. */
export function encodeVarint(v: number | bigint): Uint8Array {
  const w = new ProtoWriter(10)
  w.varint(v)
  return w.finish()
}

/** Appends fields to a growing byte buffer. Write fields in ascending field number, as protoc does. */
export class ProtoWriter {
  private buf: Uint8Array
  private len = 0

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity))
  }

  get length(): number {
    return this.len
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.len + n) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  /** A raw varint (no key). Numbers must be integers within ±2^53; negatives become 10-byte varints. */
  varint(v: number | bigint): this {
    let n: bigint
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf varint: ${v} is not a safe integer.`)
      if (v >= 0 && v < 0x80000000) {
        // fast path for the common small non-negative case
        let x = v
        this.reserve(5)
        while (x >= 0x80) {
          this.buf[this.len++] = (x & 0x7f) | 0x80
          x >>>= 7
        }
        this.buf[this.len++] = x
        return this
      }
      n = BigInt(v)
    } else n = v
    n = BigInt.asUintN(64, n)
    this.reserve(10)
    while (n >= 0x80n) {
      this.buf[this.len++] = Number(n & 0x7fn) | 0x80
      n >>= 7n
    }
    this.buf[this.len++] = Number(n)
    return this
  }

  /** A field key. */
  key(field: number, wire: number): this {
    return this.varint(field * 8 + wire)
  }

  /** int32/int64/uint64/enum/bool field (varint). */
  int(field: number, v: number | bigint | boolean): this {
    return this.key(field, WIRE_VARINT).varint(typeof v === 'boolean' ? (v ? 1 : 0) : v)
  }

  /** `float` field: 4 bytes little-endian. */
  float(field: number, v: number): this {
    this.key(field, WIRE_I32)
    this.reserve(4)
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true)
    this.len += 4
    return this
  }

  /** `bytes` field: length then payload. */
  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE_LEN).varint(b.length)
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
    return this
  }

  /** `string` field, UTF-8. */
  string(field: number, s: string): this {
    return this.bytes(field, textEncoder.encode(s))
  }

  /** Embedded message field. */
  message(field: number, m: ProtoWriter | Uint8Array): this {
    return this.bytes(field, m instanceof ProtoWriter ? m.finish() : m)
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

/** One decoded field: varints as bigint (unsigned 64-bit), fixed-width as raw bytes, LEN as its payload. */
export interface ProtoField {
  field: number
  wire: number
  /** WIRE_VARINT: the value (unsigned). */
  varint?: bigint
  /** WIRE_LEN, WIRE_I32, WIRE_I64: the payload bytes. */
  bytes?: Uint8Array
}

/** Thrown on bytes that are not valid protobuf wire format. */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtoDecodeError'
  }
}

/** Reads a varint at `pos`; returns the value (unsigned 64-bit) and the next position. */
export function decodeVarint(b: Uint8Array, pos: number): { value: bigint; next: number } {
  let result = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new ProtoDecodeError(`truncated varint at byte ${pos}`)
    const byte = b[pos++]!
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return { value: BigInt.asUintN(64, result), next: pos }
    shift += 7n
  }
  throw new ProtoDecodeError(`varint longer than 10 bytes at byte ${pos}`)
}

/** Splits one message into its fields, in file order (repeated fields appear once per element). */
export function decodeFields(b: Uint8Array): ProtoField[] {
  const out: ProtoField[] = []
  let pos = 0
  while (pos < b.length) {
    const k = decodeVarint(b, pos)
    pos = k.next
    const field = Number(k.value >> 3n)
    const wire = Number(k.value & 7n)
    if (field === 0) throw new ProtoDecodeError(`field number 0 at byte ${pos}`)
    switch (wire) {
      case WIRE_VARINT: {
        const v = decodeVarint(b, pos)
        pos = v.next
        out.push({ field, wire, varint: v.value })
        break
      }
      case WIRE_I64:
      case WIRE_I32: {
        const n = wire === WIRE_I64 ? 8 : 4
        if (pos + n > b.length) throw new ProtoDecodeError(`truncated fixed-width field ${field}`)
        out.push({ field, wire, bytes: b.subarray(pos, pos + n) })
        pos += n
        break
      }
      case WIRE_LEN: {
        const l = decodeVarint(b, pos)
        pos = l.next
        const len = Number(l.value)
        if (pos + len > b.length)
          throw new ProtoDecodeError(`field ${field} runs past the end (${len} bytes)`)
        out.push({ field, wire, bytes: b.subarray(pos, pos + len) })
        pos += len
        break
      }
      default:
        throw new ProtoDecodeError(`unsupported wire type ${wire} for field ${field}`)
    }
  }
  return out
}

/** Helpers to read typed values out of decoded fields. */
export const read = {
  string(f: ProtoField): string {
    return textDecoder.decode(f.bytes)
  },
  /** A varint as a signed 64-bit number (exact within ±2^53). */
  int(f: ProtoField): number {
    return Number(BigInt.asIntN(64, f.varint ?? 0n))
  },
  float(f: ProtoField): number {
    const b = f.bytes!
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true)
  }
}
