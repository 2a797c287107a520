/** The fault-injection runner (scripts/faults): its bookkeeping and report, with stand-in categories. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CATEGORIES } from '../../scripts/faults/index'
import { runFaults } from '../../scripts/faults/run'
import type { FaultCategory } from '../../scripts/faults/types'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('check:faults runner', () => {
  const fine: FaultCategory = {
    id: 'fine',
    title: 'Always fine',
    expectation: 'nothing breaks',
    run: async (ctx) => {
      const dir = ctx.tmpDir()
      fs.writeFileSync(path.join(dir, 'x'), 'x')
      return [
        { case: 'a | pipe', held: true, outcome: 'ok' },
        { case: 'b', held: false, outcome: 'broke' }
      ]
    }
  }
  const crashing: FaultCategory = {
    id: 'crash',
    title: 'Crashes',
    expectation: 'never runs through',
    run: async () => {
      throw new Error('boom\nsecond line')
    }
  }

  it('counts what did not hold, records a crashing category as one failed case, and writes the table', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-faults-test-')), 'reliability.md')
    const { failed, results } = await runFaults({ root: ROOT, out, categories: [fine, crashing] })
    expect(failed).toBe(2)
    expect(results[1]!.trials).toEqual([
      { case: 'the category itself', held: false, outcome: 'crashed: boom ⏎ second line' }
    ])
    const md = fs.readFileSync(out, 'utf8')
    expect(md).toContain('3 cases tried, 1 held, 2 did not.')
    expect(md).toMatch(/\| \[Always fine\]\(#fine\) \| 2 \| 1 \| 1 \|/)
    // Failures first; table cells escaped.
    expect(md.indexOf('| b | **no** | broke |')).toBeLessThan(md.indexOf('| a \\| pipe | yes | ok |'))
  })

  it('refuses an unknown category id; every registered id is unique', async () => {
    await expect(runFaults({ root: ROOT, out: null, only: ['nope'], categories: [fine] })).rejects.toThrow(
      /Unknown category nope \(known: fine\)/
    )
    const ids = CATEGORIES.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
