/**
 * A small real table with default flags: `pfm train --data <178-row CSV> --objective energy` trains (the batch
 * is capped at the training rows, and the log says so with the CLI's flag spelling), and keeps the best
 * held-out checkpoint beside the final weights, selectable with `--weights best`. In-process (`main`).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { pfmInProcess as pfm } from './in-process'
import { removeTempRoots, tempRoot } from '../engine/store/helpers'

afterEach(removeTempRoots)

const WINE = path.resolve(__dirname, '../fixtures/tables/wine-like.csv')


describe('a 178-row table with default flags', () => {
  it('trains with the batch capped at its training rows and keeps the best held-out checkpoint', async () => {
    const dir = tempRoot()
    const t = await pfm(['train', '--data', WINE, '--objective', 'energy', '--runs-dir', dir])
    expect(t.stderr).not.toContain('pfm train:')
    expect(t.code).toBe(0)
    // 178 rows: half held out (the held-out split keeps up to 2000 points), 89 to train on.
    expect(t.stdout).toContain('--batch: 512 is more than the 89 training rows of wine-like.csv; each step uses all 89.')
    // and the split that is not the 20 % asked for is said, not silent
    expect(t.stdout).toContain(
      'held out 89 of 178 rows (50 %), not the 20 % asked for: a run keeps at least min(2000, n/2) rows out'
    )
    const { runs } = JSON.parse((await pfm(['runs', '--json', '--runs-dir', dir])).stdout) as { runs: { id: string }[] }
    const id = runs[0]!.id
    const run = JSON.parse(fs.readFileSync(path.join(dir, id, 'run.json'), 'utf8')) as {
      status: string
      config: { batch: number; steps: number; evalEvery: number }
      best: { step: number; metric: string; value: number }
      result: { metrics: { energy: number } }
    }
    expect(run.status).toBe('completed')
    expect(run.config.batch).toBe(89) // the batch the run used is the one stored
    expect(run.best.metric).toBe('energy')
    expect(run.best.step % run.config.evalEvery === 0 || run.best.step === run.config.steps).toBe(true)
    expect(run.best.value).toBeLessThanOrEqual(run.result.metrics.energy)
    expect(fs.existsSync(path.join(dir, id, 'weights.best.json'))).toBe(true)
    if (run.best.step < run.config.steps)
      expect(t.stdout).toContain(`best held-out energy`)

    // --weights best evaluates the kept checkpoint; the default is the final weights.
    const evalOf = async (extra: string[]): Promise<{ weights: string; metrics: { energy: number } }> =>
      JSON.parse((await pfm(['eval', '--run', id, '--json', '--runs-dir', dir, ...extra])).stdout)
    const final = await evalOf([])
    const best = await evalOf(['--weights', 'best'])
    expect(final.weights).toBe('final')
    expect(best.weights).toBe('best')
    // the human header says which weights it read
    const human = await pfm(['eval', '--run', id, '--weights', 'best', '--runs-dir', dir])
    expect(human.stdout.split('\n')[0]).toBe(`Run ${id} (its best held-out checkpoint, --weights best), sampler onestep`)
    expect((await pfm(['eval', '--run', id, '--runs-dir', dir])).stdout.split('\n')[0]).toBe(`Run ${id}, sampler onestep`)
    // -n beyond the held-out split is capped, and the header says so
    expect((await pfm(['eval', '--run', id, '-n', '10000', '--runs-dir', dir])).stdout.split('\n')[0]).toBe(
      `Run ${id}, sampler onestep (-n 10000: scored on 89, the points the run holds out)`
    )
    if (run.best.step < run.config.steps) expect(best.metrics.energy).not.toBe(final.metrics.energy)
    const bad = await pfm(['eval', '--run', id, '--weights', 'top', '--runs-dir', dir])
    expect(bad.stderr).toBe('pfm eval: --weights: "top" is not final or best.\n')
  })
})
