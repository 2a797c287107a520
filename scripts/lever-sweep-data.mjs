#!/usr/bin/env node
// `node scripts/lever-sweep-data.mjs [--seed S] [--out DIR]`: what scripts/lever-sweep.py needs on a machine
// without Node — the mnist split a `pfm train --data mnist --seed S` run trains and scores on (pixels as bytes),
// the workbench classifier's weights and the run's yard-sticks — written to DIR (default .gpu/sweep, 8 MB).
// On the GPU machine (device tool, carry [".gpu/sweep"]): `python3 scripts/lever-sweep.py --data .gpu/sweep`.
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const entry = new URL('../src/engine/bench/lever-sweep-data.ts', import.meta.url)
const { main } = await import(fileURLToPath(entry))
try {
  process.exitCode = await main(process.argv.slice(2))
} catch (e) {
  process.stderr.write(`lever-sweep-data: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = 2
}
