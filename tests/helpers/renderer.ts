/** The renderer built from the working tree, for the e2e tests (so they never serve a stale out/renderer). */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import vue from '@vitejs/plugin-vue'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The renderer built once by the e2e project's globalSetup (renderer-setup.ts). */
    rendererDir: string
  }
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Builds the renderer into `outDir`. */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: path.join(ROOT, 'src/renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [vue()],
    build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false }
  })
}
