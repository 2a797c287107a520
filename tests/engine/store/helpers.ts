/** Shared fixtures for the run-store tests: a valid RunConfig, temp roots, a pid that is surely dead. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import type { RunConfig } from '../../../src/engine/train/config'
import { makeRunConfig } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'

export function makeConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    objective: 'energy',
    params: { batch: 256, projections: 64, exact: true, mode: 'u' },
    dataset: {
      spec: '8gaussians',
      name: '8gaussians',
      n: 20000,
      rows: 20000,
      dim: 2,
      columnNames: ['x', 'y']
    },
    model: { latentDim: 2, base: 'normal', width: 64, depth: 3, activation: 'silu' },
    steps: 100,
    batch: 256,
    lr: 1e-3,
    seed: 7,
    heldout: 0.1,
    evalEvery: 0,
    backend: 'auto',
    ...over
  }
}

/** A tiny run of `ds` on the cpu backend: 10 steps of 64 through a 16 × 2 network, seed 3. */
export function tinyRunConfig(
  ds: Dataset,
  over: Partial<Parameters<typeof makeRunConfig>[1]> & { objective: string }
): RunConfig {
  return makeRunConfig(ds, {
    steps: 10,
    batch: 64,
    seed: 3,
    model: { width: 16, depth: 2 },
    backend: 'cpu',
    ...over
  })
}

const roots: string[] = []

/** A fresh temp folder (removed by `removeTempRoots`). */
export function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-store-'))
  roots.push(dir)
  return dir
}

export function removeTempRoots(): void {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
}

/** The pid of a process that has already exited (and been reaped). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''])
  return r.pid!
}

/** A clock that advances one second per call from `start`. */
export function steppingClock(start = Date.parse('2026-11-23T15:41:02.000Z')): () => Date {
  let t = start
  return () => new Date((t += 1000))
}
