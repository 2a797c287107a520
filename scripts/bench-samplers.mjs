#!/usr/bin/env node
// `npm run bench:samplers`: src/engine/bench/sampler-quality.ts through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const entry = new URL('../src/engine/bench/sampler-quality.ts', import.meta.url)
const { main } = await import(fileURLToPath(entry))
try {
  process.exitCode = await main(process.argv.slice(2))
} catch (e) {
  process.stderr.write(`bench:samplers: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = 2
}
