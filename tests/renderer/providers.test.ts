/** The execution-provider options of the Objectives and Benchmark forms (src/renderer/src/util/providers.ts). */
import { describe, expect, it } from 'vitest'
import { providerOptions } from '../../src/renderer/src/util/providers'

describe('execution-provider options', () => {
  it('enables a GPU provider only where the engine created a session on it, else says why', () => {
    const noGpu = providerOptions({
      version: '1.30.0',
      executionProviders: ['cpu'],
      notInstalled: ['cuda'],
      unavailable: [
        { name: 'webgpu', reason: 'webgpu: no adapter (install libvulkan1 and a GPU driver)' },
        { name: 'cuda', reason: "cuda: onnxruntime-node's CUDA provider files are not installed" }
      ],
      adapter: null
    })
    expect(noGpu.map((o) => [o.value, o.disabled])).toEqual([
      ['cpu', false],
      ['auto', false],
      ['webgpu', true],
      ['cuda', true]
    ])
    expect(noGpu.slice(2).map((o) => o.label)).toEqual([
      'WebGPU (Vulkan) — no GPU here',
      'CUDA — not installed'
    ])
    const gpu = providerOptions({
      version: '1.30.0',
      executionProviders: ['cpu', 'webgpu'],
      notInstalled: [],
      unavailable: [],
      adapter: 'NVIDIA H200'
    })
    expect(gpu[2]).toEqual({ label: 'WebGPU (Vulkan) — NVIDIA H200', value: 'webgpu', disabled: false })
    // No onnxruntime at all: only the CPU and auto can be asked for (the engine then refuses in one line).
    expect(
      providerOptions(null)
        .filter((o) => !o.disabled)
        .map((o) => o.value)
    ).toEqual(['cpu', 'auto'])
  })
})
