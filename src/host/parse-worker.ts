/** The parse worker thread (see dataset-parse.ts): parses one file per message, transfers the numbers back. */
import { parentPort } from 'node:worker_threads'
import { isEngineError } from '../engine/errors'
import { handleParse, type ParseReply, type ParseRequest } from './dataset-parse'

parentPort?.on('message', (req: ParseRequest) => {
  let reply: ParseReply
  try {
    reply = { id: req.id, ok: true, value: handleParse(req) }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    reply = { id: req.id, ok: false, error: { code: isEngineError(e) ? e.code : null, message } }
  }
  const value = reply.ok ? reply.value : null
  const transfer = value && 'data' in value ? [value.data.buffer as ArrayBuffer] : []
  parentPort!.postMessage(reply, transfer)
})
