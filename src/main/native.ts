/**
 * The Electron-only pieces the lab takes by injection: job workers as utility processes (running the built
 * `job-worker.js` bundle beside `index.js`) and the native open/save dialogs.
 */
import { BrowserWindow, dialog, utilityProcess } from 'electron'
import { SUPPORTED_EXTENSIONS } from '../engine/data'
import type { NativeDialogs } from '../host/handlers'
import type { FromWorker, ToWorker } from '../host/job-protocol'
import type { SpawnWorker, WorkerHandle } from '../host/jobs'

/** Starts each job in an Electron utility process running `workerPath` (the built worker bundle). */
export function utilityWorker(workerPath: string): SpawnWorker {
  return (): WorkerHandle => {
    const child = utilityProcess.fork(workerPath, [], {
      serviceName: 'Pushforward Lab job',
      stdio: 'inherit'
    })
    // Messages sent before the process has spawned wait here.
    let spawned = false
    let exited = false
    const pending: ToWorker[] = []
    child.once('spawn', () => {
      spawned = true
      for (const m of pending.splice(0)) child.postMessage(m)
    })
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = []
    child.once('exit', (code) => {
      exited = true
      exitListeners.forEach((l) => l(code, null))
    })
    return {
      get pid() {
        return child.pid
      },
      send: (msg) => {
        if (exited) return
        if (spawned) child.postMessage(msg)
        else pending.push(msg)
      },
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as FromWorker)),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        if (exited) return
        if (child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGKILL')
            return
          } catch {
            /* gone already */
          }
        }
        child.kill()
      }
    }
  }
}

/** The native dialogs, attached to the focused window. */
export function nativeDialogs(): NativeDialogs {
  const win = (): BrowserWindow | undefined =>
    BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? undefined
  return {
    openDataFile: async () => {
      const options: Electron.OpenDialogOptions = {
        title: 'Import a dataset',
        properties: ['openFile'],
        filters: [
          { name: 'Data files', extensions: SUPPORTED_EXTENSIONS.map((e) => e.slice(1)) },
          { name: 'All files', extensions: ['*'] }
        ]
      }
      const w = win()
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options)
      return r.canceled ? null : (r.filePaths[0] ?? null)
    },
    saveOnnxFile: async (defaultName) => {
      const options: Electron.SaveDialogOptions = {
        title: 'Export to ONNX',
        defaultPath: defaultName,
        filters: [{ name: 'ONNX model', extensions: ['onnx'] }]
      }
      const w = win()
      const r = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options)
      if (r.canceled || !r.filePath) return null
      return r.filePath.toLowerCase().endsWith('.onnx') ? r.filePath : `${r.filePath}.onnx`
    }
  }
}
