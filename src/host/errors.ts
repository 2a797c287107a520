/**
 * Errors of the host (not the engine): they cross the process boundary like engine errors, with a stable code
 * and one readable sentence — `NOT_FOUND`, `NOT_SUPPORTED`, `FORBIDDEN`, `WORKER_CRASHED`, ….
 */
import { EngineError } from '../engine/errors'
import type { ErrorCode } from '../shared/errors'

export class HostError extends EngineError {
  constructor(code: ErrorCode, message: string) {
    super(code, message)
  }
}
