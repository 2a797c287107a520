/** Damaged stores: corrupt entries are reported and skipped; crashes (simulated and a real SIGKILL) are survivable. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { RunStore, type RunHandle } from '../../../src/engine/store'
import { deadPid, makeConfig, removeTempRoots, steppingClock, tempRoot } from './helpers'

afterEach(removeTempRoots)

const REPO = path.resolve(fileURLToPath(import.meta.url), '../../../..')
const STORE_MODULE = pathToFileURL(path.join(REPO, 'src/engine/store/index.ts')).href

function editRunJson(h: RunHandle, edit: (j: Record<string, unknown>) => void): void {
  const file = path.join(h.dir, 'run.json')
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
  edit(j)
  fs.writeFileSync(file, JSON.stringify(j))
}

/** Each case damages one run (or adds an entry) and says how list() must report it. */
const cases: {
  name: string
  damage: (h: RunHandle, root: string) => void
  problem: RegExp | null // null: silently ignored
}[] = [
  {
    name: 'corrupt run.json',
    damage: (h) => fs.writeFileSync(path.join(h.dir, 'run.json'), 'not json at all'),
    problem: /^run\.json is not valid JSON/
  },
  {
    name: 'truncated run.json',
    damage: (h) => {
      const f = path.join(h.dir, 'run.json')
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 150))
    },
    problem: /^run\.json is not valid JSON/
  },
  {
    name: 'empty run.json',
    damage: (h) => fs.writeFileSync(path.join(h.dir, 'run.json'), ''),
    problem: /empty/
  },
  {
    name: 'wrong field type',
    damage: (h) => editRunJson(h, (j) => ((j.config as { steps: unknown }).steps = 'many')),
    problem: /^run\.json field "config\.steps": expected number, received string$/
  },
  {
    name: 'missing field',
    damage: (h) => editRunJson(h, (j) => delete (j.config as { dataset: { dim?: unknown } }).dataset.dim),
    problem: /^run\.json field "config\.dataset\.dim"/
  },
  {
    name: 'bad status',
    damage: (h) => editRunJson(h, (j) => (j.status = 'exploded')),
    problem: /^run\.json field "status"/
  },
  {
    name: 'newer schema',
    damage: (h) => editRunJson(h, (j) => (j.schema = 2)),
    problem: /schema 2, written by a newer Pushforward Lab/
  },
  {
    name: 'JSON array',
    damage: (h) => fs.writeFileSync(path.join(h.dir, 'run.json'), '[]'),
    problem: /not a JSON object/
  },
  {
    name: 'missing run.json',
    damage: (h) => fs.rmSync(path.join(h.dir, 'run.json')),
    problem: /^run\.json is missing$/
  },
  {
    name: 'run.json is a folder',
    damage: (h) => {
      fs.rmSync(path.join(h.dir, 'run.json'))
      fs.mkdirSync(path.join(h.dir, 'run.json'))
    },
    problem: /cannot be read: EISDIR/
  },
  {
    name: 'a stray file',
    damage: (_h, root) => fs.writeFileSync(path.join(root, 'notes.txt'), 'hi'),
    problem: null
  },
  {
    name: 'a .tmp- folder',
    damage: (_h, root) => fs.mkdirSync(path.join(root, '.tmp-20260101-000000-energy-x-0000')),
    problem: null
  },
  {
    name: 'a hidden file',
    damage: (_h, root) => fs.writeFileSync(path.join(root, '.DS_Store'), ''),
    problem: null
  }
]

describe('list() skips damaged entries and keeps the good ones', () => {
  it.each(cases)('$name', ({ damage, problem }) => {
    const root = tempRoot()
    const store = new RunStore(root, { now: steppingClock() })
    const good1 = store.create({ config: makeConfig() })
    const bad = store.create({ config: makeConfig({ objective: 'mmd' }) })
    const good2 = store.create({ config: makeConfig() })
    good1.finish('completed', { stepsDone: 100, durationMs: 1, metrics: null })
    damage(bad, root)
    const { runs, problems } = store.list()
    if (problem) {
      expect(runs.map((r) => r.id)).toEqual([good2.id, good1.id])
      expect(problems).toHaveLength(1)
      expect(problems[0]!.id).toBe(bad.id)
      expect(problems[0]!.reason).toMatch(problem)
      expect(() => store.load(bad.id)).toThrow(`Run "${bad.id}": ${problems[0]!.reason}.`)
    } else {
      expect(runs.map((r) => r.id)).toEqual([good2.id, bad.id, good1.id])
      expect(problems).toEqual([])
    }
  })

  it('reports a folder whose name is not a valid id', () => {
    const root = tempRoot()
    fs.mkdirSync(path.join(root, 'my runs'))
    expect(new RunStore(root).list()).toEqual({
      runs: [],
      problems: [{ id: 'my runs', reason: expect.stringMatching(/not a valid run id/) as unknown as string }]
    })
  })
})

describe('a write killed halfway (simulated)', () => {
  it('skips the torn metrics line, ignores temp files and reports the run as crashed', () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const h = store.create({ config: makeConfig() })
    h.appendMetrics({ step: 1, loss: 0.9, time: 10 })
    h.appendMetrics({ step: 2, loss: 0.8, time: 20 })
    h.saveWeights({ kind: 'test', step: 2 })
    const pid = deadPid()
    // The dead writer: run.json says running (its pid), a torn last metrics line, half-written temp files.
    editRunJson(h, (j) => (j.pid = pid))
    fs.appendFileSync(path.join(h.dir, 'metrics.jsonl'), '{"step":3,"loss":0.7,"ti')
    fs.writeFileSync(path.join(h.dir, `weights.json.tmp-${pid}-beef`), '{"kind":"test","st')
    fs.writeFileSync(path.join(h.dir, `run.json.tmp-${pid}-cafe`), '{"schema":1')
    fs.mkdirSync(path.join(root, '.tmp-20260101-000000-energy-x-0000'))
    fs.writeFileSync(path.join(root, '.tmp-20260101-000000-energy-x-0000', 'run.json'), '{')

    const { runs, problems } = store.list()
    expect(problems).toEqual([])
    expect(runs.map((r) => [r.id, r.status])).toEqual([[h.id, 'crashed']])
    const run = store.load(h.id)
    expect(run.status).toBe('crashed')
    expect(JSON.parse(fs.readFileSync(path.join(h.dir, 'run.json'), 'utf8')).status).toBe('running') // not rewritten
    const log = store.readMetricsLog(h.id)
    expect(log.records.map((r) => r.step)).toEqual([1, 2])
    expect(log.warnings).toEqual([
      'metrics.jsonl line 3 is incomplete (the writer stopped mid-line); skipped.'
    ])
    expect(store.readWeights(h.id)).toEqual({ kind: 'test', step: 2 })

    // cleanup: dead-writer temp files go at once; the young .tmp- folder without a readable owner stays.
    expect(store.cleanup()).toBe(2)
    expect(fs.readdirSync(h.dir).sort()).toEqual(['metrics.jsonl', 'run.json', 'weights.json'])
    expect(fs.readdirSync(root)).toContain('.tmp-20260101-000000-energy-x-0000')
    expect(store.cleanup({ minAgeMs: 0 })).toBe(1)
    expect(fs.readdirSync(root)).toEqual([h.id])
    // A crashed run can be deleted without force.
    store.delete(h.id)
    expect(store.list().runs).toEqual([])
  })

  it('cannot tell for a run on another host: it stays running', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    editRunJson(h, (j) => {
      j.pid = deadPid()
      j.hostname = 'some-other-machine'
    })
    expect(store.load(h.id).status).toBe('running')
  })

  it('keeps temp files of a live writer until they are old', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    fs.writeFileSync(path.join(h.dir, `weights.json.tmp-${process.pid}-0001`), '{')
    expect(store.cleanup()).toBe(0)
    expect(store.cleanup({ minAgeMs: 0 })).toBe(1)
  })

  it('takes over a lock left by a dead process', () => {
    const store = new RunStore(tempRoot())
    const h = store.create({ config: makeConfig() })
    fs.writeFileSync(path.join(h.dir, 'run.json.lock'), String(deadPid()))
    store.rename(h.id, 'after a crash')
    h.finish('completed', null)
    expect(store.load(h.id)).toMatchObject({ name: 'after a crash', status: 'completed' })
    expect(fs.existsSync(path.join(h.dir, 'run.json.lock'))).toBe(false)
  })
})

describe('a write killed halfway (real SIGKILL)', () => {
  it('leaves weights.json absent or valid, never torn', async () => {
    const root = tempRoot()
    const script = path.join(tempRoot(), 'writer.mjs')
    fs.writeFileSync(
      script,
      `import { RunStore } from ${JSON.stringify(STORE_MODULE)}
const store = new RunStore(process.argv[2])
const h = store.create({ config: JSON.parse(process.argv[3]) })
process.stdout.write(h.id + '\\n')
const w = Array.from({ length: 300000 }, (_, i) => Math.sin(i))
for (let i = 0; ; i++) {
  h.saveWeights({ kind: 'test', i, w })
  h.appendMetrics({ step: i, loss: 1 / (i + 1), time: i, metrics: { energy: 0.5 } })
}
`
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script, root, JSON.stringify(makeConfig())], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code))
    )
    const id = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0]!)
      })
      void exited.then((c) => reject(new Error(`writer exited early (${String(c)}): ${stderr}`)))
    })
    const store = new RunStore(root)
    const weights = path.join(root, id, 'weights.json')
    const valid = (): boolean => {
      let text: string
      try {
        text = fs.readFileSync(weights, 'utf8')
      } catch {
        return true // absent is fine
      }
      const j = JSON.parse(text) as { kind: string; w: number[] }
      return j.kind === 'test' && j.w.length === 300000
    }
    // Read while the writer keeps replacing the file: every read sees a whole file.
    const until = Date.now() + 1000
    let reads = 0
    while (Date.now() < until) {
      expect(valid()).toBe(true)
      reads++
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(reads).toBeGreaterThan(10)
    expect(store.load(id).status).toBe('running')
    // Kill it the moment a temp weights file exists, i.e. in the middle of a write.
    const dir = path.join(root, id)
    const deadline = Date.now() + 10_000
    let midWrite = false
    while (!midWrite && Date.now() < deadline)
      midWrite = fs.readdirSync(dir).some((f) => f.startsWith('weights.json.tmp-'))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(midWrite).toBe(true)

    expect(valid()).toBe(true)
    expect(fs.existsSync(weights)).toBe(true)
    const w = store.readWeights<{ kind: string; i: number }>(id)
    expect(w.kind).toBe('test')
    expect(store.load(id).status).toBe('crashed')
    expect(store.list()).toMatchObject({ runs: [{ id, status: 'crashed' }], problems: [] })
    const log = store.readMetricsLog(id)
    expect(log.records.length).toBeGreaterThan(0)
    expect(log.warnings.length).toBeLessThanOrEqual(1) // at most the torn last line
    // Whatever temp file the kill left behind belongs to a dead pid: cleanup removes it.
    store.cleanup()
    expect(fs.readdirSync(path.join(root, id)).filter((f) => f.includes('.tmp-'))).toEqual([])
  })
})

describe('cleanup()', () => {
  it('removes interrupted deletions and creations by dead processes, keeps everything else', () => {
    const root = tempRoot()
    const store = new RunStore(root)
    const h = store.create({ config: makeConfig() })
    h.finish('completed', null)
    // A delete that stopped between its rename and its rm.
    fs.mkdirSync(path.join(root, `.tmp-del-${h.id}-abc123`, 'snapshots'), { recursive: true })
    // A creation by a process that died before its rename.
    const creating = path.join(root, '.tmp-20260101-000000-mmd-x-0001')
    fs.mkdirSync(creating)
    fs.writeFileSync(path.join(creating, 'run.json'), fs.readFileSync(path.join(h.dir, 'run.json')))
    const rec = JSON.parse(fs.readFileSync(path.join(creating, 'run.json'), 'utf8')) as { pid: number }
    rec.pid = deadPid()
    fs.writeFileSync(path.join(creating, 'run.json'), JSON.stringify(rec))
    fs.writeFileSync(path.join(root, 'notes.txt'), 'mine')
    expect(store.cleanup()).toBe(2)
    expect(fs.readdirSync(root).sort()).toEqual([h.id, 'notes.txt'].sort())
    expect(store.cleanup({ minAgeMs: 0 })).toBe(0)
    expect(store.load(h.id).status).toBe('completed')
  })
})
