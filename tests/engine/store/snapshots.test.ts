import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RunStore, SNAPSHOTS_FILE, snapshotSteps } from '../../../src/engine/store'
import { makeConfig, removeTempRoots, tempRoot } from './helpers'

afterEach(removeTempRoots)

describe('training snapshots', () => {
  it('takes snapshots at fixed fractions of the budget, never at the last step', () => {
    expect(snapshotSteps(1000)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900])
    expect(snapshotSteps(15)).toEqual([2, 3, 5, 6, 8, 9, 11, 12, 14])
    expect(snapshotSteps(3)).toEqual([1, 2])
    expect(snapshotSteps(1)).toEqual([])
  })

  it('appends snapshots in data units and reads them back in step order; a torn last line is skipped', () => {
    const store = new RunStore(tempRoot())
    const run = store.create({ config: makeConfig() })
    run.appendSnapshot(20, { n: 2, d: 2, data: Float32Array.from([0.1, 2, -3, 4.5]) })
    run.appendSnapshot(10, { n: 1, d: 2, data: Float32Array.from([1, 2, 99, 99]) })
    fs.appendFileSync(path.join(run.dir, SNAPSHOTS_FILE), '{"step":30,"d":2,"poi')
    const { records, warnings } = store.readSnapshots(run.id)
    expect(records.map((r) => r.step)).toEqual([10, 20])
    expect(records[0]).toEqual({ step: 10, d: 2, points: [1, 2] })
    expect(records[1]!.points).toEqual([Math.fround(0.1), 2, -3, 4.5])
    expect(warnings).toEqual([
      `${SNAPSHOTS_FILE} line 3 is incomplete (the writer stopped mid-line); skipped.`
    ])
  })

  it('skips a record whose points are not whole rows, naming the line', () => {
    const store = new RunStore(tempRoot())
    const run = store.create({ config: makeConfig() })
    fs.writeFileSync(path.join(run.dir, SNAPSHOTS_FILE), '{"step":1,"d":2,"points":[1,2,3]}\n')
    const { records, warnings } = store.readSnapshots(run.id)
    expect(records).toEqual([])
    expect(warnings[0]).toMatch(/^snapshots\.jsonl line 1: .*whole number of rows/)
    expect(store.readSnapshots(store.create({ config: makeConfig() }).id)).toEqual({
      records: [],
      warnings: []
    })
  })
})
