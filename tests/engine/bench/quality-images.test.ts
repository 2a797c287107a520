/**
 * bench:quality on images: a few hundred mnist14 images and a 3-step budget. The row carries the image metrics
 * of the data set's one evaluator (finite fd, class shares summing to 1, a memorisation ratio), the yard-sticks
 * come once per data set, and an objective without an image budget or an unknown data set is one clear
 * failure line while the other rows are still run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  reportText,
  runQualityBench,
  type QualityBenchFailure,
  type QualityBenchReport,
  type QualityBenchRow
} from '../../../src/engine/bench/quality-bench'
import { imageQualityTable } from '../../../src/engine/bench/quality-images'
import { RunStore } from '../../../src/engine/store/run-store'

describe('bench:quality on image data', () => {
  it('scores the image-capable objectives with one evaluator and reports the others in a line', async () => {
    const streamed: QualityBenchRow[] = []
    const failed: QualityBenchFailure[] = []
    const rep: QualityBenchReport = await runQualityBench({
      objectives: ['distill', 'ddpm', 'cfm'],
      datasets: ['nope', 'mnist14'],
      n: 300,
      seed: 1,
      steps: 3,
      model: { width: 32, depth: 2 },
      classifier: { steps: 100, batch: 64 },
      onRow: (r) => streamed.push(r),
      onFailure: (f) => failed.push(f)
    })
    expect(rep.yardsticks).toHaveLength(1)
    const y = rep.yardsticks[0]!
    expect(y).toMatchObject({ dataset: 'mnist14', images: 300, heldout: 150 })
    expect(y.fdData).toBeGreaterThan(0)
    expect(y.fdGaussian).toBeGreaterThan(y.fdData)

    // distill first: its teacher, the cfm run, is trained for it and is then cfm's own row.
    expect(rep.rows.map((r) => r.objective)).toEqual(['distill', 'cfm'])
    expect(streamed).toEqual(rep.rows)
    const [distill, row] = rep.rows as [QualityBenchRow, QualityBenchRow]
    expect(distill).toMatchObject({ sampler: 'onestep', latency: { rows: 64 } })
    expect(distill.teacher).toMatch(/-cfm-mnist14-/)
    expect(distill.metrics.image!.fdGaussian).toBe(row.metrics.image!.fdGaussian)
    expect(row).toMatchObject({ objective: 'cfm', dataset: 'mnist14', steps: 3, batch: 128 })
    // cfm's image budget predicts the clean sample: DDIM first (cfm.ts DATA_SAMPLERS)
    expect(row).toMatchObject({ sampler: 'ddim', samplerSteps: 100, latency: { rows: 64 } })
    expect(row.latency!.ms).toBeGreaterThan(0)
    const m = row.metrics.image!
    expect(Number.isFinite(m.fd) && m.fd > 0).toBe(true)
    expect(m.fdGaussian).toBe(y.fdGaussian)
    expect(row.ratio).toBeCloseTo(m.fd / y.fdGaussian, 12)
    expect(m.memorisation).toBeGreaterThan(0)
    const shares = row.classShares!
    expect(shares).toHaveLength(10)
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
    expect(Math.min(...shares)).toBeCloseTo(m.minClassShare, 12)
    expect(row.trainSeconds).toBeGreaterThan(0)
    expect(row.evalSeconds).toBeGreaterThan(0)

    expect(failed).toEqual(rep.failures)
    expect(rep.failures).toEqual([
      { dataset: 'nope', error: expect.stringMatching(/^Unknown built-in dataset "nope"/) },
      {
        dataset: 'mnist14',
        objective: 'ddpm',
        error: expect.stringMatching(/no image budget \(imageDefaults\)/)
      }
    ])
    const text = reportText(rep, 1)
    expect(text).toContain('not run on mnist14 (ddpm): it declares no image budget')
    expect(text).toContain('not run: nope: Unknown built-in dataset')
    const table = imageQualityTable(rep).split('\n')
    expect(table[0]).toMatch(/^mnist14: fdGaussian \d+\.\d{3}, fdData \d+\.\d{3} \(the floor\)/)
    expect(table.find((l) => l.startsWith('| `cfm` | mnist14 | 3 × 128 | ddim K = 100 |'))).toBeDefined()
  }, 120_000)

  it("names the teacher when a taught objective's teacher run fails", async () => {
    const rep = await runQualityBench({
      objectives: ['distill'],
      datasets: ['moons'],
      n: 200,
      model: { width: 0 }
    })
    expect(rep.rows).toEqual([])
    expect(rep.failures).toEqual([
      {
        dataset: 'moons',
        objective: 'distill',
        error: expect.stringMatching(/^its teacher, the cfm run, failed: width/)
      }
    ])
  })

  it('a taught objective learns from a stored teacher run given with `teacher`, and trains no cfm', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-bq-teacher-'))
    try {
      const small = {
        datasets: ['moons'],
        n: 200,
        steps: 3,
        model: { width: 16, depth: 1 },
        runsDir
      }
      await runQualityBench({ ...small, objectives: ['cfm'] })
      const teacher = RunStore.open(runsDir).list().runs[0]!.id
      const rep = await runQualityBench({ ...small, objectives: ['distill'], teacher })
      expect(rep.failures).toEqual([])
      expect(rep.rows.map((r) => [r.objective, r.teacher])).toEqual([['distill', teacher]])
      const runs = RunStore.open(runsDir)
        .list()
        .runs.map((r) => r.objective)
      expect(runs.sort()).toEqual(['cfm', 'distill'])
      await expect(runQualityBench({ ...small, objectives: ['distill'], teacher: 'nope' })).rejects.toThrow(
        /nope/
      )
      await expect(
        runQualityBench({ ...small, runsDir: undefined, objectives: ['distill'], teacher })
      ).rejects.toThrow(/^--teacher .*: give --runs-dir, the folder that holds it\.$/)
    } finally {
      fs.rmSync(runsDir, { recursive: true, force: true })
    }
  }, 60_000)

  it('refuses an unknown objective before training anything', async () => {
    await expect(runQualityBench({ objectives: ['cfm', 'nonsense'], datasets: ['mnist14'] })).rejects.toThrow(
      /^Unknown objective "nonsense" \(known: mmd, /
    )
  })
})
