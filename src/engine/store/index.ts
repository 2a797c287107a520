/**
 * The run store: `runs/<id>/{run.json, metrics.jsonl, weights.json, samples.csv}` with atomic writes,
 * schema-checked reads and crash-tolerant listing. See run-store.ts for the layout.
 */
export {
  RunStore,
  RUN_FILE,
  WEIGHTS_FILE,
  BEST_WEIGHTS_FILE,
  CHECKPOINT_FILE,
  METRICS_FILE,
  SAMPLES_FILE,
  SNAPSHOTS_FILE
} from './run-store'
export { SNAPSHOT_COUNT, SNAPSHOT_POINTS, snapshotSteps, type SnapshotRecord } from './snapshots'
export type { RunHandle, RunStoreOptions, WeightsChoice } from './run-store'
export {
  RUN_SCHEMA_VERSION,
  ActivationSchema,
  BackendChoiceSchema,
  ParamValuesSchema,
  DatasetConfigSchema,
  ModelConfigSchema,
  RunConfigSchema,
  MetricsSchema,
  StandardizationSchema,
  RunResultSchema,
  RunStatusSchema,
  RunErrorSchema,
  RunRecordSchema,
  MetricsRecordSchema,
  WeightsEnvelopeSchema,
  MlpWeightsSchema,
  CheckpointFileSchema
} from './schema'
export type {
  RunRecord,
  RunSummary,
  LoadedRun,
  MetricsRecord,
  RunResult,
  RunStatus,
  ReportedStatus,
  FinalStatus,
  RunErrorInfo,
  StoreProblem,
  WeightsEnvelope,
  CheckpointFile,
  CheckpointInfo,
  BestInfo
} from './schema'
export { assertRunId, invalidIdReason, newRunId } from './ids'
export { parseMetricsLog } from './metrics-log'
export { formatSamplesCsv, parseSamplesCsv } from './samples-csv'
