#!/usr/bin/env node
/**
 * `npm start`: opens the built desktop app when Electron can run here; otherwise says why in one line and starts
 * the web host (`pfm serve`, which prints the workbench's URL) instead. Extra arguments go to whichever starts
 * (e.g. `npm start -- --port 8080`). Exits with the child's code. The headless demo stays `pfm demo`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The Electron executable, or null when the package or its downloaded binary is missing. */
function electronBinary() {
  try {
    const path = require('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}

function hasDisplay() {
  if (process.platform !== 'linux') return true
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}

/**
 * Runs a command with inherited stdio and exits with its status (or re-raises its signal). Ctrl-C and SIGTERM
 * are passed on, so the child (the web host stopping its training workers) shuts down before this exits.
 */
function run(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env })
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  child.on('error', (err) => {
    console.error(`Could not start ${command}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    process.off('SIGINT', forward)
    process.off('SIGTERM', forward)
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}

const args = process.argv.slice(2)
const reasons = []
// Electron ≥ 42 downloads its binary on first use: only try that where a window could open at all.
const electron = hasDisplay() ? electronBinary() : null
if (!hasDisplay()) reasons.push('no display')
else if (!electron) reasons.push('its binary could not be installed')

if (electron && reasons.length === 0) {
  if (!existsSync(join(root, 'out/main/index.js'))) {
    console.log('Building the app once (npm run build)…')
    const built = spawnSync(
      process.execPath,
      [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: root,
        stdio: 'inherit'
      }
    )
    if (built.status !== 0) process.exit(built.status ?? 1)
  }
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  run(electron, [root, ...args], env)
} else {
  console.log(
    `Electron cannot start here (${reasons.join('; ')}) — serving the workbench in a browser instead (pfm serve).`
  )
  run(process.execPath, [join(root, 'bin/pfm.mjs'), 'serve', ...args])
}
