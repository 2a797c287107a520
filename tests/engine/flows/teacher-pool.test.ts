/**
 * A teacher's first pool at image size (teacher.ts `firstPool` through onnxruntime): it logs its progress while
 * it runs long (a 524 288-pair pool takes a quarter of an hour at 784-D) and stops when the run is cancelled.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { CancelledError } from '../../../src/engine/errors'
import { cfm } from '../../../src/engine/objectives/flows'
import type { CfmModel } from '../../../src/engine/objectives/flows/cfm'
import {
  firstPool,
  poolProgress,
  POOL_PROGRESS_MS,
  type Teacher
} from '../../../src/engine/objectives/flows/teacher'
import { Rng } from '../../../src/engine/rng'
import { makeRunConfig } from '../../../src/engine/train/train'
import type { Dataset } from '../../../src/engine/types'
import { modelSpec } from './helpers'

beforeAll(async () => {
  await initBackend('cpu')
})

describe('a teacher pool', () => {
  it('logs its progress at most every 30 s, with the time left, and nothing for a short pool', () => {
    let t = 0
    const lines: string[] = []
    const report = poolProgress(
      'distill',
      (m) => lines.push(m),
      () => t
    )
    const total = 524288
    for (let done = 4096; done <= total; done += 4096) {
      t += 1000 // 4 096 rows a second
      report(done, total)
    }
    // 128 s in all: lines at 30, 60, 90 and 120 s
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe('distill: teacher pairs 122,880 of 524,288 (23 %) after 30s, about 1m38s left')
    expect(lines[3]).toMatch(
      /^distill: teacher pairs 491,520 of 524,288 \(93 %\) after 2m00s, about 8s left$/
    )
    expect(POOL_PROGRESS_MS).toBe(30_000)
    const quiet: string[] = []
    const short = poolProgress(
      'reflow',
      (m) => quiet.push(m),
      () => (t += 100)
    )
    for (let done = 4096; done <= 65536; done += 4096) short(done, 65536)
    expect(quiet).toEqual([])
  })

  it('stops with a CancelledError when the run is cancelled (checked before each chunk)', async () => {
    const d = 64 // image-size data: the pool is integrated through onnxruntime
    const n = 12
    const ds: Dataset = {
      name: 'tiny',
      source: { kind: 'file', path: 'tiny.npy' },
      n,
      d,
      data: new Rng(2).normals(n * d),
      columns: Array.from({ length: d }, (_, j) => `x${j}`)
    }
    const config = makeRunConfig(ds, { objective: 'cfm', steps: 2, model: { width: 16, depth: 2 } })
    const model = (await cfm.create(modelSpec(cfm, d, { model: { width: 16, depth: 2 } }))) as CfmModel
    const teacher: Teacher = {
      runId: 'r',
      objective: 'cfm',
      model,
      opts: { sampler: 'euler', steps: 2 },
      config
    }
    const ac = new AbortController()
    const lines: string[] = []
    // the whole pool when nothing stops it: 8 chunks of 1 024 rows
    const pool = await firstPool(teacher, 8192, new Rng(1), { log: (m) => lines.push(m), signal: ac.signal })
    expect(pool.n).toBe(8192)
    expect(lines).toEqual([]) // well under 30 s
    ac.abort()
    await expect(firstPool(teacher, 8192, new Rng(1), { signal: ac.signal })).rejects.toBeInstanceOf(
      CancelledError
    )
    model.dispose()
  })
})
