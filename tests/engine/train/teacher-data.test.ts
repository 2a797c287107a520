/**
 * A teacher teaches only runs on its own data (train.ts `teacherDataMismatch`, checked when `distill`, `reflow`
 * or `cd` restores its teacher): a cfm trained on moons refused as the teacher of an 8gaussians distillation
 * before any run is stored, another seed of the same built-in accepted, files matched by their values' digest.
 */
import * as fs from 'node:fs'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { resolveDataset } from '../../../src/engine/data'
import { ConfigError } from '../../../src/engine/errors'
import { RunStore } from '../../../src/engine/store'
import { teacherDataMismatch, trainRun } from '../../../src/engine/train/train'
import { removeTempRoots, tempRoot, tinyRunConfig } from '../store/helpers'

beforeAll(async () => {
  await initBackend('cpu')
})
afterEach(removeTempRoots)

describe('teacherDataMismatch', () => {
  const file = (spec: string, digest?: string) => ({
    spec,
    name: spec.split('/').pop()!,
    ...(digest ? { digest } : {})
  })

  it('built-ins match by id: another seed of moons teaches, 8gaussians does not', () => {
    const moons = { spec: 'moons', name: 'moons', digest: 'aaaa' }
    expect(teacherDataMismatch(moons, { spec: 'moons', name: 'moons', digest: 'bbbb' })).toBeNull()
    expect(teacherDataMismatch(moons, { spec: '8gaussians', name: '8gaussians' })).toMatch(
      /^it was trained on "moons", and this run's data are "8gaussians"/
    )
  })

  it('files match by digest where both have one (a renamed copy teaches, a changed file does not), else by path and selection', () => {
    expect(teacherDataMismatch(file('/a/x.csv', 'd1'), file('/b/y.csv', 'd1'))).toBeNull()
    expect(teacherDataMismatch(file('/a/x.csv', 'd1'), file('/a/x.csv', 'd2'))).toMatch(
      /trained on other data under the same name/
    )
    expect(teacherDataMismatch(file('/a/x.csv'), file('/a/x.csv', 'd2'))).toBeNull()
    expect(teacherDataMismatch(file('/a/x.csv'), file('/b/y.csv'))).toMatch(/trained on "x\.csv"/)
    expect(teacherDataMismatch(file('/a/moons'), { spec: 'moons', name: 'moons' })).not.toBeNull()
    // without digests, by path and by which columns and lines of it were read (the Gallery's rule)
    expect(
      teacherDataMismatch({ ...file('/a/x.csv'), columns: '0-1' }, { ...file('/a/x.csv'), columns: '2-3' })
    ).toMatch(/trained on other data under the same name/)
    expect(
      teacherDataMismatch({ ...file('/a/x.csv'), skipRows: 1 }, { ...file('/a/x.csv'), skipRows: 1 })
    ).toBeNull()
  })
})

describe('distill with a teacher of other data', () => {
  it('is refused naming both data sets, and stores no run', async () => {
    const store = new RunStore(tempRoot())
    const moons = resolveDataset('moons', { n: 400, seed: 3 })
    const teacher = await trainRun(moons, tinyRunConfig(moons, { objective: 'cfm' }), {
      store,
      evalPoints: 50
    })
    const params = { teacher: teacher.runId!, pool: 256, teacherSteps: 4 }
    const g8 = resolveDataset('8gaussians', { n: 400, seed: 3 })
    const err = await trainRun(g8, tinyRunConfig(g8, { objective: 'distill', params }), {
      store,
      evalPoints: 50
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      `Run ${teacher.runId} cannot teach this run: it was trained on "moons", and this run's data are "8gaussians"; ` +
        `a teacher's transport fits only its own data. Train a teacher on "8gaussians" (or learn on "moons").`
    )
    expect(fs.readdirSync(store.root).filter((f) => !f.startsWith('.'))).toEqual([teacher.runId])
    // the same law drawn with another seed is the teacher's data
    const moons2 = resolveDataset('moons', { n: 400, seed: 4 })
    const ok = await trainRun(moons2, tinyRunConfig(moons2, { objective: 'distill', params }), {
      store,
      evalPoints: 50
    })
    expect(store.load(ok.runId!).status).toBe('completed')
  })
})
