import { describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  benchBackend,
  benchTrain,
  fmBatch,
  runPeerOnce,
  WORKLOAD
} from '../../../src/engine/bench/train-bench'
import { parseEnvLine } from '../../../src/engine/bench/peer'
import { Rng } from '../../../src/engine/rng'

describe('the flow-matching batch', () => {
  it('draws (x_t, t) and x₁ − x₀ reproducibly from the seed', () => {
    const B = 4096
    const a = { input: new Float32Array(B * 3), target: new Float32Array(B * 2) }
    const b = { input: new Float32Array(B * 3), target: new Float32Array(B * 2) }
    fmBatch(new Rng(9), a.input, a.target)
    fmBatch(new Rng(9), b.input, b.target)
    expect(a.input).toEqual(b.input)
    expect(a.target).toEqual(b.target)
    let tMean = 0
    for (let i = 0; i < B; i++) {
      const t = a.input[3 * i + 2]!
      expect(t).toBeGreaterThanOrEqual(0)
      expect(t).toBeLessThan(1)
      tMean += t / B
    }
    expect(tMean).toBeCloseTo(0.5, 1)
    // At t → 1, x_t sits on the circle of radius 2; E‖x₁ − x₀‖² = E‖x₁‖² + E‖x₀‖² = 4 + 0.02 + 2.
    let sq = 0
    for (let i = 0; i < B; i++) sq += (a.target[2 * i]! ** 2 + a.target[2 * i + 1]! ** 2) / B
    expect(sq).toBeGreaterThan(5.6)
    expect(sq).toBeLessThan(6.5)
  })
})

describe('benchBackend', () => {
  it('times wasm steps of the engine loop', async () => {
    const r = await benchBackend('wasm', { steps: 3, warmup: 1 })
    expect(r.status).toBe('ok')
    expect(r.stepsPerSec).toBeGreaterThan(0)
    expect(Number.isFinite(r.finalLoss)).toBe(true)
  })

  it('reports a backend that is not installed as skipped, with the reason', async () => {
    let installed = true
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node')
    } catch {
      installed = false
    }
    const r = await benchBackend('tensorflow', { steps: 1, warmup: 0 })
    if (!installed) {
      expect(r.status).toBe('skipped')
      expect(r.reason).toMatch(/not installed|not available/)
    } else expect(['ok', 'skipped', 'failed']).toContain(r.status)
  })
})

describe('benchTrain', () => {
  it('reports every row, the fastest backend and no peer with --no-peer', async () => {
    const r = await benchTrain({ steps: 2, warmup: 1, backends: ['wasm'], threads: 2, peer: false })
    expect(r.workload).toBe(WORKLOAD.id)
    expect(r.backends.map((b) => b.name)).toEqual(['wasm', 'wasm ×2 threads'])
    expect(r.backends.every((b) => b.status === 'ok')).toBe(true)
    expect(r.backends[1]!.replicaDrift).toBe(0)
    expect(r.backend).toBe('wasm')
    expect(r.stepsPerSec).toBeGreaterThan(0)
    expect(r.peer.status).toBe('unavailable')
    expect(r.ratio).toBeNull()
    expect(r.machine.cpus).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})

describe('the onnxruntime rows', () => {
  it('run the engine’s onnxruntime step, checked against the tfjs step, and can be the fastest backend', async () => {
    const r = await benchTrain({ steps: 2, warmup: 1, backends: ['onnxruntime'], threads: 2, peer: false })
    expect(r.backends.map((b) => b.name)).toEqual(['onnxruntime', 'onnxruntime ×2 threads'])
    for (const b of r.backends) {
      expect(b.status).toBe('ok')
      expect(b.backend).toBe('onnxruntime')
      expect(b.maxWeightDiff).toBeLessThanOrEqual(1e-5)
      expect(Number.isFinite(b.finalLoss)).toBe(true)
    }
    expect(r.backend).toBe('onnxruntime')
    expect(r.stepsPerSec).toBeGreaterThan(0)
    expect(r).not.toHaveProperty('experiments')
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})

describe('the PyTorch peer', () => {
  it('parses setup-peer.sh’s environment line', () => {
    expect(parseEnvLine('LD_LIBRARY_PATH=/a/b OPENBLAS_NUM_THREADS=2\n')).toEqual({
      LD_LIBRARY_PATH: '/a/b',
      OPENBLAS_NUM_THREADS: '2'
    })
  })

  it('is reported unavailable, not thrown, when its scripts are missing', async () => {
    const r = await runPeerOnce(path.join(os.tmpdir(), 'pfm-no-such-shared-dir'), 10)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(/not found/)
  })

  it.runIf(fs.existsSync('/usr/bin/python3'))('reads steps/s from the script’s JSON line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-shared-'))
    fs.mkdirSync(path.join(dir, 'bench'))
    fs.writeFileSync(path.join(dir, 'bench', 'setup-peer.sh'), 'echo "PFM_FAKE_PEER=1"\n')
    fs.writeFileSync(
      path.join(dir, 'bench', 'torch_train.py'),
      'import json, os, sys\nprint("warming up")\nprint(json.dumps(dict(steps_per_s=123.5, torch="fake", env=os.environ.get("PFM_FAKE_PEER"), argv=sys.argv[1:])))\n'
    )
    const r = await runPeerOnce(dir, 7)
    expect(r.ok).toBe(true)
    if (r.ok)
      expect(r.json).toMatchObject({
        steps_per_s: 123.5,
        env: '1',
        argv: ['--steps', '7', '--workload', '8g']
      })
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
