/**
 * What installing and packaging the app relies on: the npm install-script policy (a quiet `npm ci` that never
 * fetches onnxruntime's CUDA files).
 */
import { describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as path from 'node:path'

const root = path.resolve(__dirname, '../..')
const readJson = (f: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(root, f), 'utf8')) as Record<string, unknown>

describe('npm install scripts', () => {
  const pkg = readJson('package.json')
  const policy = pkg.allowScripts as Record<string, boolean>

  it("denies onnxruntime-node's install script (it only fetches CUDA libraries; the CPU ones ship)", () => {
    expect(policy['onnxruntime-node']).toBe(false)
  })

  it('reviews every locked dependency that has an install script, so npm prints no "not yet covered" notice', () => {
    const lock = readJson('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean }> }
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length))
    expect(withScripts).toContain('onnxruntime-node')
    for (const name of withScripts) expect(typeof policy[name], name).toBe('boolean')
    // Name-only entries: npm refuses semver ranges, and a pinned version would go stale at the next update.
    for (const key of Object.keys(policy)) expect(key).not.toMatch(/.@/)
  })

  it('keeps no project .npmrc keys npm does not know (npm warns about them on every command)', () => {
    const npmrc = path.join(root, '.npmrc')
    const keys = fs.existsSync(npmrc)
      ? fs
          .readFileSync(npmrc, 'utf8')
          .split('\n')
          .filter((l) => l.trim() && !l.trim().startsWith('#'))
          .map((l) => l.split('=')[0]!.trim())
      : []
    expect(keys).not.toContain('onnxruntime-node-install')
  })
})
