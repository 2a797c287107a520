/**
 * The CLI's hardening against hostile input, run in-process (no spawn): one clean line for argument-parser
 * errors, control characters of a corrupt run.json escaped, leftovers of killed processes cleaned on open.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { pfmInProcess as pfm } from './in-process'
import { parseErrorLine, printable, resolveRunId } from '../../src/cli/io'
import { RunStore } from '../../src/engine/store'
import { deadPid, makeConfig, removeTempRoots, tempRoot } from '../engine/store/helpers'

afterEach(removeTempRoots)


describe('argument-parser errors', () => {
  it('`pfm eval --run -rf` is one line naming the flag, the value and the way to pass it', async () => {
    const r = await pfm(['eval', '--run', '-rf', '--runs-dir', tempRoot()])
    expect(r.code).toBe(2)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toBe(
      'pfm eval: --run: "-rf" starts with a dash, so it reads as an option; write --run=-rf to pass it as the value.\n'
    )
  })

  it.each([
    ["Option '--run <value>' argument is ambiguous.\nDid you forget…?\nTo specify…", ['--run'], '--run needs a value'],
    ["Option '-n, --n <value>' argument is ambiguous.\nDid you…\nTo…", ['-n', '-5'], '--n: "-5" starts with a dash'],
    ["Unknown option '--frob'. To specify a positional argument starting with a '-', place it at the end", [], "Unknown option '--frob'."],
    ['line one\nline two', [], 'line one.']
  ])('%j → one line', (msg, argv, start) => {
    const line = parseErrorLine(msg, argv)
    expect(line.startsWith(start)).toBe(true)
    expect(line).not.toContain('\n')
  })
})

describe('per-command help', () => {
  const commands = ['train', 'eval', 'sample', 'runs', 'rm', 'export', 'bench', 'bench-train', 'demo', 'serve']
  it.each(commands)('`pfm %s --help` prints its usage on stdout and exits 0, running nothing', async (c) => {
    const root = tempRoot()
    const r = await pfm([c, '--help', '--runs-dir', root])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout.startsWith(`pfm ${c} `)).toBe(true)
    expect(fs.readdirSync(root)).toEqual([])
  })

  it('train, eval and sample document the flags a first run needs; `help <command>` and -h say the same', async () => {
    expect((await pfm(['train', '-h'])).stdout).toMatch(/--resume[\s\S]*--data .*--objective[\s\S]*--set key=value/)
    expect((await pfm(['eval', '--help'])).stdout).toMatch(/--run ID[\s\S]*--draws R[\s\S]*--sampler /)
    expect((await pfm(['sample', '--help'])).stdout).toMatch(/--out FILE\.csv\|\.npy\|\.png/)
    expect((await pfm(['help', 'eval'])).stdout).toBe((await pfm(['eval', '--help'])).stdout)
    const plain = await pfm(['datasets', '--help'])
    expect([plain.code, plain.stdout]).toEqual([0, 'pfm datasets: list built-in datasets and importable formats\n'])
  })
})

describe('pfm runs on a corrupt store', () => {
  it('escapes control characters and bidi overrides from run.json instead of printing them', async () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const h = store.create({ config: makeConfig(), name: 'ok' })
    h.finish('completed', { stepsDone: 100, durationMs: 1, metrics: null })
    const file = path.join(h.dir, 'run.json')
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; config: { dataset: { name: string } } }
    j.config.dataset.name = 'evil\u001b[2J\u001b]0;pwned\u0007\u202e'
    fs.writeFileSync(file, JSON.stringify(j))
    const bad = store.create({ config: makeConfig() })
    fs.writeFileSync(path.join(bad.dir, 'run.json'), Buffer.from([0x7b, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0x9b]))
    const r = await pfm(['runs', '--runs-dir', root])
    expect(r.code).toBe(0)
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
    expect(r.stdout).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07\\u202e')
    expect(r.stdout).toContain(`skipped ${bad.id}: run.json is not valid JSON`)
  })

  it('adds an fd column with its ratio to the Gaussian fit when a run has image metrics', async () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const metrics = {
      ...{ energy: 0.02, energyGaussian: 0.03, mmd: 1e-5, slicedW2: 0.003, precision: 0.9, recall: 0.9 },
      ...{ density: 1, coverage: 0.9, n: 714 }
    }
    const image = {
      ...{ fd: 2.113, fdGaussian: 9.172, fdData: 1.147, kid: 0.5, precision: 0.9, recall: 0.95, density: 0.8 },
      ...{ coverage: 0.9, classKL: 0.004, minClassShare: 0.085, memorisation: 0.97, copies: 0, classifierAccuracy: 0.935 }
    }
    const toy = store.create({ config: makeConfig(), name: 'toy' })
    toy.finish('completed', { stepsDone: 100, durationMs: 1, metrics })
    const before = (await pfm(['runs', '--runs-dir', root])).stdout
    expect(before.split('\n')[0]).not.toMatch(/\bfd\b/)
    const img = store.create({ config: makeConfig(), name: 'digits' })
    img.finish('completed', { stepsDone: 100, durationMs: 1, metrics: { ...metrics, image } })
    const lines = (await pfm(['runs', '--runs-dir', root])).stdout.split('\n')
    expect(lines[0]).toMatch(/checkpoint\s+fd\s+energy/)
    expect(lines.find((l) => l.startsWith(img.id))).toMatch(/ 2\.113 \(0\.23×\)\s+0\.02000 /)
    expect(lines.find((l) => l.startsWith(toy.id))).toMatch(/ -\s+0\.02000 /)
  })

  it('printable keeps ordinary text, accents and symbols', () => {
    expect(printable('énergie φ#ν — 8gaussians')).toBe('énergie φ#ν — 8gaussians')
    expect(printable('a\nb\tc\r')).toBe('a\\nb\\tc\\r')
  })
})

describe('opening a store clears what killed processes left', () => {
  it('removes run.json.lock and run.json.tmp-* of a dead process, keeps a live one and fresh unknowns', () => {
    const root = tempRoot()
    const h = new RunStore(root).create({ config: makeConfig() })
    const dead = deadPid()
    const staleLock = path.join(h.dir, 'run.json.lock')
    fs.writeFileSync(staleLock, String(dead))
    const staleTmp = path.join(h.dir, `run.json.tmp-${dead}-abcd1234`)
    fs.writeFileSync(staleTmp, '{')
    const liveTmp = path.join(h.dir, `weights.json.tmp-${process.pid}-00ff00ff`)
    fs.writeFileSync(liveTmp, '{')
    RunStore.open(root)
    expect(fs.existsSync(staleLock)).toBe(false)
    expect(fs.existsSync(staleTmp)).toBe(false)
    expect(fs.existsSync(liveTmp)).toBe(true) // its writer (this process) is alive and the file is new
    expect(new RunStore(root).load(h.id).status).toBe('running')
    // A live process's lock is kept until it is old.
    fs.writeFileSync(staleLock, String(process.pid))
    RunStore.open(root)
    expect(fs.existsSync(staleLock)).toBe(true)
    const old = new Date(Date.now() - 120_000)
    fs.utimesSync(staleLock, old, old)
    RunStore.open(root)
    expect(fs.existsSync(staleLock)).toBe(false)
  })
})

describe('run ids by prefix', () => {
  it('a unique prefix names its run; an ambiguous one is refused naming its matches; an unknown one as before', () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const a = store.create({ config: makeConfig() })
    const b = store.create({ config: makeConfig() })
    a.finish('completed', { stepsDone: 1, durationMs: 1, metrics: null })
    b.finish('completed', { stepsDone: 1, durationMs: 1, metrics: null })
    expect(resolveRunId(store, a.id)).toBe(a.id)
    const common = [...a.id].findIndex((c, i) => c !== b.id[i])
    expect(resolveRunId(store, a.id.slice(0, common + 1))).toBe(a.id)
    expect(() => resolveRunId(store, a.id.slice(0, common))).toThrow(
      new RegExp(`names 2 runs \\(.*${a.id}.*\\); type more of the id\\.$`)
    )
    expect(resolveRunId(store, 'nothing-like-it')).toBe('nothing-like-it')
  })

  it('pfm rm takes the prefix', async () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const a = store.create({ config: makeConfig() })
    a.finish('completed', { stepsDone: 1, durationMs: 1, metrics: null })
    const r = await pfm(['rm', a.id.slice(0, -3), '--runs-dir', root])
    expect([r.code, r.stdout]).toEqual([0, `Removed ${a.id}.\n`])
  })
})
