/**
 * The codes a failure carries across a process boundary (the host's `Result` errors, a job's error). The
 * renderer compares against this union, so a misspelt or retired code fails the typecheck.
 */

/** Engine errors (src/engine/errors.ts and their kin): data, option, run, divergence, export, benchmark. */
export const ENGINE_ERROR_CODES = [
  'DATA_FORMAT',
  'CONFIG',
  'DIVERGED',
  'CANCELLED',
  'STORE',
  'ONNX_EXPORT',
  'BENCH'
] as const

/** Host errors: the request, the IPC / HTTP door, the worker processes. */
export const HOST_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNKNOWN_CHANNEL',
  'NOT_FOUND',
  'NOT_SUPPORTED',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'WORKER_START',
  'WORKER_CRASHED',
  'INTERNAL'
] as const

/**
 * Raised in the renderer's bridge itself: no host on the page, the web host unreachable, or an HTTP status
 * without a Result body (`HTTP_502`, …).
 */
export const BRIDGE_ERROR_CODES = ['NO_HOST', 'NETWORK'] as const
export type HttpErrorCode = `HTTP_${number}`

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number]
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number]
export type ErrorCode = EngineErrorCode | HostErrorCode | (typeof BRIDGE_ERROR_CODES)[number] | HttpErrorCode
