/**
 * ONNX export: a hand-written protobuf encoder (protobuf.ts, onnx-proto.ts), a graph builder (graph.ts), the
 * MLP and multi-step sampler sub-graphs (mlp.ts, sampler.ts), onnxruntime-node for parity (runtime.ts) and the
 * export of a stored one-step run (export.ts).
 */
export { OnnxExportError } from './errors'
export { GraphBuilder, IR_VERSION, OPSET, PRODUCER, type ModelOptions, type NodeOptions } from './graph'
export { attr, DataType, type AttrValue, type Dim } from './onnx-proto'
export { inspectModel, type ModelOutline, type TensorOutline } from './inspect'
export {
  activationGraph,
  applyMlp,
  checkMlpWeights,
  foldOutputAffine,
  mlpGraph,
  mlpParams,
  type MlpParams,
  type OutputAffine
} from './mlp'
export {
  affineColumns,
  batchColumn,
  batchSize,
  concatColumns,
  eulerSamplerGraph,
  heunSamplerGraph,
  odeSamplerGraph,
  sinusoidalEmbedding,
  timeGrid,
  type GraphFn,
  type OdeMethod,
  type OdeSamplerOptions,
  type VelocityNet
} from './sampler'
export { maxAbsDiff, OnnxModel, runOnnx, type FloatTensor } from './runtime'
export {
  checkOneStepSampler,
  exportPushforward,
  ONNX_EXTENSION,
  PARITY_POINTS,
  PARITY_TOLERANCE,
  parityTolerance,
  pushforwardMetadata,
  pushforwardModel,
  type ExportOptions,
  type ExportReport,
  type TensorInfo
} from './export'
