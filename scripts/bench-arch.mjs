#!/usr/bin/env node
// `npm run bench:arch`: src/engine/bench/arch-bench.ts through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const entry = new URL('../src/engine/bench/arch-bench.ts', import.meta.url)
const { main } = await import(fileURLToPath(entry))
try {
  process.exitCode = await main(process.argv.slice(2))
} catch (e) {
  process.stderr.write(`bench:arch: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = 2
}
