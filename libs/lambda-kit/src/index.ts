export { isSmokeTestEvent, withSmokeTest, type SmokeTestAnswer, type SmokeTestEvent } from './smoke-test';
export {
  createLogger,
  errorFields,
  logger,
  recordingLog,
  silentLog,
  withLogger,
  Logger,
  type CreateLoggerOptions,
  type Log,
  type LogFields,
  type LoggedContext,
  type RecordedLine,
  type WithLoggerOptions,
} from './logger';
export { CORRELATION_ID_ATTRIBUTE, correlationAttributes, correlationIdOf, logWith, type RecordWithAttributes } from './correlation';
export {
  createMetrics,
  metrics,
  withMetrics,
  publishMetricSet,
  Metrics,
  MetricUnit,
  METRICS_NAMESPACE,
  METRIC_NAMES,
  type CreateMetricsOptions,
  type MetricName,
  type MetricsSink,
  type MetricSetPublisher,
  type MetricUnitName,
  type MetricValue,
  type WithMetricsOptions,
} from './metrics';
export { captureOutput, emfLines, type EmfLine } from './testing';
export {
  readBaseUrl,
  readBoolean,
  readBucketName,
  readInteger,
  readOneOf,
  readRequired,
  readText,
  type Env,
  type IntegerBounds,
} from './env';
export { sqsBatch, sqsRecordsOf, type MessageParser, type RecordContext, type RecordVerdict, type SqsBatchOptions } from './sqs-batch';
export {
  isCustomResourceEvent,
  withCustomResource,
  type CustomResourceData,
  type CustomResourceEvent,
  type CustomResourceResponse,
  type WithCustomResourceOptions,
} from './custom-resource';
