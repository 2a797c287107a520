import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { pfmInProcess } from './in-process'

const root = path.resolve(__dirname, '../..')
const pfmBin = path.join(root, 'bin/pfm.mjs')

function pfm(args: string[], runsDir: string, cwd = root): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [pfmBin, ...args, '--runs-dir', runsDir], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PFM_DEBUG: '' },
    timeout: 300_000
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** The same command in this process (no spawn, no tsx start-up): everything but the binary's own start. */
async function pfmHere(
  args: string[],
  runsDir: string
): Promise<{ code: number; stdout: string; stderr: string }> {
  return pfmInProcess([...args, '--runs-dir', runsDir])
}

function json(r: { stdout: string }): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n')
  expect(lines).toHaveLength(1) // exactly one JSON object on stdout
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-cli-'))

describe('pfm', () => {
  it('lists datasets (through the binary) and objectives as JSON', async () => {
    const dir = tmp()
    const d = json(pfm(['datasets', '--json'], dir)) as { builtins: { id: string }[] }
    expect(d.builtins.map((b) => b.id)).toEqual(
      expect.arrayContaining([
        '8gaussians',
        'moons',
        'circles',
        'checkerboard',
        'pinwheel',
        '2spirals',
        'swissroll',
        'rings',
        'normal',
        'uniform',
        'two-bands'
      ])
    )
    const o = json(await pfmHere(['objectives', '--json'], dir)) as {
      objectives: { id: string; family: string; params: unknown[] }[]
    }
    expect(o.objectives.map((x) => x.id)).toEqual(
      expect.arrayContaining(['mmd', 'energy', 'cf-d2', 'sliced-w2', 'sinkhorn'])
    )
    expect(new Set(o.objectives.map((x) => x.family))).toEqual(new Set(['statistics', 'density', 'flows']))
    expect(o.objectives.map((x) => x.id)).toEqual(
      expect.arrayContaining([
        'gan',
        'wgan-gp',
        'realnvp',
        'vae',
        'ddpm',
        'cfm',
        'ot-cfm',
        'reflow',
        'distill',
        'anneal'
      ])
    )
    expect(o.objectives.every((x) => Array.isArray(x.params))).toBe(true)
  })

  it('train → runs → eval → sample → rm, with the documented JSON shapes', async () => {
    const dir = tmp()
    // --eval-every 0: only the final held-out evaluation (the figures below); seven more on 4 000 points cost
    // seconds each and are not what this test reads.
    const t = json(
      await pfmHere(
        [
          'train',
          '--data',
          'moons',
          '--objective',
          'energy',
          '--steps',
          '60',
          '--batch',
          '128',
          '--seed',
          '3',
          '--eval-every',
          '0',
          '--json'
        ],
        dir
      )
    )
    expect(t).toMatchObject({ objective: 'energy', dataset: 'moons', steps: 60, backend: expect.any(String) })
    const m = t.metrics as Record<string, number>
    for (const k of ['energy', 'energyGaussian', 'mmd', 'slicedW2', 'precision', 'recall', 'coverage'])
      expect(Number.isFinite(m[k])).toBe(true)
    const id = t.runId as string
    const runs = json(await pfmHere(['runs', '--json'], dir)) as { runs: { id: string; status: string }[] }
    expect(runs.runs.map((r) => [r.id, r.status])).toEqual([[id, 'completed']])
    const e = json(await pfmHere(['eval', '--run', id, '-n', '2000', '--json'], dir))
    expect(Object.keys(e.metrics as object)).toEqual(expect.arrayContaining(Object.keys(m)))
    // --draws: one evaluation per seed from --seed on, each the figure `eval --seed` gives, and their spread
    type Draws = {
      draws: { seed: number; energyRatio: number }[]
      spread: { energyRatio: Record<string, number> }
    }
    const d = json(
      await pfmHere(['eval', '--run', id, '-n', '2000', '--seed', '5', '--draws', '3', '--json'], dir)
    ) as Draws
    expect(d.draws.map((x) => x.seed)).toEqual([5, 6, 7])
    const one = json(await pfmHere(['eval', '--run', id, '-n', '2000', '--seed', '6', '--json'], dir))
    const r6 = one.metrics as Record<string, number>
    expect(d.draws[1]!.energyRatio).toBeCloseTo(r6.energy! / r6.energyGaussian!, 12)
    const ratios = d.draws.map((x) => x.energyRatio)
    expect(new Set(ratios).size).toBe(3) // fresh samples per draw
    const mean = ratios.reduce((a, b) => a + b) / 3
    expect(d.spread.energyRatio.mean).toBeCloseTo(mean, 12)
    expect(d.spread.energyRatio.sd).toBeCloseTo(
      Math.sqrt(ratios.reduce((a, b) => a + (b - mean) ** 2, 0) / 2),
      12
    )
    expect([d.spread.energyRatio.min, d.spread.energyRatio.max]).toEqual([
      Math.min(...ratios),
      Math.max(...ratios)
    ])
    const out = path.join(dir, 's.npy')
    const s = json(await pfmHere(['sample', '--run', id, '-n', '300', '--out', out, '--json'], dir))
    expect(s).toMatchObject({ n: 300, dim: 2 })
    const buf = fs.readFileSync(out)
    expect(buf.subarray(1, 6).toString()).toBe('NUMPY')
    expect(buf.toString('latin1', 10, 80)).toContain("'shape': (300, 2)")
    const csv = path.join(dir, 's.csv')
    await pfmHere(['sample', '--run', id, '-n', '5', '--out', csv], dir)
    expect(fs.readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(6)
    json(await pfmHere(['rm', id, '--json'], dir))
    expect((json(await pfmHere(['runs', '--json'], dir)) as { runs: unknown[] }).runs).toHaveLength(0)
  }, 300_000)

  it.each([
    [['train', '--data', 'nope', '--objective', 'energy'], /Unknown dataset "nope"/],
    [['train', '--data', '8gaussians', '--objective', 'gann'], /gann/],
    [['train', '--data', '8gaussians', '--objective', 'mmd', '--set', 'bogus=1'], /no parameter "bogus"/],
    [
      ['train', '--data', '8gaussians', '--objective', 'energy', '--steps', 'many'],
      /--steps: "many" is not a number/
    ],
    [['train', '--data', '8gaussians', '--objective', 'energy', '--frobnicate'], /frobnicate/],
    [['eval', '--run', 'no-such-run'], /no-such-run/],
    [['eval', '--run', '../../etc'], /\.\.\/\.\.\/etc/],
    [['eval', '--run', 'x', '--draws', '0'], /--draws: 0 must be an integer in \[1, 20\]/],
    [['sample', '--run', 'x', '--out', 'a.txt'], /must end in \.csv, \.npy or \(image runs\) \.png/],
    [['repro', 'fig9'], /unknown figure "fig9"/],
    [['frob'], /unknown command "frob"/]
  ])('a user mistake exits 2 with one readable line: %j', async (args, re) => {
    const dir = tmp()
    // the binary itself for one of them (its exit code), the others in this process
    const r = args[0] === 'frob' ? pfm(args, dir) : await pfmHere(args, dir)
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(re)
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toHaveLength(0) // no run created
  })

  it('a bad data file names the file, line and column, and creates no run', async () => {
    const dir = tmp()
    const f = path.join(dir, 'points.csv')
    fs.writeFileSync(f, 'x,y\n1,2\n3,abc\n')
    const r = await pfmHere(['train', '--data', f, '--objective', 'energy'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/points\.csv.*line 3.*column 2.*"abc"/)
    expect(fs.readdirSync(dir).filter((x) => x !== 'points.csv')).toHaveLength(0)
  })
})
