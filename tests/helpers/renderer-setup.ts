/**
 * globalSetup of the e2e project: builds the renderer once for all e2e files (each used to build its own, 15–40 s
 * apiece on a 2-core CPU) and hands its folder to them (`inject('rendererDir')`, tests/helpers/workbench.ts).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { TestProject } from 'vitest/node'
import { buildRenderer } from './renderer'

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfl-e2e-renderer-'))
  await buildRenderer(dir)
  project.provide('rendererDir', dir)
  return () => fs.rmSync(dir, { recursive: true, force: true })
}
