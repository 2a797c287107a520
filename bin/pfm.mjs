#!/usr/bin/env node
// `pfm` entry: runs the TypeScript CLI through tsx's loader (no build step needed after `npm ci`).
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const entry = new URL('../src/cli/index.ts', import.meta.url)
const { main } = await import(fileURLToPath(entry))
process.exitCode = await main(process.argv.slice(2))
