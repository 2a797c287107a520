/**
 * Running ONNX models with onnxruntime-node (loaded on first use): what the export checks parity with, and
 * what tests run graphs on — on the CPU, or on the execution provider asked for (providers.ts).
 */
import type { InferenceSession } from 'onnxruntime-node'
import { OnnxExportError } from './errors'
import { providerSessionOptions, resolveProvider, type ProviderChoice } from './providers'

export interface OnnxLoadOptions {
  /** onnxruntime intra-op threads (0 or absent: its default). */
  threads?: number
  /** Execution provider (default `cpu`); one that cannot run here fails with its one-line reason. */
  provider?: ProviderChoice
  /** No node may fall back to the CPU provider (providers.ts). */
  strict?: boolean
}

export interface FloatTensor {
  data: Float32Array
  dims: readonly number[]
}

/** A loaded model: named float32 inputs in, named float32 outputs out. */
export class OnnxModel {
  private constructor(
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly session: InferenceSession,
    /** The provider the session runs on. */
    readonly provider: string
  ) {}

  /** Loads a model from a file path or from the serialised bytes. */
  static async load(source: string | Uint8Array, opts: OnnxLoadOptions = {}): Promise<OnnxModel> {
    const ort = await import('onnxruntime-node')
    let provider: Awaited<ReturnType<typeof resolveProvider>>
    try {
      provider = await resolveProvider(ort, opts.provider ?? 'cpu')
    } catch (e) {
      throw new OnnxExportError(firstLine(e))
    }
    const options = providerSessionOptions({
      provider: provider.provider,
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.strict ? { strict: true } : {})
    })
    let session: InferenceSession
    try {
      session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, options)
          : await ort.InferenceSession.create(source, options)
    } catch (e) {
      const what = typeof source === 'string' ? source : 'the generated model'
      throw new OnnxExportError(`onnxruntime could not load ${what}: ${firstLine(e)}`)
    }
    return new OnnxModel(ort, session, provider.provider)
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames
  }

  /** Runs the model; every output must be float32. */
  async run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>> {
    const inputs: Record<string, InstanceType<typeof this.ort.Tensor>> = {}
    for (const [k, v] of Object.entries(feeds))
      inputs[k] = new this.ort.Tensor('float32', v.data, [...v.dims])
    let results: InferenceSession.OnnxValueMapType
    try {
      results = await this.session.run(inputs)
    } catch (e) {
      throw new OnnxExportError(`onnxruntime failed to run the model: ${firstLine(e)}`)
    }
    const out: Record<string, FloatTensor> = {}
    for (const [k, v] of Object.entries(results)) {
      const t = v as { type: string; data: unknown; dims: readonly number[] }
      if (t.type !== 'float32' || !(t.data instanceof Float32Array))
        throw new OnnxExportError(`Output "${k}" is ${t.type}, expected float32.`)
      out[k] = { data: t.data, dims: [...t.dims] }
    }
    return out
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  const line = msg.split('\n')[0]!.trim()
  return line.endsWith('.') ? line : line + '.'
}

/** Loads, runs once and releases. */
export async function runOnnx(
  source: string | Uint8Array,
  feeds: Record<string, FloatTensor>,
  opts: OnnxLoadOptions = {}
): Promise<Record<string, FloatTensor>> {
  const m = await OnnxModel.load(source, opts)
  try {
    return await m.run(feeds)
  } finally {
    await m.release()
  }
}

/** max |a − b| (a NaN anywhere, or a length mismatch, counts as +∞). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!)
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d
  }
  return m
}
