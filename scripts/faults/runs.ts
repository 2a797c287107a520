/**
 * Faults in the run store: corrupt run records (every field of weights.json and run.json a hand edit or a
 * damaged disk can break, and raw bytes), and training processes killed with SIGKILL at random moments.
 * Both drive the real code paths: the store and `evaluateRun` (what `pfm eval` runs), and `pfm train` /
 * `pfm train --resume` as child processes.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { initBackend } from '../../src/engine/backend'
import { resolveDataset } from '../../src/engine/data'
import { isEngineError } from '../../src/engine/errors'
import { Rng } from '../../src/engine/rng'
import { RunStore } from '../../src/engine/store'
import { unpackWeights } from '../../src/engine/store/weights-codec'
import { evaluateRun } from '../../src/engine/train/evaluate'
import { makeRunConfig, trainRun } from '../../src/engine/train/train'
import { oneLine, type FaultCategory, type FaultContext, type Trial } from './types'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- hand-edited files
type Edit = [string, 'weights.json' | 'run.json', (j: Json) => void]

const EDITS: Edit[] = [
  ['weights.json layers: []', 'weights.json', (j) => (j.phi.layers = [])],
  ['weights.json a null weight', 'weights.json', (j) => (j.phi.layers[1].w[3] = null)],
  ['weights.json a short weight array', 'weights.json', (j) => j.phi.layers[0].w.pop()],
  ['weights.json a short bias', 'weights.json', (j) => j.phi.layers[1].b.pop()],
  ['weights.json a string weight', 'weights.json', (j) => (j.phi.layers[0].w[0] = '1')],
  ['weights.json an extra layer', 'weights.json', (j) => j.phi.layers.push(j.phi.layers[1])],
  ['weights.json layers that do not chain', 'weights.json', (j) => (j.phi.layers[1].inDim = 5)],
  ['weights.json no kind', 'weights.json', (j) => delete j.kind],
  ['weights.json another model kind', 'weights.json', (j) => (j.kind = 'cfm')],
  ['weights.json no phi', 'weights.json', (j) => delete j.phi],
  ['weights.json a spec of another latent size', 'weights.json', (j) => (j.phi.spec.inDim = 3)],
  // arrays of ≥ 64 values are stored as base64 float32 (store/weights-codec.ts)
  ['weights.json a packed array not base64', 'weights.json', (j) => (j.phi.layers[1].w = { f32: 'not base64!' })],
  ['weights.json a packed array of 3 bytes', 'weights.json', (j) => (j.phi.layers[1].w = { f32: 'AAAA' })],
  ['weights.json a packed array of too few values', 'weights.json', (j) => (j.phi.layers[1].w = { f32: 'AAAAAA==' })],
  ['run.json std [1.0]', 'run.json', (j) => (j.standardization.std = [1.0])],
  ['run.json std [0, 0]', 'run.json', (j) => (j.standardization.std = [0, 0])],
  ['run.json std negative', 'run.json', (j) => (j.standardization.std = [1, -1])],
  ['run.json mean null (NaN)', 'run.json', (j) => (j.standardization.mean[0] = null)],
  ['run.json dataset dim 0', 'run.json', (j) => (j.config.dataset.dim = 0)],
  ['run.json lr -1', 'run.json', (j) => (j.config.lr = -1)],
  ['run.json batch 1', 'run.json', (j) => (j.config.batch = 1)],
  ['run.json steps "many"', 'run.json', (j) => (j.config.steps = 'many')],
  ['run.json latent size not matching the weights', 'run.json', (j) => (j.config.model.latentDim = 4)],
  ['run.json stepsDone beyond the budget', 'run.json', (j) => (j.result.stepsDone = 10_000)],
  ['run.json unknown status', 'run.json', (j) => (j.status = 'exploded')],
  ['run.json newer schema', 'run.json', (j) => (j.schema = 99)],
  ['run.json no config', 'run.json', (j) => delete j.config]
]

/** Whole-file damage: truncation, garbage, raw bytes with terminal escapes, an empty file. */
const RAW: [string, 'weights.json' | 'run.json', (text: string) => string | Buffer][] = [
  ['weights.json truncated', 'weights.json', (t) => t.slice(0, Math.floor(t.length / 2))],
  ['weights.json empty', 'weights.json', () => ''],
  ['run.json truncated', 'run.json', (t) => t.slice(0, 120)],
  ['run.json raw bytes with escape sequences', 'run.json', () => Buffer.from([0x7b, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x9b])],
  ['run.json random bytes', 'run.json', () => Buffer.from(new Rng(7).normals(64).buffer)]
]

/** One line, one run, the file: a StoreError that names the run and file, with no newline. */
function cleanRefusal(e: unknown, id: string, file: string): boolean {
  if (!isEngineError(e)) return false
  // eslint-disable-next-line no-control-regex -- a terminal escape must never reach the message
  return e.message.startsWith(`Run "${id}": `) && e.message.includes(file) && !/[\n\u001b]/.test(e.message)
}

async function corruptRecords(ctx: FaultContext): Promise<Trial[]> {
  await initBackend('cpu')
  const store = new RunStore(ctx.tmpDir())
  const ds = resolveDataset('8gaussians', { n: 300, seed: 3 })
  const config = makeRunConfig(ds, {
    objective: 'energy',
    steps: 4,
    batch: 32,
    seed: 3,
    evalEvery: 0,
    model: { width: 8, depth: 2 },
    backend: 'cpu'
  })
  const base = (await trainRun(ds, config, { store })).runId!
  let n = 0
  const copy = (file: string, damage: (text: string) => string | Buffer): string => {
    const id = `corrupt-${++n}`
    fs.cpSync(path.join(store.root, base), path.join(store.root, id), { recursive: true })
    const f = path.join(store.root, id, file)
    fs.writeFileSync(f, damage(fs.readFileSync(f, 'utf8')))
    return id
  }
  const trials: Trial[] = []
  const tryCase = async (label: string, id: string, file: string): Promise<void> => {
    try {
      const r = await evaluateRun(store, id, { n: 50 })
      trials.push({ case: label, held: false, outcome: `evaluated (energy ${r.metrics.energy}): a wrong answer` })
    } catch (e) {
      const listed = store.list()
      const inList = listed.problems.some((p) => p.id === id) || listed.runs.some((r) => r.id === id)
      trials.push({
        case: label,
        held: cleanRefusal(e, id, file) && inList,
        outcome: `refused: ${oneLine(e)}`
      })
    }
  }
  for (const [label, file, edit] of EDITS) {
    const id = copy(file, (t) => {
      const j = JSON.parse(t) as Json
      // hand edits of numbers: the arrays a run packs as base64 unpacked first, as an older run's file holds them
      if (file === 'weights.json') unpackWeights(j)
      edit(j)
      return JSON.stringify(j)
    })
    await tryCase(label, id, file)
  }
  for (const [label, file, damage] of RAW) await tryCase(label, copy(file, damage), file)
  return trials
}

const TRAIN = ['--data', '8gaussians', '--n', '600', '--objective', 'energy', '--steps', '600', '--batch', '64']
const NET = ['--width', '16', '--depth', '2', '--backend', 'cpu']

/** Kills `pfm train` with SIGKILL `delayMs` after it starts; then checks the store's account and resumes it. */
async function killOnce(ctx: FaultContext, delayMs: number, seed: number): Promise<Trial> {
  const runsDir = path.join(ctx.tmpDir(), 'runs')
  const pfm = path.join(ctx.root, 'bin/pfm.mjs')
  const child = spawn(process.execPath, [pfm, 'train', ...TRAIN, ...NET, '--seed', String(seed), '--runs-dir', runsDir], {
    cwd: ctx.root,
    stdio: 'ignore'
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  await new Promise((r) => setTimeout(r, delayMs))
  child.kill('SIGKILL')
  await exited
  const label = `SIGKILL ${(delayMs / 1000).toFixed(1)} s after start (600 steps, checkpoints every 60)`
  const store = RunStore.open(runsDir)
  const { runs, problems } = store.list()
  if (problems.length) return { case: label, held: false, outcome: `unreadable run: ${oneLine(problems[0]!.reason)}` }
  const run = runs[0]
  if (!run) return { case: label, held: true, outcome: 'killed before the run was created: nothing on disk' }
  if (run.status === 'completed') return { case: label, held: true, outcome: 'finished before the kill' }
  const leftovers = fs.readdirSync(path.join(runsDir, run.id)).filter((f) => /\.lock$|\.tmp-/.test(f))
  if (run.status !== 'crashed' || leftovers.length)
    return { case: label, held: false, outcome: `listed as ${run.status}; leftovers ${leftovers.join(', ') || 'none'}` }
  if (run.checkpointStep === null) {
    const weights = fs.existsSync(path.join(runsDir, run.id, 'weights.json'))
    return {
      case: label,
      held: !weights && !run.resumable,
      outcome: `crashed before its first checkpoint: no weights, not resumable`
    }
  }
  const e = await evaluateRun(store, run.id, { n: 100 })
  const r = spawnSync(process.execPath, [pfm, 'train', '--resume', run.id, '--json', '--runs-dir', runsDir], {
    cwd: ctx.root,
    encoding: 'utf8'
  })
  const done = store.load(run.id)
  const held = Number.isFinite(e.metrics.energy) && r.status === 0 && done.status === 'completed'
  return {
    case: label,
    held,
    outcome:
      `crashed with its checkpoint at step ${run.checkpointStep}; eval energy ${e.metrics.energy.toFixed(4)}; ` +
      (r.status === 0 ? `resumed to ${done.result?.stepsDone} steps, ${done.status}` : `resume failed: ${oneLine(r.stderr)}`)
  }
}

async function killedWorkers(ctx: FaultContext): Promise<Trial[]> {
  // Moments spread over the run: before the run exists, before the first checkpoint, and between checkpoints.
  const rng = new Rng(Date.now() >>> 0)
  const delays = [300, 3500 + rng.int(1500), 7000 + rng.int(3000), 10_000 + rng.int(4000)]
  const trials: Trial[] = []
  for (const [i, d] of delays.entries()) trials.push(await killOnce(ctx, d, i))
  return trials
}

export const runFaults: FaultCategory[] = [
  {
    id: 'corrupt-runs',
    title: 'Corrupt run records (weights.json, run.json)',
    expectation:
      'pfm eval refuses with one line naming the run, the file and the field; the run is still listed (or reported as a problem), never scored',
    run: corruptRecords
  },
  {
    id: 'killed-training',
    title: 'Training killed with SIGKILL (pfm train)',
    expectation:
      'the run is listed as crashed with its checkpoint step and no stale locks; it evaluates from the checkpoint and pfm train --resume finishes it (or it honestly has no weights)',
    run: killedWorkers
  }
]
