/**
 * The PyTorch eager peer of `pfm bench` (../shared/bench/torch_infer.py) and onnxruntime on the very same
 * architectures, in one command: the one-step MLP 2 → 256 → 256 → 256 → 2 (SiLU) and a 100-step Euler
 * sampler over the velocity MLP 3 → 256³ → 2 on the raw row [x, t] — random weights (latency does not
 * depend on them), the same batch sizes and thread count, torch_infer.py's timing rule (≥ 10 runs and
 * `seconds` per case, p10 / p50 / p90), onnxruntime timed before and after the peer. The ratios are torch p50 /
 * onnxruntime p50 (the mean of its two passes).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { EngineContext } from '../context'
import { randomMlpWeights } from '../models/mlp'
import { fusedSamplerModel, rawTimeNet, velocityNetModel } from '../onnx/flow'
import { pushforwardModel } from '../onnx/pushforward'
import { Rng } from '../rng'
import { VELOCITY_FIELD, findSampler, runPlan, tracePlan, uniformGrid } from '../samplers'
import { exec, lastLine, preparePeer, sharedDir as defaultSharedDir } from './peer'
import { loadSession, percentiles, timeCalls, type InferBenchProgress, type Latency } from './infer-timing'

export interface PeerCase {
  case: 'onestep' | 'euler100'
  batch: number
  latencyMs: Latency
}

export interface PeerComparison {
  status: 'ok' | 'unavailable'
  reason?: string
  /** The peer's command line. */
  command: string
  threads: number
  torch: PeerCase[]
  /**
   * onnxruntime on the peer's architectures (euler100: fused graph and 100 separate calls), timed before
   * (pass 1) and after (pass 2) the peer.
   */
  ort: (PeerCase & { fused: boolean; pass: 1 | 2 })[]
  /** torch p50 / onnxruntime p50 (mean of the two passes; euler100: the faster onnxruntime way). */
  ratios: { case: PeerCase['case']; batch: number; torchP50: number; ortP50: number; speedup: number }[]
}

/** torch_infer.py's cases, or why it could not run. */
async function runTorch(
  dir: string,
  batches: readonly number[],
  threads: number,
  seconds: number
): Promise<{ ok: true; cases: PeerCase[] } | { ok: false; reason: string }> {
  const script = path.join(dir, 'bench', 'torch_infer.py')
  if (!fs.existsSync(script)) return { ok: false, reason: `${script} not found (set PFM_SHARED_DIR)` }
  const peerEnv = await preparePeer(dir)
  if (typeof peerEnv === 'string') return { ok: false, reason: peerEnv }
  const env = { ...process.env, ...peerEnv }
  const r = await exec(
    '/usr/bin/python3',
    [script, '--batches', batches.join(','), '--threads', String(threads), '--seconds', String(seconds)],
    env,
    30 * 60_000
  )
  if (r.code !== 0)
    return { ok: false, reason: `torch_infer.py failed: ${lastLine(r.stderr) || `exit code ${r.code}`}` }
  const cases: PeerCase[] = []
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue
    const j = JSON.parse(line) as { case: PeerCase['case']; batch: number; latency_ms: Latency }
    cases.push({
      case: j.case,
      batch: j.batch,
      latencyMs: { p10: j.latency_ms.p10, p50: j.latency_ms.p50, p90: j.latency_ms.p90 }
    })
  }
  return cases.length ? { ok: true, cases } : { ok: false, reason: 'torch_infer.py printed no cases' }
}

/** The peer comparison: onnxruntime on the peer's architectures, then torch_infer.py, same batches and threads. */
export async function benchPeer(
  opts: { batches: readonly number[]; threads: number; ep: string; seconds: number; sharedDir?: string },
  ctx: EngineContext<InferBenchProgress> = {}
): Promise<PeerComparison> {
  const dir = defaultSharedDir(opts.sharedDir)
  const command =
    `env $(bash ${path.join(dir, 'bench/setup-peer.sh')}) /usr/bin/python3 ${path.join(dir, 'bench/torch_infer.py')} ` +
    `--batches ${opts.batches.join(',')} --threads ${opts.threads} --seconds ${opts.seconds}`
  const ort = await import('onnxruntime-node')
  const d = 2
  const unit = { mean: [0, 0], std: [1, 1] }
  const onestep = await loadSession(
    ort,
    pushforwardModel(
      randomMlpWeights({ inDim: 2, outDim: 2, width: 256, depth: 3, activation: 'silu' }, new Rng(1)),
      unit
    ).bytes,
    opts.threads,
    opts.ep
  )
  const vnet = rawTimeNet(
    randomMlpWeights({ inDim: 3, outDim: 2, width: 256, depth: 3, activation: 'silu' }, new Rng(2))
  )
  const plan = tracePlan(findSampler('euler'), VELOCITY_FIELD, uniformGrid(0, 1, 100))
  const fused = await loadSession(ort, fusedSamplerModel(vnet, plan, null).bytes, opts.threads, opts.ep)
  const velocity = await loadSession(ort, velocityNetModel(vnet).bytes, opts.threads, opts.ep)
  const ortCases: PeerComparison['ort'] = []
  const minMs = opts.seconds * 1000
  const timeOrt = async (pass: 1 | 2): Promise<void> => {
    for (const b of opts.batches) {
      ctx.onProgress?.({
        done: 0,
        total: 1,
        phase: `onnxruntime on the peer's MLPs, batch ${b} (pass ${pass})`
      })
      const z = new Rng(7).normals(b * d)
      const zt = (): InstanceType<typeof ort.Tensor> => new ort.Tensor('float32', z, [b, d])
      const time = async (fn: () => Promise<unknown>): Promise<Latency> =>
        percentiles(await timeCalls(fn, { warmup: 5, repeats: 10, minMs, signal: ctx.signal }))
      ortCases.push({
        case: 'onestep',
        batch: b,
        fused: true,
        pass,
        latencyMs: await time(() => onestep.run({ z: zt() }))
      })
      ortCases.push({
        case: 'euler100',
        batch: b,
        fused: true,
        pass,
        latencyMs: await time(() => fused.run({ z: zt() }))
      })
      const t = new Float32Array(b)
      ortCases.push({
        case: 'euler100',
        batch: b,
        fused: false,
        pass,
        latencyMs: await time(() =>
          runPlan(plan, z, async (x, time) => {
            t.fill(time)
            const r = await velocity.run({
              x: new ort.Tensor('float32', x, [b, d]),
              t: new ort.Tensor('float32', t, [b])
            })
            return r.v!.data as Float32Array
          })
        )
      })
    }
  }
  let torch: Awaited<ReturnType<typeof runTorch>>
  try {
    // onnxruntime before and after the peer: load that changes during the command falls on both sides.
    await timeOrt(1)
    ctx.onProgress?.({ done: 0, total: 1, phase: 'PyTorch peer (torch_infer.py)' })
    ctx.log?.(`peer: ${command}`)
    torch = await runTorch(dir, opts.batches, opts.threads, opts.seconds)
    if (torch.ok) await timeOrt(2)
  } finally {
    await onestep.release()
    await fused.release()
    await velocity.release()
  }
  if (!torch.ok)
    return {
      status: 'unavailable',
      reason: torch.reason,
      command,
      threads: opts.threads,
      torch: [],
      ort: ortCases,
      ratios: []
    }
  const ratios: PeerComparison['ratios'] = []
  for (const tc of torch.cases) {
    const mine = ortCases.filter((o) => o.case === tc.case && o.batch === tc.batch)
    if (mine.length === 0) continue
    // the faster way (fused or separate), its p50 averaged over the two passes
    const mean = (fusedWay: boolean): number => {
      const ps = mine.filter((o) => o.fused === fusedWay).map((o) => o.latencyMs.p50)
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Infinity
    }
    const best = Math.round(Math.min(mean(true), mean(false)) * 1e4) / 1e4
    ratios.push({
      case: tc.case,
      batch: tc.batch,
      torchP50: tc.latencyMs.p50,
      ortP50: best,
      speedup: Math.round((tc.latencyMs.p50 / best) * 100) / 100
    })
  }
  return { status: 'ok', command, threads: opts.threads, torch: torch.cases, ort: ortCases, ratios }
}
