/**
 * Saving files from the page: text (CSV, JSON, SVG) and data URLs (PNG). A temporary `<a download>` works in
 * both hosts — the browser saves it, Electron asks where (its default download handling).
 */

/** Offers `url` for download as `name`. */
export function downloadUrl(name: string, url: string): void {
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** Offers `text` for download as `name`. */
export function downloadText(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
  downloadUrl(name, url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A string made safe as a file name (letters, digits, `.`, `_`, `-`). */
export function safeFileName(s: string, fallback = 'file'): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || fallback
}
