/**
 * The execution-provider choice of the Objectives and Benchmark forms: onnxruntime's providers, each enabled
 * only where the engine created a session on it (engine info), the others disabled with their reason.
 */
import type { EngineInfo, ExecutionProviderChoice } from '../../../shared/api'

export type ProviderOption = {
  label: string
  value: ExecutionProviderChoice
  disabled: boolean
}

const TITLES: Record<'webgpu' | 'cuda', string> = { webgpu: 'WebGPU (Vulkan)', cuda: 'CUDA' }

/** CPU, auto and the GPU providers; a GPU provider that cannot run here is disabled and says why. */
export function providerOptions(ort: EngineInfo['ort']): ProviderOption[] {
  const gpu = (['webgpu', 'cuda'] as const).map((p): ProviderOption => {
    const ok = !!ort?.executionProviders.includes(p)
    const reason = ort?.unavailable.find((u) => u.name === p)?.reason ?? ''
    const where = ok ? (ort?.adapter ? ` — ${ort.adapter}` : '') : ` — ${shortReason(reason)}`
    return { label: `${TITLES[p]}${where}`, value: p, disabled: !ok }
  })
  return [
    { label: 'CPU', value: 'cpu', disabled: false },
    { label: 'auto — the first that runs here', value: 'auto', disabled: false },
    ...gpu
  ]
}

/** A refusal in a few words, for a select's label (the status bar's tooltip has the whole sentence). */
export function shortReason(reason: string): string {
  if (/no adapter/.test(reason)) return 'no GPU here'
  if (/not installed/.test(reason)) return 'not installed'
  return 'not available here'
}
