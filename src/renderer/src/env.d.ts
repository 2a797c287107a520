/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface Window {
  /** The host bridge: set by the Electron preload script; absent in a plain browser. */
  lab?: import('../../shared/api').Bridge
}
