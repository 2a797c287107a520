/** `pfm export --run ID --out FILE.onnx`: a stored one-step map as an ONNX model, checked against the engine. */
import * as path from 'node:path'
import { ConfigError } from '../../engine/errors'
import { exportPushforward, ONNX_EXTENSION } from '../../engine/onnx/export'
import { num, openStore, Out, parse, required, str } from '../io'

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    out: { type: 'string', short: 'o' },
    sampler: { type: 'string' },
    steps: { type: 'string' }
  })
  const out = new Out(values.json === true)
  const id = required(values, 'run', 'see `pfm runs`')
  const file = required(values, 'out', `a ${ONNX_EXTENSION} path`)
  if (path.extname(file).toLowerCase() !== ONNX_EXTENSION)
    throw new ConfigError(`--out ${file}: an ONNX export must end in ${ONNX_EXTENSION}.`)
  const sampler = str(values, 'sampler')
  const steps = num(values, 'steps')
  const r = await exportPushforward(openStore(values), id, file, {
    ...(sampler !== undefined ? { sampler } : {}),
    ...(steps !== undefined ? { steps } : {})
  })
  const sig = (ts: { name: string; shape: (string | number)[] }[]): string =>
    ts.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')
  out.result({ path: r.path, opset: r.opset, inputs: r.inputs, outputs: r.outputs, parity: r.parity }, () =>
    [
      `Exported run ${id} to ${r.path} (ONNX opset ${r.opset}, ${r.bytes} bytes): ${sig(r.inputs)} → ${sig(r.outputs)} in data units.`,
      `Parity with the engine: max |Δ| = ${r.parity.maxAbsError.toExponential(2)} over ${r.parity.n} inputs ` +
        `(tolerance ${r.parity.tolerance.toExponential(2)}).`
    ].join('\n')
  )
  return 0
}
