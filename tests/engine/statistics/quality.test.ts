/**
 * Opt-in training-quality check (slow): PFM_QUALITY='energy steps=1500 batch=512 lr=0.002 width=128; mmd'
 * trains each listed objective on standardised 8 Gaussians with its defaults (overridden by key=value) and
 * prints the held-out energy distance against a Gaussian fit's. Not run by default; the acceptance test lives
 * with the training loop.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/engine/backend'
import { getObjective } from '../../../src/engine/objectives/statistics'
import type { ParamValues } from '../../../src/engine/params'
import { trainEightGaussians } from './helpers'

const spec = process.env.PFM_QUALITY ?? ''
const runs = spec
  .split(';')
  .map((s) => s.trim().split(/\s+/))
  .filter((a) => a[0])

describe.runIf(runs.length > 0)('objectives train 8 Gaussians (opt-in)', () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })
  it.each(runs.map((r) => [r.join(' '), r] as const))(
    '%s',
    (_, [id, ...rest]) => {
      const o = getObjective(id!)
      const kv = Object.fromEntries(rest.map((a) => a.split('=') as [string, string]))
      const num = (k: string): number | undefined => (k in kv ? Number(kv[k]) : undefined)
      const params: ParamValues = {}
      for (const [k, v] of Object.entries(kv))
        if (k in o.params) params[k] = o.params[k]!.type === 'enum' ? v : Number(v)
      const r = trainEightGaussians({
        objective: o,
        params,
        steps: num('steps'),
        batch: num('batch'),
        lr: num('lr'),
        width: num('width'),
        seed: num('seed'),
        evalEvery: num('evalEvery') ?? 250,
        evalN: num('evalN'),
        schedule: kv.schedule === 'cosine' ? 'cosine' : 'constant',
        log: console.log
      })
      console.log(
        `RESULT ${id} ${JSON.stringify(kv)}: energy ${r.energy.toFixed(5)} gaussian ${r.energyGaussian.toFixed(4)} ` +
          `ratio ${(r.energy / r.energyGaussian).toFixed(3)} time ${r.seconds.toFixed(1)}s cpu ${r.cpuSeconds.toFixed(1)}s ` +
          `loss ${r.losses[0]?.toFixed(4)} → ${r.losses.at(-1)?.toFixed(4)} | modes ${r.modes.weights.map((w) => w.toFixed(3)).join(' ')} ` +
          `off ${r.modes.off.toFixed(4)} spread ${r.modes.spread.toFixed(2)}`
      )
      expect(Number.isFinite(r.energy)).toBe(true)
    },
    900_000
  )
})
