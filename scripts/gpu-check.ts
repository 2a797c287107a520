/**
 * The GPU check (run by scripts/gpu-check.sh on a GPU machine, bundled by `npm run gpu:pack`): one JSON report
 * with
 * - the execution providers and why the others cannot run;
 * - the onnxruntime training step on the GPU provider (fm-train-8g and fm-train-mnist, the loss read back every
 *   step and every 10 steps) next to PyTorch on the same GPU (torch_train.py --device cuda);
 * - `pfm train --objective cfm` on the GPU against the CPU (same seed: held-out energy of both);
 * - `pfm bench` one-step vs Heun K = 100 at batch 1 … 65,536 on the GPU provider;
 * - every graph kind on the GPU against the CPU (relative max |Δ|, the CPU fallback disabled).
 * Without a GPU every section records the refusal, and the report is still written.
 *
 * node gpu-check.mjs --out report.json [--shared DIR (holds bench/torch_train.py)] [--quick] [--device cpu]
 *                    [--sections a,b (default: all, in order)] [--append --state DIR]
 * gpu-check.sh runs each section in its own process (--append merges into the report, --state holds the run
 * store and the ids one section leaves for the next), so a native abort in one is recorded and the rest run.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { benchInference } from '../src/engine/bench/infer-bench'
import { benchOrt, type TrainWorkloadId } from '../src/engine/bench/train-bench'
import { resolveDataset } from '../src/engine/data'
import { engineGraphs, exampleFeeds, loopSamplerGraph } from '../src/engine/onnx/graph-catalog'
import { uncoveredOps } from '../src/engine/onnx/op-coverage'
import { probeAll, providerLabel, type ExecutionProvider } from '../src/engine/onnx/providers'
import { OnnxModel } from '../src/engine/onnx/runtime'
import { OrtTrainStep, keepsStateOnDevice, paramShapes } from '../src/engine/ort'
import { Rng } from '../src/engine/rng'
import { RunStore } from '../src/engine/store'
import { makeRunConfig, trainRun } from '../src/engine/train/train'

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    shared: { type: 'string' },
    quick: { type: 'boolean', default: false },
    sections: { type: 'string' },
    append: { type: 'boolean', default: false },
    state: { type: 'string' },
    /** `cpu`: run every section on the CPU provider (a rehearsal of the script on a machine without a GPU). */
    device: { type: 'string' }
  }
})
const outFile = path.resolve(values.out ?? 'gpu-check.json')
const quick = values.quick === true
const wanted = values.sections ? new Set(values.sections.split(',')) : null
const t0 = Date.now()
const log = (m: string): void =>
  void process.stderr.write(`[gpu-check ${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`)
const report: Record<string, unknown> =
  values.append && fs.existsSync(outFile)
    ? (JSON.parse(fs.readFileSync(outFile, 'utf8')) as Record<string, unknown>)
    : {}
const save = (): void => fs.writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n')
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!

/** Runs `fn` into report[key]; a failure is recorded there, and the report is saved after every section. */
async function section(key: string, fn: () => Promise<unknown>): Promise<void> {
  if (wanted && !wanted.has(key)) return
  log(`${key}…`)
  const s = Date.now()
  try {
    report[key] = await fn()
  } catch (e) {
    report[key] = { status: 'failed', reason: why(e) }
  }
  ;(report.seconds as Record<string, number>)[key] = Math.round((Date.now() - s) / 100) / 10
  save()
}

function gpuInfo(): Record<string, string> | null {
  const r = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
    {
      encoding: 'utf8'
    }
  )
  if (r.status !== 0) return null
  const [name, driver, memory] = r.stdout.trim().split('\n')[0]!.split(', ')
  return { name: name ?? '', driver: driver ?? '', memory: memory ?? '' }
}

const ort = await import('onnxruntime-node')
const gpu = gpuInfo()
if (gpu && !process.env.PFM_GPU_NAME) process.env.PFM_GPU_NAME = gpu.name
report.machine = {
  date: new Date().toISOString(),
  gpu,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  onnxruntime: ort.env.versions.common,
  vulkanLoader: process.env.LD_LIBRARY_PATH ?? null
}
report.seconds ??= {}
const probes = await probeAll(ort)
report.providers = probes
const device: ExecutionProvider | null =
  values.device === 'cpu'
    ? 'cpu'
    : probes.find((p) => p.ok && p.provider === 'webgpu')
      ? 'webgpu'
      : probes.find((p) => p.ok && p.provider === 'cuda')
        ? 'cuda'
        : null
const refusal = probes
  .filter((p) => !p.ok)
  .map((p) => (p.ok ? '' : p.reason))
  .join('; ')
report.device = device ? providerLabel({ provider: device, adapter: gpu?.name ?? null }) : null
save()
log(`device: ${report.device ?? `none (${refusal})`}`)
const noDevice = { status: 'refused', reason: refusal }

// ── Probes, each in its own process: inference, then the training step with host and device-resident state ──
const say = (m: string): void => void fs.writeSync(2, `[gpu-check] ${m}\n`)
await section('probeInference', async () => {
  if (!device) return noDevice
  const g = engineGraphs(new Rng(3))[0]!
  const feeds = exampleFeeds(g.bytes, new Rng(4), 64)
  say(`probe: ${g.name} on ${device}: load`)
  const m = await OnnxModel.load(g.bytes, { provider: device, strict: false })
  say('probe: run')
  const out = await m.run(feeds)
  say('probe: read')
  const n = Object.values(out).reduce((s, t) => s + t.data.length, 0)
  await m.release()
  return { status: 'ok', graph: g.name, values: n }
})
async function probeStep(state: 'host' | 'device'): Promise<unknown> {
  if (!device) return noDevice
  process.env.PFM_WEBGPU_STATE = state
  const sizes = [3, 16, 16, 2]
  const rng = new Rng(5)
  const params = paramShapes(sizes).map((sh) =>
    Float32Array.from({ length: sh.reduce((a, b) => a * b, 1) }, () => 0.3 * rng.normal())
  )
  const step = await OrtTrainStep.create(params, { sizes, activation: 'silu', provider: device })
  const x = Float32Array.from({ length: 8 * 3 }, () => rng.normal())
  const y = Float32Array.from({ length: 8 * 2 }, () => rng.normal())
  const losses: (number | null)[] = []
  say(`probe: training step (${state} state): session`)
  await step.prepare(8)
  say('probe: step, loss read')
  losses.push(await step.step(x, y, 1e-3))
  say('probe: two steps, loss left on the device')
  losses.push(await step.step(x, y, 1e-3, 0, { read: false }))
  losses.push(await step.step(x, y, 1e-3, 0, { read: false }))
  say('probe: step, pending losses read')
  losses.push(await step.step(x, y, 1e-3))
  say('probe: weights read')
  const w = await step.readParams()
  await step.dispose()
  return { status: 'ok', losses, weights: w.params.reduce((s, a) => s + a.length, 0) }
}
await section('probeHostState', () => probeStep('host'))
await section('probeDeviceState', () => probeStep('device'))

// ── Training step: onnxruntime on the GPU vs PyTorch on the same GPU ──────────────────────────────────────────
const sharedDir = values.shared ? path.resolve(values.shared) : null
function torchPeer(workload: TrainWorkloadId, steps: number): Record<string, unknown> {
  const script = sharedDir ? path.join(sharedDir, 'bench', 'torch_train.py') : null
  if (!script || !fs.existsSync(script))
    return { status: 'unavailable', reason: 'torch_train.py not carried' }
  const r = spawnSync(
    'python3',
    [script, '--device', 'cuda', '--workload', workload, '--steps', String(steps)],
    {
      encoding: 'utf8',
      timeout: 180_000
    }
  )
  const last = r.stdout?.trim().split('\n').pop() ?? ''
  if (r.status !== 0)
    return { status: 'unavailable', reason: (r.stderr ?? '').trim().split('\n').pop() ?? 'failed' }
  try {
    return { status: 'ok', ...(JSON.parse(last) as Record<string, unknown>) }
  } catch {
    return { status: 'unavailable', reason: `no JSON: ${last.slice(0, 120)}` }
  }
}

async function trainStepRow(workload: TrainWorkloadId, steps: number, warmup: number): Promise<unknown> {
  if (!device) return noDevice
  const peer = torchPeer(workload, steps)
  const ortRows = []
  for (const lossEvery of [1, 10]) {
    log(`  ${workload} on ${device}, loss read every ${lossEvery}`)
    ortRows.push({
      lossEvery,
      ...(await benchOrt({ steps, warmup, provider: device, lossEvery, workload }))
    })
  }
  const best = Math.max(...ortRows.map((r) => r.stepsPerSec ?? 0))
  const peerSps = typeof peer.steps_per_s === 'number' ? peer.steps_per_s : null
  return {
    status: 'ok',
    workload,
    state: keepsStateOnDevice(device) ? 'device' : 'host',
    onnxruntime: ortRows,
    torch: peer,
    ratio: peerSps ? best / peerSps : null
  }
}
await section('trainStep8g', () => trainStepRow('8g', quick ? 20 : 200, quick ? 3 : 20))
await section('trainStepMnist', () => trainStepRow('mnist', quick ? 5 : 50, quick ? 1 : 5))

// ── Training quality and the one-step/flow runs the bench times ─────────────────────────────────────────────
const store = RunStore.open(
  values.state ? path.resolve(values.state) : fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-gpu-runs-'))
)
const runIds = (report.runIds ??= {}) as Record<string, string>
await section('training', async () => {
  if (!device) return noDevice
  const ds = resolveDataset('8gaussians', { seed: 0 })
  const steps = quick ? 100 : 1500
  const out: Record<string, unknown> = {}
  for (const d of ['cpu', device] as const) {
    const config = makeRunConfig(ds, { objective: 'cfm', steps, seed: 0, device: d })
    const r = await trainRun(ds, config, { store, evalPoints: 2000 })
    if (r.runId) runIds[`cfm-${d}`] = r.runId
    out[d] = {
      backend: r.backend,
      seconds: Math.round(r.durationMs / 100) / 10,
      finalLoss: r.finalLoss,
      energy: r.metrics.energy,
      energyGaussian: r.metrics.energyGaussian
    }
  }
  // A one-step map for the bench (its quality does not matter for timing).
  const one = await trainRun(
    ds,
    makeRunConfig(ds, { objective: 'energy', steps: quick ? 20 : 200, seed: 0 }),
    {
      store,
      evalPoints: 1000
    }
  )
  if (one.runId) runIds.onestep = one.runId
  return { status: 'ok', steps, state: keepsStateOnDevice(device) ? 'device' : 'host', runs: out }
})

// ── pfm bench on the GPU: one-step map vs Heun K = 100, batch 1 … 65,536 ───────────────────────────────────
await section('bench', async () => {
  if (!device) return noDevice
  const runs = [runIds.onestep, runIds[`cfm-${device}`]].filter((x): x is string => !!x)
  const r = await benchInference(
    store,
    {
      runs,
      samplers: ['onestep', 'heun'],
      steps: [100],
      batch: quick ? [1, 1024] : [1, 64, 1024, 16_384, 65_536],
      ep: device,
      repeats: quick ? 3 : 10,
      rounds: quick ? 1 : 3,
      quality: false,
      separate: false,
      parityPoints: 256
    },
    { log: (m) => log(`  ${m}`) }
  )
  const rows = r.results.map((x) => ({
    sampler: x.sampler,
    steps: x.steps,
    batch: x.batch,
    p50ms: x.latencyMs.p50,
    samplesPerSec: x.samplesPerSec,
    parity: x.parity
  }))
  const ratio = [...new Set(rows.map((x) => x.batch))].map((batch) => {
    const one = rows.find((x) => x.batch === batch && x.sampler === 'onestep')
    const heun = rows.find((x) => x.batch === batch && x.sampler === 'heun')
    return {
      batch,
      onestepPerSec: one?.samplesPerSec ?? null,
      speedup: one && heun ? one.samplesPerSec / heun.samplesPerSec : null
    }
  })
  return { status: 'ok', ep: r.machine.ep, rows, onestepVsHeun100: ratio }
})

// ── Parity of every graph kind on the GPU against the CPU ───────────────────────────────────────────────────
await section('parity', async () => {
  if (!device) return noDevice
  const rng = new Rng(11)
  const graphs = [
    ...engineGraphs(rng),
    { name: 'fused heun (loop form)', kind: 'sampler', bytes: loopSamplerGraph(rng) }
  ]
  const rows = []
  for (const g of graphs) {
    const feeds = exampleFeeds(g.bytes, rng, 1024)
    const cpu = await run(g.bytes, feeds, 'cpu', false)
    let strict = true
    let gpuOut: Record<string, Float32Array>
    try {
      gpuOut = await run(g.bytes, feeds, device, true)
    } catch (e) {
      // A node the provider does not run: recorded, then measured with the fallback allowed.
      strict = false
      log(`  ${g.name}: ${why(e)}`)
      gpuOut = await run(g.bytes, feeds, device, false)
    }
    let rel = 0
    for (const [k, ref] of Object.entries(cpu)) {
      const got = gpuOut[k]!
      let scale = 1
      for (const v of ref) scale = Math.max(scale, Math.abs(v))
      for (let i = 0; i < ref.length; i++) rel = Math.max(rel, Math.abs(got[i]! - ref[i]!) / scale)
    }
    rows.push({
      graph: g.name,
      kind: g.kind,
      noCpuFallback: strict,
      expectedFallback: uncoveredOps(g.bytes).map((o) => o.opType),
      relMaxAbsDiff: rel,
      withinTolerance: rel <= 1e-4
    })
  }
  return { status: 'ok', tolerance: 1e-4, rows }
})

async function run(
  bytes: Uint8Array,
  feeds: ReturnType<typeof exampleFeeds>,
  provider: ExecutionProvider,
  strict: boolean
): Promise<Record<string, Float32Array>> {
  const m = await OnnxModel.load(bytes, { provider, strict })
  try {
    const r = await m.run(feeds)
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Float32Array.from(v.data)]))
  } finally {
    await m.release()
  }
}

report.totalSeconds = Math.round((Date.now() - t0) / 1000)
save()
log(`wrote ${outFile}`)
