import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'

/**
 * Native or heavy engine packages stay outside the main bundle and load from node_modules at run time
 * (native addons and tfjs's wasm files cannot be bundled). Listed explicitly because the optional
 * @tensorflow/tfjs-node* packages are not in `dependencies`, which electron-vite externalizes by default.
 */
const ENGINE_EXTERNALS = ['onnxruntime-node', /^onnxruntime-node\//, /^@tensorflow\//]

/**
 * The shipped page's CSP (index.html) has no 'unsafe-inline' styles. Vite's dev server injects component CSS
 * as <style> tags, so only `electron-vite dev` relaxes style-src.
 */
function devCsp(): Plugin {
  return {
    name: 'pfl:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
  }
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: resolve(import.meta.dirname, 'src/main/index.ts') },
      rolldownOptions: { external: ENGINE_EXTERNALS }
    }
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(import.meta.dirname, 'src/preload/index.ts') },
      // Sandboxed preload scripts must be CommonJS and self-contained.
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } }
    }
  },
  renderer: {
    root: 'src/renderer',
    resolve: {
      alias: { '@renderer': resolve(import.meta.dirname, 'src/renderer/src') }
    },
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: resolve(import.meta.dirname, 'src/renderer/index.html') }
    },
    plugins: [vue(), devCsp()]
  }
})
