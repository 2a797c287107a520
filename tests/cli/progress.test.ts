/**
 * Progress off a terminal (cli/io.ts `ProgressLines`): a long run writes a line at most every 30 s — so a log
 * file shows it is alive — and a benchmark's hundred phases do not flood it; on a terminal the bar steps off
 * its line before a log line is written.
 */
import { describe, expect, it, vi } from 'vitest'
import { ProgressBar, ProgressLines, PROGRESS_LINE_MS } from '../../src/cli/io'
import { benchProgressInfo } from '../../src/cli/commands/bench'

describe('progress without a terminal', () => {
  it('writes the first update, then at most one line per 30 s, with the step, share and info', () => {
    let t = 0
    const lines: string[] = []
    const p = new ProgressLines(
      () => t,
      (s) => lines.push(s)
    )
    for (let step = 1; step <= 3000; step++) {
      t += 50 // 20 steps a second: 150 s in all
      p.update(step, 3000, `loss ${step}`)
    }
    expect(PROGRESS_LINE_MS).toBe(30_000)
    expect(lines).toEqual([
      '1 of 3000 (0 %)  loss 1\n',
      '601 of 3000 (20 %)  loss 601\n',
      '1201 of 3000 (40 %)  loss 1201\n',
      '1801 of 3000 (60 %)  loss 1801\n',
      '2401 of 3000 (80 %)  loss 2401\n'
    ])
    expect(p.live).toBe(false)
  })

  it('a benchmark of 86 configurations in 20 s writes one line, not one per phase', () => {
    let t = 0
    const lines: string[] = []
    const p = new ProgressLines(
      () => t,
      (s) => lines.push(s)
    )
    for (let i = 1; i <= 86; i++) {
      t += 230
      p.update(i, 86, `phase ${i}`)
    }
    expect(lines).toEqual(['1 of 86 (1 %)  phase 1\n'])
  })
})

describe('the bar on a terminal', () => {
  it('clears its line before a log line, and redraws on the next update', () => {
    const written: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true))
    try {
      const bar = new ProgressBar()
      bar.update(5, 10, 'ETA 0s')
      bar.clear()
      bar.update(6, 10, 'ETA 0s')
      bar.done()
      const line = written[0]!
      expect(line.startsWith('\r[')).toBe(true)
      // the clear blanks the whole bar and returns to the line's start, so a log line starts clean
      expect(written[1]).toBe('\r' + ' '.repeat(line.length - 1) + '\r')
      expect(written[2]!.startsWith('\r[')).toBe(true)
      expect(written[3]).toBe('\n')
    } finally {
      spy.mockRestore()
    }
  })

  it("a benchmark's line counts configurations in the Benchmark view's words, then the phase", () => {
    expect(
      benchProgressInfo({
        phase: 'round 2/3: heun K = 100',
        configurations: { stage: 'timing', done: 12, total: 34, round: 2, rounds: 3 }
      })
    ).toBe('12 of 34 configurations timed in round 2 of 3 · round 2/3: heun K = 100')
    expect(benchProgressInfo({ phase: 'PyTorch peer' })).toBe('PyTorch peer')
  })
})
