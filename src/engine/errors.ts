/**
 * Engine errors. Every error a user can cause is an `EngineError` whose message is one readable
 * sentence (file, line/column or field, and the reason). Front ends print `message` alone — no stack.
 */
import type { ErrorCode } from '../shared/errors'

export class EngineError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.code = code
    this.name = new.target.name
  }
}

/** A data file that cannot be read as a numeric table: names the file, line/column (or npy field) and reason. */
export class DataFormatError extends EngineError {
  constructor(message: string) {
    super('DATA_FORMAT', message)
  }
}

/** A bad option, parameter value or request (unknown objective, value out of range, …). */
export class ConfigError extends EngineError {
  constructor(message: string) {
    super('CONFIG', message)
  }
}

/** Training produced NaN/Inf; the last finite weights were kept. */
export class DivergenceError extends EngineError {
  constructor(message: string) {
    super('DIVERGED', message)
  }
}

/** A model's samples hold NaN or ±Inf, so no metric can score them (a diverging sampler or network). */
export class NonFiniteSamplesError extends EngineError {
  readonly rows: number
  readonly n: number
  constructor(rows: number, n: number) {
    super('DIVERGED', `${rows} of ${n} samples hold values that are not finite (NaN or ±Inf): nothing to score.`)
    this.rows = rows
    this.n = n
  }
}

/** The work was cancelled through its AbortSignal. */
export class CancelledError extends EngineError {
  constructor(message = 'Cancelled.') {
    super('CANCELLED', message)
  }
}

/** A run that does not exist, or a run record that cannot be read. */
export class StoreError extends EngineError {
  constructor(message: string) {
    super('STORE', message)
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError
}

/** Throws `ConfigError(msg())` unless `cond` holds. */
export function check(cond: unknown, msg: () => string): asserts cond {
  if (!cond) throw new ConfigError(msg())
}
