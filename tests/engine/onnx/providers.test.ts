/**
 * Execution providers (src/engine/onnx/providers.ts): the choice, the probe that counts a provider as available
 * only where a session is created on it, the one-line refusals, `auto`, and the onnxruntime trainer's
 * deferred loss read-back (what keeps a GPU step from syncing every step), exercised on the CPU.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/engine/errors'
import {
  adapterName,
  parseProviderChoice,
  probeProvider,
  providerLabel,
  providerSessionOptions,
  refusalReason,
  resolveProvider
} from '../../../src/engine/onnx/providers'
import { OnnxModel } from '../../../src/engine/onnx/runtime'
import { GraphBuilder } from '../../../src/engine/onnx/graph'
import {
  chooseTrainer,
  keepsStateOnDevice,
  OrtTrainStep,
  ortBackendLabel,
  readsLoss
} from '../../../src/engine/ort'
import { Rng } from '../../../src/engine/rng'
import { findObjective } from '../../../src/engine/objectives/registry'

const ort = await import('onnxruntime-node')
// This machine has no GPU; where a test machine has one the refusal tests have nothing to refuse.
const webgpu = await probeProvider(ort, 'webgpu')

describe('execution providers', () => {
  it('parses a choice and names the flag in the error', () => {
    expect(parseProviderChoice('webgpu', '--device')).toBe('webgpu')
    expect(() => parseProviderChoice('metal', '--device')).toThrow(
      '--device: "metal" is not one of auto, cpu, webgpu, cuda.'
    )
  })

  it('refuses a provider in one line that says what to install', () => {
    const dawn =
      'webgpu_context.cc:136 Initialize adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters\nmore'
    expect(refusalReason('webgpu', dawn)).toMatch(
      /^webgpu: no adapter \((install libvulkan1 and a GPU driver|libvulkan1 is installed; no GPU driver offers a Vulkan device)\)$/
    )
    const cuda = refusalReason('cuda', 'Failed to load shared library', false)
    expect(cuda).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12')
    expect(cuda.split('\n')).toHaveLength(1)
  })

  it('counts a provider only where a session is created, and auto falls through to the CPU', async () => {
    expect(await probeProvider(ort, 'cpu')).toEqual({ provider: 'cpu', ok: true, adapter: null })
    const cuda = await probeProvider(ort, 'cuda')
    if (!cuda.ok) expect(cuda.reason).toMatch(/^cuda: /)
    if (webgpu.ok) return
    expect(webgpu.reason).toMatch(/^webgpu: no adapter/)
    await expect(resolveProvider(ort, 'webgpu')).rejects.toThrow(ConfigError)
    const auto = await resolveProvider(ort, 'auto')
    if (!cuda.ok) {
      expect(auto.provider).toBe('cpu')
      expect(auto.skipped).toEqual([cuda.reason, webgpu.reason])
    }
    // The export's parity check and every other OnnxModel refuse the same way.
    const g = new GraphBuilder('id')
    g.output('y', [1], g.node('Neg', [g.input('x', [1])]))
    await expect(OnnxModel.load(g.toModel(), { provider: 'webgpu' })).rejects.toThrow(webgpu.reason)
    const m = await OnnxModel.load(g.toModel(), { provider: 'auto', strict: true })
    expect(m.provider).toBe(auto.provider)
    expect((await m.run({ x: { data: new Float32Array([2]), dims: [1] } })).y!.data[0]).toBe(-2)
    await m.release()
  })

  it('asks for no CPU fallback only on a device provider', () => {
    const extra = (o: ReturnType<typeof providerSessionOptions>): Record<string, unknown> =>
      (o.extra as { session: Record<string, unknown> }).session
    expect(extra(providerSessionOptions({ provider: 'webgpu', strict: true })).disable_cpu_ep_fallback).toBe(
      '1'
    )
    expect(
      extra(providerSessionOptions({ provider: 'cpu', strict: true })).disable_cpu_ep_fallback
    ).toBeUndefined()
    expect(providerSessionOptions({ provider: 'cuda' }).executionProviders).toEqual(['cuda'])
  })

  it("names the GPU from the NVIDIA driver's /proc file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-gpus-'))
    fs.mkdirSync(path.join(dir, '0000:19:00.0'))
    fs.writeFileSync(path.join(dir, '0000:19:00.0', 'information'), 'Model: \t NVIDIA H200\nIRQ: 1\n')
    const saved = process.env.PFM_GPU_NAME
    delete process.env.PFM_GPU_NAME
    try {
      expect(adapterName('webgpu', dir)).toBe('NVIDIA H200')
      expect(adapterName('cpu', dir)).toBeNull()
      expect(adapterName('cuda', path.join(dir, 'none'))).toBeNull()
    } finally {
      if (saved !== undefined) process.env.PFM_GPU_NAME = saved
      fs.rmSync(dir, { recursive: true })
    }
    expect(providerLabel({ provider: 'webgpu', adapter: 'NVIDIA H200' })).toBe('webgpu (NVIDIA H200)')
    expect(ortBackendLabel({ provider: 'webgpu', adapter: 'NVIDIA H200' })).toBe(
      'onnxruntime on webgpu (NVIDIA H200)'
    )
    expect(ortBackendLabel({ provider: 'cpu', adapter: null })).toBe('onnxruntime')
  })

  it('trains on a GPU provider only with onnxruntime and an objective that has its step', async () => {
    const cfm = findObjective('cfm')
    const gan = findObjective('gan')
    await expect(chooseTrainer(cfm, 'wasm', 'webgpu')).rejects.toThrow(
      "--device webgpu runs onnxruntime's training step, not TensorFlow.js's wasm"
    )
    await expect(chooseTrainer(gan, 'auto', 'cuda')).rejects.toThrow(
      '--device cuda: gan has no onnxruntime training step'
    )
    // A TensorFlow.js objective under --device auto trains as before.
    expect((await chooseTrainer(gan, 'auto', 'auto')).trainer).toBe('tfjs')
    const cpu = await chooseTrainer(cfm, 'onnxruntime', 'cpu')
    expect(cpu.device).toEqual({ provider: 'cpu', adapter: null })
  })
})

describe('where the training state lives', () => {
  it('in host memory on every provider unless PFM_WEBGPU_STATE=device asks for webgpu IO binding', () => {
    // The IO-binding step aborted the process on the one GPU measured (docs/benchmarks.md, GPU): opt-in only.
    const before = process.env.PFM_WEBGPU_STATE
    try {
      delete process.env.PFM_WEBGPU_STATE
      expect(['cpu', 'webgpu', 'cuda'].map((p) => keepsStateOnDevice(p as 'cpu'))).toEqual([
        false,
        false,
        false
      ])
      process.env.PFM_WEBGPU_STATE = 'device'
      expect(['cpu', 'webgpu', 'cuda'].map((p) => keepsStateOnDevice(p as 'cpu'))).toEqual([
        false,
        true,
        false
      ])
    } finally {
      if (before === undefined) delete process.env.PFM_WEBGPU_STATE
      else process.env.PFM_WEBGPU_STATE = before
    }
  })
})

describe('reading the loss back every N steps', () => {
  it('reads at every N-th step, at every snapshot step of the loop and at the last step', () => {
    const reads = Array.from({ length: 60 }, (_, s) => s).filter((s) => readsLoss(s, 60, 10))
    expect(reads.map((s) => s + 1)).toEqual([10, 20, 25, 30, 40, 50, 60])
    expect(readsLoss(3, 60, 1)).toBe(true)
  })

  it('trains to the same weights, returns the read losses, and reports a non-finite pending loss', async () => {
    const sizes = [3, 16, 2]
    const rng = new Rng(5)
    const params = [
      Float32Array.from({ length: 48 }, () => 0.3 * rng.normal()),
      new Float32Array(16),
      Float32Array.from({ length: 32 }, () => 0.3 * rng.normal()),
      new Float32Array(2)
    ]
    const batches = Array.from({ length: 6 }, () => ({
      x: Float32Array.from({ length: 24 }, () => rng.normal()),
      y: Float32Array.from({ length: 16 }, () => rng.normal())
    }))
    const every = await OrtTrainStep.create(params, { sizes, activation: 'tanh', threads: 1 })
    const deferred = await OrtTrainStep.create(params, { sizes, activation: 'tanh', threads: 1 })
    try {
      const lossesEvery: number[] = []
      const lossesDeferred: (number | null)[] = []
      for (const [i, b] of batches.entries()) {
        lossesEvery.push(await every.step(b.x, b.y, 0.01))
        lossesDeferred.push(await deferred.step(b.x, b.y, 0.01, 0, { read: i % 3 === 2 }))
      }
      expect(lossesDeferred).toEqual([null, null, lossesEvery[2], null, null, lossesEvery[5]])
      expect(deferred.updates).toBe(6)
      const a = (await every.readParams()).params
      const b = (await deferred.readParams()).params
      expect(b).toEqual(a)

      // A NaN batch between reads: the next read returns the non-finite loss, not its own.
      const bad = Float32Array.from(batches[0]!.x)
      bad[0] = NaN
      expect(await deferred.step(bad, batches[0]!.y, 0.01, 0, { read: false })).toBeNull()
      expect(await deferred.step(batches[1]!.x, batches[1]!.y, 0.01, 0, { read: true })).toBeNaN()
    } finally {
      await every.dispose()
      await deferred.dispose()
    }
  })
})
