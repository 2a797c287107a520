import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, pickBridge, resetBridge } from '../../src/renderer/src/api'
import type { Bridge } from '../../src/shared/api'
import type { ErrorCode } from '../../src/shared/errors'
import { fakeBridge } from './fixtures'

afterEach(() => {
  resetBridge()
  delete window.lab
})

describe('pickBridge', () => {
  const loc = (href: string): { protocol: string; origin: string; search: string } => {
    const u = new URL(href)
    return { protocol: u.protocol, origin: u.origin, search: u.search }
  }

  it('prefers the preload bridge', () => {
    const lab = fakeBridge()
    const make = vi.fn()
    expect(pickBridge({ lab, location: loc('http://127.0.0.1:7070/') }, make)).toEqual({
      kind: 'electron',
      bridge: lab
    })
    expect(make).not.toHaveBeenCalled()
  })

  it('uses the web bridge over http(s), same origin, with the page token, created once', () => {
    const web = fakeBridge()
    const make = vi.fn((): Bridge => web)
    const page = { location: loc('http://127.0.0.1:7070/?token=abc%2Fd') }
    expect(pickBridge(page, make)).toEqual({ kind: 'web', bridge: web })
    expect(pickBridge(page, make).bridge).toBe(web)
    expect(make).toHaveBeenCalledTimes(1)
    expect(make).toHaveBeenCalledWith('http://127.0.0.1:7070', 'abc/d')
  })

  it('has no bridge for a file:// page or without a window', () => {
    expect(pickBridge({ location: loc('file:///app/index.html') })).toEqual({ kind: 'none', bridge: null })
    expect(pickBridge(undefined)).toEqual({ kind: 'none', bridge: null })
  })
})

describe('api', () => {
  it('resolves values and passes arguments through', async () => {
    const lab = fakeBridge()
    window.lab = lab
    const p = await api.datasets.preview('8gaussians', 10)
    expect(p.info.id).toBe('8gaussians')
    expect(lab.datasets.preview).toHaveBeenCalledWith('8gaussians', 10)
  })

  it('turns a bridge that throws into a NETWORK ApiError', async () => {
    const lab = fakeBridge()
    ;(lab.runs as { list: unknown }).list = () => Promise.reject(new Error('socket hang up'))
    window.lab = lab
    const err = await api.runs.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'NETWORK', message: 'Cannot reach the engine: socket hang up' })
  })
  it('types its code with the shared union: a misspelt code fails the typecheck', () => {
    const err = new ApiError({ code: 'DIVERGED', message: 'Training diverged at step 12.' })
    const code: ErrorCode = err.code
    // @ts-expect-error 'DIVERGD' is not a code the host returns (with `code: string` this line would compile)
    const misspelt = err.code === 'DIVERGD'
    expect(code).toBe('DIVERGED')
    expect(misspelt).toBe(false)
  })
})
