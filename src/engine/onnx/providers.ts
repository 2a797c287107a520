/**
 * onnxruntime's execution providers: which one a session runs on (`cpu`, `webgpu`, `cuda`, or `auto`), whether
 * it can run here at all (a probe session, built once per process), the one-line reason when it cannot, and the
 * session options every session of the engine gets for it (training steps, exports' parity, the benchmark).
 *
 * A provider counts as available only when a session can actually be created on it: onnxruntime-node lists
 * `webgpu` as bundled on every Linux x64 machine, GPU or not.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'
import { ConfigError } from '../errors'
import { GraphBuilder } from './graph'

type Ort = typeof import('onnxruntime-node')

/** The execution providers the engine can run a session on. */
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number]
/** A user's choice: a provider, or the first that creates a session (`AUTO_ORDER`). */
export type ProviderChoice = ExecutionProvider | 'auto'
export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['auto', ...EXECUTION_PROVIDERS]
/** `auto` tries these in order; `cpu` always creates a session. */
export const AUTO_ORDER: readonly ExecutionProvider[] = ['cuda', 'webgpu', 'cpu']

/** What a probe found: the provider runs here (with the device's name where known), or why not (one line). */
export type ProviderProbe =
  | { provider: ExecutionProvider; ok: true; adapter: string | null }
  | { provider: ExecutionProvider; ok: false; reason: string }

export function isProviderChoice(s: string): s is ProviderChoice {
  return (PROVIDER_CHOICES as readonly string[]).includes(s)
}

/** Parses a `--device` / `--ep` value (`field` names the flag or field in the error). */
export function parseProviderChoice(s: string, field: string): ProviderChoice {
  if (!isProviderChoice(s))
    throw new ConfigError(`${field}: "${s}" is not one of ${PROVIDER_CHOICES.join(', ')}.`)
  return s
}

/** A run's provider as reports show it: `webgpu (NVIDIA H200)`, or the name alone where the device is unknown. */
export function providerLabel(p: { provider: ExecutionProvider; adapter: string | null }): string {
  return p.adapter ? `${p.provider} (${p.adapter})` : p.provider
}

export interface ProviderSessionOptions {
  provider: ExecutionProvider
  /** onnxruntime intra-op threads of the CPU provider (0: its default). */
  threads?: number
  /**
   * Fail instead of running any node on the CPU provider when `provider` is not `cpu` (onnxruntime's
   * `session.disable_cpu_ep_fallback`): proves that the whole graph runs on the device.
   */
  strict?: boolean
}

/** The session options of every engine session on `provider`. */
export function providerSessionOptions(o: ProviderSessionOptions): InferenceSession.SessionOptions {
  const session: Record<string, string> = {}
  if (o.strict && o.provider !== 'cpu') session.disable_cpu_ep_fallback = '1'
  return {
    executionProviders: [o.provider],
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle pool threads sleep instead of spinning: on a shared machine spinning burns the other core.
    extra: { session: { ...session, intra_op: { allow_spinning: '0' } } }
  }
}

/** The directory of onnxruntime-node's native binaries for this platform. */
export function ortBinDir(): string {
  const req = createRequire(import.meta.url)
  const pkg = path.dirname(req.resolve('onnxruntime-node/package.json'))
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch)
}

/** The files onnxruntime-node's CUDA provider needs beside its binding (fetched only by its installer). */
export const CUDA_PROVIDER_FILES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']

/** How to get the CUDA provider's files: onnxruntime-node's install script reads ONNXRUNTIME_NODE_INSTALL. */
export const CUDA_INSTALL_HINT =
  'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node (needs network; CUDA 12 and cuDNN 9 at run time)'

/** Where the Vulkan loader that WebGPU (Dawn) opens is looked for. */
const VULKAN_LOADER = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
  '/usr/local/lib/libvulkan.so.1'
]

function hasVulkanLoader(): boolean {
  const extra = (process.env.LD_LIBRARY_PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => path.join(d, 'libvulkan.so.1'))
  return [...extra, ...VULKAN_LOADER].some((f) => existsSync(f))
}

/**
 * The one-line refusal for a provider whose probe session failed with `error`: what is missing and how to get
 * it, rather than onnxruntime's multi-line message.
 */
export function refusalReason(
  provider: ExecutionProvider,
  error: string,
  files = cudaFilesPresent()
): string {
  const first = error.split('\n')[0]!.trim()
  if (provider === 'webgpu') {
    if (/adapter/i.test(first))
      return hasVulkanLoader()
        ? 'webgpu: no adapter (libvulkan1 is installed; no GPU driver offers a Vulkan device)'
        : 'webgpu: no adapter (install libvulkan1 and a GPU driver)'
    return `webgpu: ${first}`
  }
  if (provider === 'cuda') {
    if (!files) return `cuda: onnxruntime-node's CUDA provider files are not installed (${CUDA_INSTALL_HINT})`
    return `cuda: ${first.replace(/^.*?Failed to load shared library.*$/i, 'the CUDA provider did not load (CUDA 12 and cuDNN 9 libraries on LD_LIBRARY_PATH?)')}`
  }
  return `${provider}: ${first}`
}

function cudaFilesPresent(): boolean {
  try {
    const dir = ortBinDir()
    return CUDA_PROVIDER_FILES.every((f) => existsSync(path.join(dir, f)))
  } catch {
    return false
  }
}

/** A one-node graph (y = x·W) that every provider must place on the device: what a probe session loads. */
function probeModel(): Uint8Array {
  const g = new GraphBuilder('provider-probe')
  const w = g.initializer('w', new Float32Array([1, 2, 3, 4]), [2, 2])
  g.output('y', [1, 2], g.node('MatMul', [g.input('x', [1, 2]), w]))
  return g.toModel()
}

/**
 * The GPU's name where the machine tells it: $PFM_GPU_NAME, else the NVIDIA driver's
 * /proc/driver/nvidia/gpus/<bus>/information ("Model: NVIDIA H200"); onnxruntime-node does not report its adapter.
 */
export function adapterName(
  provider: ExecutionProvider,
  procDir = '/proc/driver/nvidia/gpus'
): string | null {
  if (provider === 'cpu') return null
  const env = process.env.PFM_GPU_NAME?.trim()
  if (env) return env
  try {
    for (const bus of readdirSync(procDir).sort()) {
      const info = readFileSync(path.join(procDir, bus, 'information'), 'utf8')
      const model = /^Model:\s*(.+)$/m.exec(info)?.[1]?.trim()
      if (model) return model
    }
  } catch {
    // No NVIDIA driver here (or another vendor's GPU): the name stays unknown.
  }
  return null
}

const probes = new Map<ExecutionProvider, Promise<ProviderProbe>>()

/** Whether a session can be created on `provider` here (probed once per process). */
export function probeProvider(ort: Ort, provider: ExecutionProvider): Promise<ProviderProbe> {
  let p = probes.get(provider)
  if (!p) {
    p = probeOnce(ort, provider)
    probes.set(provider, p)
  }
  return p
}

async function probeOnce(ort: Ort, provider: ExecutionProvider): Promise<ProviderProbe> {
  if (provider === 'cuda' && !cudaFilesPresent())
    return { provider, ok: false, reason: refusalReason('cuda', 'not installed', false) }
  if (!ort.listSupportedBackends().some((b) => b.name === provider))
    return {
      provider,
      ok: false,
      reason: `${provider}: onnxruntime-node ${ort.env.versions.common ?? ''} has no such execution provider here`
    }
  try {
    const s = await ort.InferenceSession.create(
      probeModel(),
      providerSessionOptions({ provider, strict: true })
    )
    await s.release()
    return { provider, ok: true, adapter: adapterName(provider) }
  } catch (e) {
    return {
      provider,
      ok: false,
      reason: refusalReason(provider, e instanceof Error ? e.message : String(e))
    }
  }
}

/** Every provider's probe, in `EXECUTION_PROVIDERS` order (the status bar's list). */
export function probeAll(ort: Ort): Promise<ProviderProbe[]> {
  return Promise.all(EXECUTION_PROVIDERS.map((p) => probeProvider(ort, p)))
}

/** The provider that `choice` runs on here; a provider that cannot run throws its one-line refusal. */
export async function resolveProvider(
  ort: Ort,
  choice: ProviderChoice
): Promise<{ provider: ExecutionProvider; adapter: string | null; skipped: string[] }> {
  if (choice !== 'auto') {
    const p = await probeProvider(ort, choice)
    if (!p.ok) throw new ConfigError(p.reason)
    return { provider: choice, adapter: p.adapter, skipped: [] }
  }
  const skipped: string[] = []
  for (const provider of AUTO_ORDER) {
    const p = await probeProvider(ort, provider)
    if (p.ok) return { provider, adapter: p.adapter, skipped }
    skipped.push(p.reason)
  }
  // Unreachable where onnxruntime loads: the CPU provider always creates a session.
  throw new ConfigError(`No execution provider creates a session here (${skipped.join('; ')}).`)
}

/** Forgets the probes (tests). */
export function resetProviderProbes(): void {
  probes.clear()
}
