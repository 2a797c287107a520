/**
 * ONNX export: a hand-written protobuf encoder (protobuf.ts, onnx-proto.ts), a graph builder (graph.ts), the
 * MLP and multi-step sampler sub-graphs (mlp.ts, sampler.ts), the flow networks and fused samplers (flow.ts),
 * RealNVP's sampling direction (realnvp.ts), which graph a run becomes (run-graph.ts), onnxruntime-node for
 * parity (runtime.ts) and the export of a stored run (export.ts).
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
  checkParity,
  exportPushforward,
  exportRun,
  ONNX_EXTENSION,
  PARITY_POINTS,
  PARITY_TOLERANCE,
  parityTolerance,
  pushforwardMetadata,
  pushforwardModel,
  samplerTolerance,
  type ExportOptions,
  type ExportReport,
  type TensorInfo
} from './export'
export {
  fusedSamplerModel,
  planEvaluations,
  planGain,
  rawTimeNet,
  timedNetOf,
  velocityNetModel,
  type TimedNet
} from './flow'
export { realNvpSamplerModel } from './realnvp'
export {
  flowPlan,
  fusedSamplersOf,
  runGraph,
  runGraphKind,
  type FlowPlan,
  type RunGraph,
  type RunGraphSpec
} from './run-graph'
