import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

/**
 * Native or heavy engine packages stay outside the main bundle and load from node_modules at run time
 * (native addons and tfjs's wasm files cannot be bundled). Listed explicitly because the optional
 * @tensorflow/tfjs-node* packages are not in `dependencies`, which electron-vite externalizes by default.
 */
const ENGINE_EXTERNALS = ['onnxruntime-node', /^onnxruntime-node\//, /^@tensorflow\//]

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The job worker is a second entry: Electron runs it in a utility process (`utilityProcess.fork`); the
      // parse worker a third, a worker thread that parses large imported files off the main process's loop.
      lib: {
        entry: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          'job-worker': resolve(import.meta.dirname, 'src/host/job-worker.ts'),
          'parse-worker': resolve(import.meta.dirname, 'src/host/parse-worker.ts')
        }
      },
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
    // index.html's CSP already allows inline styles (naive-ui injects <style> elements), which also covers
    // the <style> tags of Vite's dev server: no dev-only policy is needed.
    plugins: [vue()]
  }
})
