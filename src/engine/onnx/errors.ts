/** The ONNX export's own error: a sentence naming the run, the file and what went wrong. */
import { EngineError } from '../errors'

/** A model that cannot be exported, or an export that failed its parity check against the engine. */
export class OnnxExportError extends EngineError {
  constructor(message: string) {
    super('ONNX_EXPORT', message)
  }
}
