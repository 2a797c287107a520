/**
 * `pfm demo` end to end with the tiny budget: the one table (its columns, one row per map / sampler plus the
 * data), the figure (four panels, equal scales on both axes), the next steps, and `pfm eval` on a run it made
 * showing the mode figures. The honest reading of a ring is unit-tested on `readModes`.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_COLUMNS } from '../../src/cli/commands/demo'
import { readModes } from '../../src/engine/demo'
import { svgScales } from '../engine/plot/svg-scales'

const root = path.resolve(__dirname, '../..')
const pfm = (args: string[], cwd: string): { code: number; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/pfm.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    env: Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !['PFM_DEBUG', 'PFM_DATA_DIR', 'PFM_RUNS_DIR'].includes(k))
    ),
    timeout: 300_000
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

describe('pfm demo', () => {
  it('prints one table with the documented columns, writes an equal-scale figure and names the next steps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-demo-'))
    const r = pfm(['demo', '--budget', 'tiny', '--seed', '1'], dir)
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    const headAt = lines.findIndex((l) => l.startsWith(DEMO_COLUMNS[0]))
    expect(headAt).toBeGreaterThan(0)
    // Columns are separated by two or more spaces (cells hold single spaces).
    const split = (l: string): string[] => l.trim().split(/\s{2,}/)
    expect(split(lines[headAt]!)).toEqual([...DEMO_COLUMNS])
    const rows = lines.slice(headAt + 1, headAt + 6).map(split)
    expect(rows.map((c) => c[0])).toEqual([
      'data (held-out)',
      'statistics map (energy)',
      'flow (cfm), Heun K=4',
      'flow (cfm), Heun K=32',
      'distilled map (distill)'
    ])
    for (const c of rows) expect(c).toHaveLength(DEMO_COLUMNS.length)
    expect(rows.map((c) => c[1])).toEqual(['-', '1', '8', '64', '1'])
    for (const c of rows.slice(1)) {
      expect(Number(c[2])).toBeGreaterThan(0)
      expect(Number(c[3])).toBeGreaterThan(0)
      expect(Number.isFinite(Number(c[4]))).toBe(true)
    }
    for (const c of rows) {
      expect(c[5]).toMatch(/^\d\/8$/)
      expect(c[6]).toMatch(/^\d+\.\d %$/)
    }
    expect(rows[0]![5]).toBe('8/8')

    // Runs and the figure land in the workbench's data folder by default.
    const svgFile = path.join(dir, 'lab-data/demo/demo.svg')
    const svg = fs.readFileSync(svgFile, 'utf8')
    expect(svg.match(/<g class="panel"/g)).toHaveLength(4)
    for (const t of [
      'data (held-out)',
      'statistics map (energy)',
      'flow (cfm), Heun K=4',
      'distilled map (distill)'
    ])
      expect(svg).toContain(`data-title="${t}"`)
    const s = svgScales(svg)
    expect(s.x / s.y).toBeCloseTo(1, 6)
    expect(svg).toMatch(/\d\/8 modes · \d+ % in a mode/)

    expect(r.stdout).toContain('npm start')
    const bench = /npx pfm bench --runs-dir lab-data\/runs --runs (\S+)/.exec(r.stdout)
    expect(bench).not.toBeNull()
    const ids = bench![1]!.split(',')
    expect(ids).toHaveLength(3)
    expect(fs.existsSync(path.join(dir, 'lab-data/runs', ids[0]!, 'run.json'))).toBe(true)

    // pfm eval shows the mode figures of a run on data with known modes.
    const e = pfm(['eval', '--run', ids[0]!, '--runs-dir', 'lab-data/runs', '-n', '300'], dir)
    expect(e.code).toBe(0)
    expect(e.stdout).toMatch(/modes covered\s+\d of 8/)
    expect(e.stdout).toMatch(/high-quality share\s+\d+\.\d %/)
  })
})

describe('readModes', () => {
  it('reads a ring that touches every mode as smeared, not as a success', () => {
    expect(readModes({ modes: 8, modesCovered: 8, highQuality: 0.61 }, 0.99)).toBe(
      '8/8 modes touched, 61 % high-quality (data 99 %): samples smeared between modes'
    )
    expect(readModes({ modes: 8, modesCovered: 8, highQuality: 0.97 }, 0.99)).toBe(
      '8/8 modes touched, 97 % high-quality (data 99 %)'
    )
    expect(readModes({ modes: 8, modesCovered: 3, highQuality: 0.95 }, 0.99)).toMatch(
      /^collapsed: 3\/8 modes/
    )
  })
})
