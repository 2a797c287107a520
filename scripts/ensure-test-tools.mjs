#!/usr/bin/env node
// `npm test` runs this first: the validation tools the tests use that npm cannot install.
// - Debian's python3-onnx: the official ONNX checker (a reference tool, never part of the product's runtime).
// - Debian's chromium: the browser the Playwright end-to-end tests drive (playwright-core cannot download one here).
// Installs them with apt-get where we are root (CI, these dev machines); otherwise says what to install.
import { spawnSync } from 'node:child_process'

const has = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
const missing = []
if (!has('/usr/bin/python3', ['-c', 'import onnx'])) missing.push('python3-onnx')
if (!has('/usr/bin/chromium', ['--version'])) missing.push('chromium')

if (missing.length > 0) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (!root || !has('apt-get', ['--version'])) {
    console.error(`The tests need Debian packages: ${missing.join(' ')} (sudo apt-get install ${missing.join(' ')}).`)
    process.exit(1)
  }
  console.log(`Installing test tools: ${missing.join(' ')} …`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env })
  if (update.status !== 0 || install.status !== 0) process.exit(1)
}
