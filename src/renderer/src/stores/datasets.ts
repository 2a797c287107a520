import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type {
  ApiErrorInfo,
  DatasetInfo,
  DatasetPreview,
  FileInspection,
  ImportRequest
} from '../../../shared/api'
import { api, errorInfo, errorMessage, hostKind, uploadFile } from '../api'

/** Points fetched for a preview. */
export const PREVIEW_POINTS = 2000
/** Bytes of a chosen file read for its raw preview (the host's inspection limit). */
export const INSPECT_BYTES = 64 * 1024
/** Most coordinates a pair plot shows at once. */
export const MAX_PAIR_DIMS = 6

/** A file chosen for import: a path (native dialog) or the file itself (browser: uploaded on import). */
export interface PendingFile {
  fileName: string
  path?: string
  file?: Blob
  size?: number
}

/** Built-in and imported datasets, the selected one's preview, and the import form. */
export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetInfo[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)

  const selectedId = ref<string | null>(null)
  const preview = shallowRef<DatasetPreview | null>(null)
  const previewLoading = ref(false)
  const previewError = ref<string | null>(null)
  /** Previews by dataset id (the gallery reuses them as held-out panels). */
  const previews = new Map<string, { requested: number; preview: DatasetPreview }>()

  const pending = ref<PendingFile | null>(null)
  const options = reactive({ name: '', columns: '', skipRows: 0 })
  const importing = ref(false)
  const importError = ref<ApiErrorInfo | null>(null)
  /** The pending file's first lines and the settings the host suggests for them. */
  const inspection = shallowRef<FileInspection | null>(null)
  /** The coordinates the selected dataset's pair plot shows (null: the first four). */
  const pairDims = ref<number[] | null>(null)

  const builtins = computed(() => list.value.filter((d) => d.kind === 'builtin'))
  const imported = computed(() => list.value.filter((d) => d.kind === 'imported'))
  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null)
  /** Native file dialogs exist only in the desktop app; the browser uploads the file's bytes. */
  const nativeDialogs = computed(() => hostKind() === 'electron')
  /**
   * Why the pending file cannot be imported, when its inspection read the whole file and found no data row (no
   * setting adds rows); else null. Only a hint that spares a doomed upload: the host's import checks the file.
   */
  const importBlocked = computed(() => (pending.value ? (inspection.value?.noData ?? null) : null))

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      list.value = await api.datasets.list()
      if (!selectedId.value && list.value.length > 0) await select(list.value[0]!.id)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** A preview by id, from the cache or the host. */
  async function getPreview(id: string, n = PREVIEW_POINTS): Promise<DatasetPreview> {
    const cached = previews.get(id)
    if (cached && cached.requested >= n) return cached.preview
    const p = Object.freeze(await api.datasets.preview(id, n))
    previews.set(id, { requested: n, preview: p })
    return p
  }

  async function select(id: string): Promise<void> {
    if (selectedId.value !== id) pairDims.value = null
    selectedId.value = id
    previewError.value = null
    previewLoading.value = true
    try {
      const p = await getPreview(id)
      if (selectedId.value === id) preview.value = p
    } catch (e) {
      if (selectedId.value === id) {
        preview.value = null
        previewError.value = errorMessage(e)
      }
    } finally {
      if (selectedId.value === id) previewLoading.value = false
    }
  }

  /** Desktop: opens the native dialog; returns false when the user cancelled. */
  async function chooseFile(): Promise<boolean> {
    importError.value = null
    try {
      const path = await api.dialogs.openDataFile()
      if (!path) return false
      setPending({ fileName: path.split(/[\\/]/).pop() ?? path, path })
      return true
    } catch (e) {
      importError.value = errorInfo(e)
      return false
    }
  }

  /** Sets the file to import (from the dialog or an upload); the display name defaults to its base name. */
  function setPending(file: PendingFile | null): void {
    pending.value = file
    importError.value = null
    inspection.value = null
    if (file) {
      options.name = file.fileName.replace(/\.[^.]+$/, '')
      void inspectPending()
    }
  }

  /** Reads the pending file's first lines (the browser sends its head, the desktop app its path). */
  async function inspectPending(): Promise<FileInspection | null> {
    const file = pending.value
    if (!file) return null
    try {
      const r = file.file
        ? await api.datasets.inspect({
            fileName: file.fileName,
            head: await file.file.slice(0, INSPECT_BYTES).text(),
            truncated: file.file.size > INSPECT_BYTES
          })
        : await api.datasets.inspect({ path: file.path! })
      if (pending.value === file) inspection.value = r
      return r
    } catch {
      return null // the raw preview is a help, not a step: the import still says what is wrong
    }
  }

  /** Takes the inspection's suggested skip rows and columns into the form. */
  function applySuggestion(): void {
    const r = inspection.value
    if (!r) return
    options.skipRows = r.skipRows
    options.columns = r.columnsSpec ?? ''
  }

  /** The request for the pending file (once uploaded, by its `uploadId`) and the form's options. */
  function importRequest(uploadId?: string): ImportRequest | null {
    const file = pending.value
    if (!file) return null
    const req: ImportRequest = file.path
      ? { path: file.path }
      : { fileName: file.fileName, uploadId: uploadId ?? '' }
    if (options.name.trim()) req.name = options.name.trim()
    if (options.columns.trim()) req.columns = options.columns.trim()
    if (options.skipRows > 0) req.skipRows = options.skipRows
    return req
  }

  /** Imports the pending file; on failure keeps it and shows the engine's sentence (file, line, reason). */
  async function importPending(): Promise<DatasetInfo | null> {
    const file = pending.value
    if (!file || importBlocked.value) return null
    importing.value = true
    importError.value = null
    try {
      const uploadId = file.file ? (await uploadFile(file.file)).uploadId : undefined
      const info = await api.datasets.import(importRequest(uploadId)!)
      list.value = [...list.value.filter((d) => d.id !== info.id), info]
      previews.delete(info.id)
      pending.value = null
      inspection.value = null
      options.name = ''
      options.columns = ''
      options.skipRows = 0
      await select(info.id)
      return info
    } catch (e) {
      importError.value = errorInfo(e)
      return null
    } finally {
      importing.value = false
    }
  }

  async function remove(id: string): Promise<void> {
    await api.datasets.remove(id)
    previews.delete(id)
    list.value = list.value.filter((d) => d.id !== id)
    if (selectedId.value === id) {
      selectedId.value = null
      preview.value = null
      if (list.value.length > 0) await select(list.value[0]!.id)
    }
  }

  return {
    list,
    loading,
    error,
    selectedId,
    preview,
    previewLoading,
    previewError,
    pending,
    options,
    importing,
    importError,
    inspection,
    pairDims,
    builtins,
    imported,
    selected,
    nativeDialogs,
    importBlocked,
    load,
    getPreview,
    select,
    chooseFile,
    setPending,
    inspectPending,
    applySuggestion,
    importRequest,
    importPending,
    remove
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDatasetsStore, import.meta.hot))
