import { describe, expect, it } from 'vitest'
import { channels, createHandlers, dispatch } from '../../src/main/handlers'

const handlers = createHandlers({ version: '9.9.9' })

describe('main-process handlers validate every payload', () => {
  it('serves engine:info with the registry', async () => {
    const r = await dispatch(handlers, 'engine:info', [])
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const info = r.value as { version: string; objectives: { id: string }[]; datasets: { id: string }[] }
    expect(info.version).toBe('9.9.9')
    expect(info.objectives.map((o) => o.id)).toContain('energy')
    expect(info.datasets.map((d) => d.id)).toContain('8gaussians')
  })

  const malformed: [string, unknown[], string][] = [
    ['engine:info', [1], 'INVALID_REQUEST'],
    ['engine:info', [{ __proto__: { polluted: true } }], 'INVALID_REQUEST'],
    ['engine:nope', [], 'UNKNOWN_CHANNEL'],
    ['constructor:prototype', [], 'UNKNOWN_CHANNEL'],
    ['__proto__:toString', [], 'UNKNOWN_CHANNEL'],
    ['engine:info:extra', [], 'UNKNOWN_CHANNEL'],
    ['', [], 'UNKNOWN_CHANNEL']
  ]
  it.each(malformed)('%s %j → typed error %s, process alive', async (channel, args, code) => {
    const r = await dispatch(handlers, channel, args)
    expect(r).toEqual({ ok: false, error: { code, message: expect.any(String) } })
  })

  it('every channel of the contract has a handler and a schema', async () => {
    for (const ch of channels(handlers)) {
      const r = await dispatch(handlers, ch, [Symbol('junk')])
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('INVALID_REQUEST')
    }
  })
})
