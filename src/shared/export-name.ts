/**
 * The name of an exported ONNX file: the run (or its display name), then what the graph holds — the sampler and
 * its K, or the flow's network alone — so that a second export of one run with another sampler or K never
 * replaces the first. Shared by the host (its exports folder) and the renderer (the save dialog's default).
 */
import type { SamplerId } from './api'

/** What an export holds. */
export interface ExportedGraph {
  graph: 'sampler' | 'velocity'
  sampler: SamplerId
  steps: number
}

/** `run-onestep.onnx`, `run-heun-K8.onnx`, `run-velocity.onnx`; `base` must already be file-name safe. */
export function onnxExportName(base: string, g: ExportedGraph): string {
  if (g.graph === 'velocity') return `${base}-velocity.onnx`
  return g.sampler === 'onestep' ? `${base}-onestep.onnx` : `${base}-${g.sampler}-K${g.steps}.onnx`
}
