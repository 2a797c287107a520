/**
 * What installing and packaging the app relies on: the npm install-script policy (a quiet `npm ci` that never
 * fetches onnxruntime's CUDA files), and `npm run dist`'s inputs that can be checked without Electron's binary:
 * the electron-builder configuration (through electron-builder's own schema validation), the icons made from
 * resources/icon.svg, and the one path helper the main process finds them with, in both layouts.
 */
import { describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { PNG } from 'pngjs'
import { resourcePath, resourcesDir, WINDOW_ICON } from '../../src/main/resources'

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

describe('electron-builder configuration (npm run dist)', () => {
  const config = readJson('electron-builder.json') as Record<string, Record<string, unknown>>
  const require = createRequire(import.meta.url)
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>
  }
  const log = { isEnabled: false, add: () => {} }

  it("passes electron-builder's own schema validation, which does reject a misplaced option", async () => {
    await expect(validateConfiguration(config, log)).resolves.toBeUndefined()
    await expect(
      validateConfiguration({ ...config, linux: { ...config.linux, title: 'x' } }, log)
    ).rejects.toThrow(/title/)
  })

  it('builds AppImage and .deb on Linux, dmg on macOS, nsis on Windows, from the built bundles', () => {
    expect(config.linux!.target).toEqual(['AppImage', 'deb'])
    expect(config.mac!.target).toEqual(['dmg'])
    expect(config.win!.target).toEqual(['nsis'])
    const pkg = readJson('package.json') as { main: string; scripts: Record<string, string> }
    expect(pkg.scripts.dist).toMatch(/npm run build && electron-builder --config electron-builder\.json/)
    // The entry point electron-builder packs is among the files it takes.
    expect(pkg.main).toMatch(/^\.\/out\//)
    expect(config.files).toContain('out/**/*')
  })

  it('references icons that exist: 512 and 256 px PNGs, rasterised from resources/icon.svg', async () => {
    for (const os of ['linux', 'mac', 'win']) {
      const icon = config[os]!.icon as string
      expect(fs.existsSync(path.join(root, icon)), icon).toBe(true)
    }
    const { rasterise } = await import('../../scripts/make-icons.mjs')
    const svg = fs.readFileSync(path.join(root, 'resources/icon.svg'), 'utf8')
    for (const [file, size] of [
      ['resources/icon.png', 512],
      ['resources/icon-256.png', 256]
    ] as const) {
      const png = PNG.sync.read(fs.readFileSync(path.join(root, file)))
      expect([png.width, png.height]).toEqual([size, size])
      if (size === 256) expect(png.data.equals(rasterise(svg, size))).toBe(true)
    }
    // The packaged app carries the PNGs in its resources folder.
    expect(config.extraResources).toEqual([{ from: 'resources', to: 'resources', filter: ['*.png'] }])
  })
})

describe('resources path helper', () => {
  it('finds the window icon in the development layout (the project root)', () => {
    const dev = { isPackaged: false, appPath: root, resourcesPath: '/opt/electron/resources' }
    expect(resourcesDir(dev)).toBe(path.join(root, 'resources'))
    expect(fs.existsSync(resourcePath(dev, WINDOW_ICON))).toBe(true)
  })

  it("finds it in electron-builder's packaged layout (<resourcesPath>/resources, beside app.asar)", () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-packaged-'))
    const resourcesPath = path.join(app, 'resources')
    const extra = config().extraResources[0]!
    fs.mkdirSync(path.join(resourcesPath, extra.to), { recursive: true })
    fs.copyFileSync(path.join(root, extra.from, WINDOW_ICON), path.join(resourcesPath, extra.to, WINDOW_ICON))
    const packaged = { isPackaged: true, appPath: path.join(resourcesPath, 'app.asar'), resourcesPath }
    expect(fs.existsSync(resourcePath(packaged, WINDOW_ICON))).toBe(true)
    fs.rmSync(app, { recursive: true, force: true })
  })
})

function config(): { extraResources: { from: string; to: string }[] } {
  return readJson('electron-builder.json') as never
}
