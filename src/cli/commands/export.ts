/**
 * `pfm export --run ID --out FILE.onnx [--sampler S --steps K --grid G] [--graph velocity] [--form loop]`:
 * a stored run as an ONNX model — a one-step map, a flow's fused K-step sampler (both z → x in data units) or
 * a flow's network (x, t) → v — checked against the engine before it is kept.
 */
import * as path from 'node:path'
import { ConfigError } from '../../engine/errors'
import { exportPushforward, ONNX_EXTENSION } from '../../engine/onnx/export'
import { parseProviderChoice } from '../../engine/onnx/providers'
import { openStore, Out, parse, required, resolveRunId, str, weightsChoice } from '../io'
import { SAMPLER_FLAGS, SAMPLER_USAGE, samplerOptions } from '../sampler-flags'

export const usage = `pfm export --run ID --out model.onnx ${SAMPLER_USAGE}
           [--graph sampler|velocity] [--form unrolled|loop] [--ep cpu|webgpu|cuda|auto]
           [--weights final|best] [--json]`

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    out: { type: 'string', short: 'o' },
    ...SAMPLER_FLAGS,
    graph: { type: 'string' },
    form: { type: 'string' },
    ep: { type: 'string' },
    weights: { type: 'string' }
  })
  const out = new Out(values.json === true)
  const store = openStore(values)
  const id = resolveRunId(store, required(values, 'run', 'see `pfm runs`'))
  const file = required(values, 'out', `a ${ONNX_EXTENSION} path`)
  if (path.extname(file).toLowerCase() !== ONNX_EXTENSION)
    throw new ConfigError(`--out ${file}: an ONNX export must end in ${ONNX_EXTENSION}.`)
  const sampling = samplerOptions(values)
  const graph = str(values, 'graph')
  if (graph !== undefined && graph !== 'sampler' && graph !== 'velocity')
    throw new ConfigError(`--graph: "${graph}" is not sampler or velocity.`)
  const form = str(values, 'form')
  if (form !== undefined && form !== 'unrolled' && form !== 'loop')
    throw new ConfigError(`--form: "${form}" is not unrolled or loop.`)
  const ep = str(values, 'ep')
  const provider = ep !== undefined ? parseProviderChoice(ep, '--ep') : undefined
  const r = await exportPushforward(store, id, file, {
    ...sampling,
    ...(graph !== undefined ? { graph } : {}),
    ...(form !== undefined ? { form } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...weightsChoice(values)
  })
  const sig = (ts: { name: string; shape: (string | number)[] }[]): string =>
    ts.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')
  const what =
    r.graph === 'velocity'
      ? 'the network, standardised coordinates'
      : r.sampler === 'onestep'
        ? 'one step, in data units'
        : `${r.sampler}, K = ${r.steps} (${r.evaluations} network evaluations) in one graph, in data units`
  out.result(
    {
      path: r.path,
      opset: r.opset,
      graph: r.graph,
      sampler: r.sampler,
      steps: r.steps,
      inputs: r.inputs,
      outputs: r.outputs,
      parity: r.parity
    },
    () =>
      [
        `Exported run ${id} to ${r.path} (ONNX opset ${r.opset}, ${r.bytes} bytes): ${sig(r.inputs)} → ${sig(r.outputs)}, ${what}.`,
        `Parity with the engine: max |Δ| = ${r.parity.maxAbsError.toExponential(2)} over ${r.parity.n} inputs on ${r.parity.provider} ` +
          `(tolerance ${r.parity.tolerance.toExponential(2)}).`
      ].join('\n')
  )
  return 0
}
