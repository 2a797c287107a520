/**
 * A real `pfm train` process killed with SIGKILL at a random moment after its first checkpoint: the run is
 * listed as crashed with its checkpoint step, `pfm eval` / `sample` / `export` work from that checkpoint, and
 * `pfm train --resume` (a real process again) finishes it. eval/sample/export run in-process (`main`) to keep
 * the test's CPU time small; training and resuming are separate processes as a user would run them.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { pfmInProcess } from './in-process'
import { removeTempRoots, tempRoot } from '../engine/store/helpers'

afterEach(removeTempRoots)

const root = path.resolve(__dirname, '../..')
const pfmBin = path.join(root, 'bin/pfm.mjs')
const TRAIN = ['--data', '8gaussians', '--n', '600', '--objective', 'energy', '--steps', '1000', '--batch', '64']
const NET = ['--width', '16', '--depth', '2', '--backend', 'cpu', '--seed', '5']


/** The run folder's run.json once it names a checkpoint (polled; the process writes it atomically). */
async function waitForCheckpoint(runsDir: string, child: { exitCode: number | null }): Promise<{ id: string; step: number }> {
  for (;;) {
    if (child.exitCode !== null) throw new Error('pfm train ended before its first checkpoint')
    for (const id of fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []) {
      if (id.startsWith('.')) continue
      try {
        const j = JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as {
          checkpoint?: { step: number } | null
        }
        if (j.checkpoint) return { id, step: j.checkpoint.step }
      } catch {
        /* not written yet */
      }
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('pfm train killed with SIGKILL', () => {
  it('is listed as crashed with its checkpoint; eval, sample, export work from it; --resume finishes it', async () => {
    const dir = tempRoot()
    const runsDir = path.join(dir, 'runs')
    const child = spawn(process.execPath, [pfmBin, 'train', ...TRAIN, ...NET, '--runs-dir', runsDir], {
      cwd: root,
      stdio: 'ignore'
    })
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    const first = await waitForCheckpoint(runsDir, child)
    expect(first.step).toBe(100) // 10 % of the budget
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)))
    child.kill('SIGKILL')
    await exited
    expect(child.signalCode).toBe('SIGKILL')

    const runs = JSON.parse((await pfmInProcess(['runs', '--json', '--runs-dir', runsDir])).stdout) as {
      runs: { id: string; status: string; checkpointStep: number; resumable: boolean }[]
    }
    const run = runs.runs[0]!
    // SIGKILL may land after the last step too (a fast machine); then there is nothing to resume.
    if (run.status === 'completed') return
    expect(run).toMatchObject({ id: first.id, status: 'crashed', resumable: true })
    expect(run.checkpointStep % 100).toBe(0)
    expect(run.checkpointStep).toBeGreaterThanOrEqual(100)
    const human = (await pfmInProcess(['runs', '--runs-dir', runsDir])).stdout
    expect(human).toMatch(new RegExp(`${run.id} +crashed +energy +8gaussians +1000 +${run.checkpointStep} \\(resumable\\)`))

    const e = await pfmInProcess(['eval', '--run', run.id, '-n', '100', '--json', '--runs-dir', runsDir])
    expect(e.stderr).toBe('')
    expect(Number.isFinite((JSON.parse(e.stdout) as { metrics: { energy: number } }).metrics.energy)).toBe(true)
    const csv = path.join(dir, 's.csv')
    expect((await pfmInProcess(['sample', '--run', run.id, '-n', '20', '--out', csv, '--runs-dir', runsDir])).code).toBe(0)
    expect(fs.readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(21)
    const onnx = path.join(dir, 'm.onnx')
    const x = await pfmInProcess(['export', '--run', run.id, '--out', onnx, '--runs-dir', runsDir])
    expect(x.stderr).toBe('')
    expect(fs.statSync(onnx).size).toBeGreaterThan(100)

    const r = spawnSync(process.execPath, [pfmBin, 'train', '--resume', run.id, '--json', '--runs-dir', runsDir], {
      cwd: root,
      encoding: 'utf8'
    })
    expect(r.stderr).not.toContain('pfm train:') // (the cpu backend prints a TensorFlow.js banner there)
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ runId: run.id, resumedFrom: run.checkpointStep, steps: 1000 })
    const after = JSON.parse(fs.readFileSync(path.join(runsDir, run.id, 'run.json'), 'utf8')) as {
      status: string
      result: { stepsDone: number }
    }
    expect(after).toMatchObject({ status: 'completed', result: { stepsDone: 1000 } })
  })
})
