import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DatasetInfo, DatasetPreview, EngineInfo, ObjectiveInfo } from '../../src/shared/api'
import { channels, createLab, dispatch } from '../../src/host/handlers'
import type { SpawnWorker } from '../../src/host/jobs'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-handlers-'))
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

/** A worker that must never start: validation tests never reach a process. */
const noSpawn: SpawnWorker = () => {
  throw new Error('no worker in this test')
}

const lab = createLab({ version: '9.9.9', dataDir: tmp(), spawnWorker: noSpawn })
const handlers = lab.handlers
afterAll(() => lab.close())

describe('main-process handlers validate every payload', () => {
  it('serves engine:info with the registry', async () => {
    const r = await dispatch(handlers, 'engine:info', [])
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const info = r.value as EngineInfo
    expect(info.version).toBe('9.9.9')
    // onnxruntime-node ships its CPU provider in the package.
    expect(info.ort).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+/) })
    expect(info.ort!.executionProviders).toContain('cpu')
    // The CUDA provider's libraries are not fetched (package.json allowScripts denies onnxruntime-node's
    // install script): it must not be offered as available.
    expect(info.ort!.executionProviders).not.toContain('cuda')
    expect(info.ort!.notInstalled).toContain('cuda')
    // A provider is listed only where a session was created on it; the others carry their one-line reason.
    const names = [...info.ort!.executionProviders, ...info.ort!.unavailable.map((u) => u.name)]
    expect(names.sort()).toEqual(['cpu', 'cuda', 'webgpu'])
    for (const u of info.ort!.unavailable) expect(u.reason).toMatch(new RegExp(`^${u.name}: [^\\n]+$`))
    expect(info.objectives.map((o) => o.id)).toContain('energy')
    expect(info.datasets.map((d) => d.id)).toContain('8gaussians')
  })

  const routing: [string, unknown[], string][] = [
    ['engine:info', [{ __proto__: { polluted: true } }], 'INVALID_REQUEST'],
    ['engine:nope', [], 'UNKNOWN_CHANNEL'],
    ['constructor:prototype', [], 'UNKNOWN_CHANNEL'],
    ['__proto__:toString', [], 'UNKNOWN_CHANNEL'],
    ['engine:info:extra', [], 'UNKNOWN_CHANNEL'],
    ['', [], 'UNKNOWN_CHANNEL']
  ]
  it.each(routing)('%s %j → typed error %s', async (channel, args, code) => {
    const r = await dispatch(handlers, channel, args)
    expect(r).toEqual({ ok: false, error: { code, message: expect.any(String) } })
  })

  /** Malformed payloads, at least one per channel of the contract. */
  const ok = { dataset: '8gaussians', objective: 'energy' }
  const malformed: [string, unknown[]][] = [
    ['engine:info', [1]],
    ['objectives:list', [{}]],
    ['datasets:list', ['x']],
    ['datasets:preview', []],
    ['datasets:preview', [1]],
    ['datasets:preview', ['8gaussians', 0]],
    ['datasets:preview', ['8gaussians', 1.5]],
    ['datasets:preview', ['8gaussians', 1e9]],
    ['datasets:preview', ['../../etc/passwd']],
    ['datasets:preview', ['8gaussians', 10, 'extra']],
    ['datasets:import', []],
    ['datasets:import', [{}]],
    ['datasets:import', [null]],
    ['datasets:import', [{ fileName: 'a.csv' }]],
    ['datasets:import', [{ contentBase64: 'AA==' }]],
    ['datasets:import', [{ path: '/tmp/a.csv', fileName: 'a.csv', contentBase64: 'AA==' }]],
    ['datasets:import', [{ fileName: 'a.csv', contentBase64: '#not base64#' }]],
    ['datasets:import', [{ fileName: '../a.csv', contentBase64: 'AA==' }]],
    ['datasets:import', [{ fileName: 'a.csv', contentBase64: 'AA==', skipRows: -1 }]],
    ['datasets:import', [{ fileName: 'a.csv', contentBase64: 'AA==', name: '' }]],
    ['datasets:import', [{ fileName: 'a.csv', contentBase64: 'AA==', admin: true }]],
    ['datasets:import', [{ path: 'a\0b.csv' }]],
    ['datasets:inspect', [{ fileName: '../a.csv', head: 'x' }]],
    ['datasets:inspect', [{ path: 'a.csv', head: 'x' }]],
    ['datasets:remove', []],
    ['datasets:remove', [{}]],
    ['datasets:remove', ['file:../x']],
    ['training:start', []],
    ['training:start', [{}]],
    ['training:start', [{ dataset: '8gaussians' }]],
    ['training:start', [{ ...ok, steps: 0 }]],
    ['training:start', [{ ...ok, backend: 'gpu' }]],
    ['training:start', [{ ...ok, steps: 1.5 }]],
    ['training:start', [{ ...ok, steps: 1e12 }]],
    ['training:start', [{ ...ok, batch: 1 }]],
    ['training:start', [{ ...ok, lr: -1 }]],
    ['training:start', [{ ...ok, lr: NaN }]],
    ['training:start', [{ ...ok, seed: -1 }]],
    ['training:start', [{ ...ok, evalEvery: -5 }]],
    ['training:start', [{ ...ok, name: '' }]],
    ['training:start', [{ ...ok, name: 'x'.repeat(500) }]],
    ['training:start', [{ ...ok, model: { width: 'wide' } }]],
    ['training:start', [{ ...ok, model: { activation: 'sigmoid' } }]],
    ['training:start', [{ ...ok, model: { width: 8, extra: 1 } }]],
    ['training:start', [{ ...ok, model: { arch: 'resnet' } }]],
    ['training:start', [{ ...ok, model: { arch: 'conv', channels: 10 } }]],
    ['training:start', [{ ...ok, model: { arch: 'conv', channels: 512 } }]],
    ['training:start', [{ ...ok, params: { bandwidths: { nested: 1 } } }]],
    ['training:start', [{ ...ok, params: JSON.parse('{"__proto__": 1}') }]],
    ['training:start', [{ ...ok, extra: 1 }]],
    ['training:start', [{ ...ok, dataset: '../runs' }]],
    ['training:cancel', []],
    ['training:cancel', [5]],
    ['training:resume', []],
    ['training:cancel', ['../x']],
    ['training:jobs', [1]],
    ['runs:list', [1]],
    ['runs:get', []],
    ['runs:get', [123]],
    ['runs:get', ['../../etc']],
    ['runs:get', ['a/b']],
    ['runs:samples', [{}]],
    ['runs:samples', [{ runId: 'r1', n: 0 }]],
    ['runs:samples', [{ runId: 'r1', n: 1e7 }]],
    ['runs:samples', [{ runId: 'r1', sampler: 'bogus' }]],
    ['runs:samples', [{ runId: 'r1', steps: 0 }]],
    ['runs:samples', [{ runId: 'r1', metrics: 'yes' }]],
    ['runs:samples', [{ runId: 'r1', extra: 1 }]],
    ['runs:samples', [{ runId: 'r1', spacing: 'linear' }]],
    ['runs:samples', [{ runId: 'r1', tolerance: 0 }]],
    ['runs:samples', [{ runId: 'r1', tolerance: 2 }]],
    ['export:onnx', [{ runId: 'r1', tolerance: '1e-3' }]],
    ['runs:snapshots', []],
    ['runs:snapshots', ['../r1']],
    ['runs:nearest', []],
    ['runs:nearest', [{ runId: 'r1' }]],
    ['runs:nearest', [{ runId: 'r1', pixels: [Infinity] }]],
    ['runs:heldout', []],
    ['runs:heldout', ['../r1']],
    ['runs:heldout', ['r1', 0]],
    ['runs:heldout', ['r1', 1.5]],
    ['runs:heldout', ['r1', 1e9]],
    ['runs:rename', ['r1']],
    ['runs:rename', ['r1', '']],
    ['runs:rename', ['r1', '   ']],
    ['runs:rename', ['r1', 'y'.repeat(500)]],
    ['runs:rename', ['../r1', 'name']],
    ['runs:remove', []],
    ['runs:remove', ['..']],
    ['export:onnx', [{}]],
    ['export:onnx', [{ runId: 'r1', path: 5 }]],
    ['export:onnx', [{ runId: 'r1', path: '' }]],
    ['export:onnx', [{ runId: 'r1', steps: 0 }]],
    ['export:onnx', [{ runId: 'r1', graph: 'weights' }]],
    ['export:onnx', [{ runId: 'r1', sampler: 'heun', extra: true }]],
    ['bench:start', [{}]],
    ['bench:start', [{ runs: [] }]],
    ['bench:start', [{ runs: ['r1', 'r1'] }]],
    ['bench:start', [{ runs: ['../r1'] }]],
    ['bench:start', [{ runs: ['r1'], samplers: ['ddpm'] }]],
    ['bench:start', [{ runs: ['r1'], steps: [0] }]],
    ['bench:start', [{ runs: ['r1'], steps: [4, 4] }]],
    ['bench:start', [{ runs: ['r1'], batch: [1e6] }]],
    ['bench:start', [{ runs: ['r1'], batch: [] }]],
    ['bench:start', [{ runs: ['r1'], repeats: 1 }]],
    ['bench:start', [{ runs: ['r1'], threads: -1 }]],
    ['bench:start', [{ runs: ['r1'], quality: 'yes' }]],
    ['bench:start', [{ runs: ['r1'], extra: 1 }]],
    ['bench:start', [{ runs: Array.from({ length: 17 }, (_, i) => `r${i}`) }]],
    ['bench:list', [1]],
    ['bench:get', []],
    ['bench:get', ['../x']],
    ['bench:remove', ['a/b']],
    ['demo:start', []],
    ['demo:start', [{ budget: 'huge' }]],
    ['demo:start', [{ budget: 'tiny', steps: 5 }]],
    ['dialogs:openDataFile', [1]],
    ['dialogs:saveOnnxFile', []],
    ['dialogs:saveOnnxFile', ['']],
    ['dialogs:saveOnnxFile', ['../model.onnx']],
    ['dialogs:saveOnnxFile', [5]]
  ]

  it('the malformed table covers every channel of the contract', () => {
    expect(new Set(malformed.map(([c]) => c))).toEqual(new Set(channels(handlers)))
  })

  it.each(malformed)('%s %j → INVALID_REQUEST, process alive', async (channel, args) => {
    const r = await dispatch(handlers, channel, args)
    expect(r).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.any(String) } })
    if (!r.ok) expect(r.error.message).toContain(channel)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('every channel of the contract has a handler and a schema', async () => {
    for (const ch of channels(handlers)) {
      const r = await dispatch(handlers, ch, [Symbol('junk')])
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('INVALID_REQUEST')
    }
  })
})

describe('handlers', () => {
  it('objectives:list carries the registry with its parameter declarations', async () => {
    const r = await dispatch(handlers, 'objectives:list', [])
    expect(r.ok).toBe(true)
    const list = (r.ok ? r.value : []) as ObjectiveInfo[]
    const mmd = list.find((o) => o.id === 'mmd')!
    expect(mmd).toMatchObject({
      family: 'statistics',
      kind: 'pushforward',
      defaults: { steps: expect.any(Number) }
    })
    expect(mmd.params.map((p) => p.name)).toContain('bandwidths')
    // The networks each objective can train (the Train form offers the conv ones on image data).
    const archs = Object.fromEntries(list.map((o) => [o.id, o.archs]))
    expect(archs).toMatchObject({
      mmd: ['mlp', 'conv'],
      cfm: ['mlp', 'unet'],
      ddpm: ['mlp', 'unet'],
      distill: ['mlp', 'conv'],
      realnvp: ['mlp']
    })
  })

  it('datasets: built-ins listed; an upload is validated, copied in, previewed and removed', async () => {
    const l = await dispatch(handlers, 'datasets:list', [])
    const ids = (l.ok ? (l.value as DatasetInfo[]) : []).map((d) => d.id)
    expect(ids).toContain('8gaussians')

    const csv = 'a,b\n' + Array.from({ length: 50 }, (_, i) => `${i},${2 * i}`).join('\n') + '\n'
    const imp = await dispatch(handlers, 'datasets:import', [
      { fileName: 'My Points.csv', contentBase64: b64(csv) }
    ])
    expect(imp).toMatchObject({
      ok: true,
      value: { id: 'file:My-Points', kind: 'imported', rows: 50, dim: 2 }
    })
    const copy = path.join(lab.paths.datasets, 'files', 'My-Points.csv')
    expect(fs.readFileSync(copy, 'utf8')).toBe(csv)
    const again = await dispatch(handlers, 'datasets:import', [
      { fileName: 'My Points.csv', contentBase64: b64(csv) }
    ])
    expect(again).toMatchObject({ ok: true, value: { id: 'file:My-Points-2' } })

    const p = await dispatch(handlers, 'datasets:preview', ['file:My-Points', 10])
    expect(p.ok).toBe(true)
    const prev = (p.ok ? p.value : null) as DatasetPreview
    expect(prev.n).toBe(10)
    expect(prev.columns).toEqual(['a', 'b'])
    expect(prev.points).toHaveLength(20)
    expect(prev.stats[0]).toMatchObject({ name: 'a', min: 0, max: 49, mean: 24.5 })

    expect(await dispatch(handlers, 'datasets:remove', ['file:My-Points-2'])).toEqual({ ok: true })
    expect(fs.existsSync(path.join(lab.paths.datasets, 'files', 'My-Points-2.csv'))).toBe(false)
    const gone = await dispatch(handlers, 'datasets:preview', ['file:My-Points-2'])
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await dispatch(handlers, 'datasets:remove', ['8gaussians'])).toMatchObject({
      ok: false,
      error: { code: 'CONFIG' }
    })
  })

  it('datasets:inspect reads a head sent by the page; a path only where the dialog granted it', async () => {
    const r = await dispatch(handlers, 'datasets:inspect', [
      { fileName: 'w.csv', head: 'Title\na,b\n1,2\n3,4\n' }
    ])
    expect(r).toMatchObject({
      ok: true,
      value: { skipRows: 1, headerLine: 2, lines: ['Title', 'a,b', '1,2', '3,4'] }
    })
    expect(await dispatch(handlers, 'datasets:inspect', [{ path: '/etc/passwd' }])).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    })
    for (const bad of [
      {},
      { fileName: 'a.csv' },
      { head: 'x' },
      { fileName: 'a.csv', head: 'x'.repeat(70_000) }
    ])
      expect(await dispatch(handlers, 'datasets:inspect', [bad])).toMatchObject({
        ok: false,
        error: { code: 'INVALID_REQUEST' }
      })
  })

  it('a bad upload gets the importer’s sentence with file, line and column, and nothing is copied', async () => {
    const before = fs.existsSync(lab.paths.datasets) ? fs.readdirSync(lab.paths.datasets).length : 0
    const r = await dispatch(handlers, 'datasets:import', [
      { fileName: 'bad.csv', contentBase64: b64('x,y\n1,2\n3,abc\n') }
    ])
    expect(r).toMatchObject({ ok: false, error: { code: 'DATA_FORMAT' } })
    if (!r.ok) expect(r.error.message).toMatch(/bad\.csv line 3, column 2/)
    const after = fs.existsSync(lab.paths.datasets) ? fs.readdirSync(lab.paths.datasets).length : 0
    expect(after).toBe(before)
  })

  it('paths: refused without dialog grant; a dialog-granted path is read', async () => {
    const file = path.join(tmp(), 'p.csv')
    fs.writeFileSync(file, '1,2\n3,4\n5,6\n')
    const r = await dispatch(handlers, 'datasets:import', [{ path: file }])
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await dispatch(handlers, 'dialogs:openDataFile', [])).toMatchObject({
      ok: false,
      error: { code: 'NOT_SUPPORTED' }
    })
    expect(await dispatch(handlers, 'export:onnx', [{ runId: 'r1', path: '/tmp/x.onnx' }])).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    })

    const other = file.replace('p.csv', 'q.csv')
    fs.writeFileSync(other, '1,2\n')
    const electronLike = createLab({
      version: 't',
      dataDir: tmp(),
      spawnWorker: noSpawn,
      dialogs: { openDataFile: async () => file, saveOnnxFile: async () => null }
    })
    expect(await dispatch(electronLike.handlers, 'datasets:import', [{ path: file }])).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    })
    expect(await dispatch(electronLike.handlers, 'dialogs:openDataFile', [])).toEqual({
      ok: true,
      value: file
    })
    expect(
      await dispatch(electronLike.handlers, 'datasets:import', [{ path: file, name: 'Picked' }])
    ).toMatchObject({
      ok: true,
      value: { id: 'file:Picked', title: 'Picked', rows: 3 }
    })
    expect(await dispatch(electronLike.handlers, 'datasets:import', [{ path: other }])).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    })
    await electronLike.close()
  })

  it('training:start validates the config before queueing; unknown jobs and runs are typed errors', async () => {
    const bad = await dispatch(handlers, 'training:start', [{ dataset: '8gaussians', objective: 'nope' }])
    expect(bad).toMatchObject({ ok: false, error: { code: 'CONFIG' } })
    const badParam = await dispatch(handlers, 'training:start', [
      { dataset: '8gaussians', objective: 'mmd', params: { nope: 1 } }
    ])
    expect(badParam).toMatchObject({ ok: false, error: { code: 'CONFIG' } })
    // onnxruntime only trains the regressions: refused before anything is queued, with the reason.
    expect(
      await dispatch(handlers, 'training:start', [
        { dataset: '8gaussians', objective: 'energy', backend: 'onnxruntime' }
      ])
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFIG', message: expect.stringContaining('energy has no onnxruntime') }
    })
    // A conv network the objective does not build, or on data that are not images: refused with the reason.
    expect(
      await dispatch(handlers, 'training:start', [
        { dataset: '8gaussians', objective: 'cfm', model: { arch: 'unet' } }
      ])
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFIG', message: expect.stringMatching(/needs image data/) }
    })
    expect(
      await dispatch(handlers, 'training:start', [
        { dataset: 'mnist14', objective: 'energy', model: { arch: 'unet' } }
      ])
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFIG', message: expect.stringMatching(/builds mlp or conv/) }
    })
    const noData = await dispatch(handlers, 'training:start', [
      { dataset: 'file:missing', objective: 'energy' }
    ])
    expect(noData).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await dispatch(handlers, 'training:jobs', [])).toEqual({ ok: true, value: [] })
    expect(await dispatch(handlers, 'training:cancel', ['job-x'])).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' }
    })
    expect(await dispatch(handlers, 'runs:get', ['no-such-run'])).toMatchObject({
      ok: false,
      error: { code: 'STORE' }
    })
    expect(await dispatch(handlers, 'runs:list', [])).toEqual({ ok: true, value: { runs: [], problems: [] } })
  })

  it('bench: unknown or unfinished runs and oversized grids are refused before queueing; bad files are listed as problems', async () => {
    expect(await dispatch(handlers, 'bench:start', [{ runs: ['no-such-run'] }])).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringContaining('no-such-run') }
    })
    expect(await dispatch(handlers, 'bench:list', [])).toEqual({
      ok: true,
      value: { reports: [], problems: [] }
    })
    expect(await dispatch(handlers, 'bench:get', ['nope'])).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' }
    })
    // A saved benchmark whose report is damaged: listed as a problem naming the file and field; a partial
    // folder (a job that never completed) is not listed at all.
    const dir = path.join(lab.paths.benchmarks, 'job-broken')
    fs.mkdirSync(dir, { recursive: true })
    fs.mkdirSync(path.join(lab.paths.benchmarks, '.partial-job-x'), { recursive: true })
    fs.writeFileSync(
      path.join(dir, 'record.json'),
      JSON.stringify({ id: 'job-broken', title: 't', createdAt: '2026-01-01T00:00:00Z', runs: ['r'] })
    )
    fs.writeFileSync(path.join(dir, 'bench.json'), JSON.stringify({ machine: {}, results: [] }))
    const listed = await dispatch(handlers, 'bench:list', [])
    expect(listed).toMatchObject({ ok: true, value: { reports: [], problems: [{ id: 'job-broken' }] } })
    if (listed.ok) {
      const reason = (listed.value as { problems: { reason: string }[] }).problems[0]!.reason
      expect(reason).toContain('bench.json')
      expect(reason).toContain('machine.')
    }
    expect(await dispatch(handlers, 'bench:get', ['job-broken'])).toMatchObject({
      ok: false,
      error: { code: 'STORE' }
    })
    expect(await dispatch(handlers, 'bench:remove', ['job-broken'])).toEqual({ ok: true, value: undefined })
    expect(fs.existsSync(dir)).toBe(false)
    expect(await dispatch(handlers, 'bench:remove', ['job-broken'])).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' }
    })
  })

  it('a worker that cannot start is a failed job, not a thrown error', async () => {
    const r = await dispatch(handlers, 'training:start', [
      { dataset: '8gaussians', objective: 'energy', steps: 5 }
    ])
    expect(r).toMatchObject({ ok: true, value: { status: 'failed', error: { code: 'WORKER_START' } } })
  })
})
