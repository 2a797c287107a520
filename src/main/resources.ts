/**
 * Where the main process finds the bundled resources (icons, small assets): the one path helper for every
 * layout. In development (`electron-vite dev`, `npm start`) the app path is the project root and the files
 * are in `<root>/resources`; in a packaged app electron-builder copies the folder next to the app archive
 * (`extraResources` in electron-builder.json), i.e. `<process.resourcesPath>/resources`. Electron-free, so it
 * is tested under plain Node.
 */
import { join } from 'node:path'

export interface AppLayout {
  /** Electron's `app.isPackaged`. */
  isPackaged: boolean
  /** Electron's `app.getAppPath()` (the project root in development). */
  appPath: string
  /** Electron's `process.resourcesPath` (set in a packaged app). */
  resourcesPath?: string
}

/** The folder of bundled resources for this layout. */
export function resourcesDir(layout: AppLayout): string {
  if (layout.isPackaged && layout.resourcesPath) return join(layout.resourcesPath, 'resources')
  return join(layout.appPath, 'resources')
}

/** One bundled resource, e.g. `resourcePath(layout, 'icon.png')`. */
export function resourcePath(layout: AppLayout, name: string): string {
  return join(resourcesDir(layout), name)
}

/** The window icon (512 px PNG, made from resources/icon.svg by scripts/make-icons.mjs). */
export const WINDOW_ICON = 'icon.png'
