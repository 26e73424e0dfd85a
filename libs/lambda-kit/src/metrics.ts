import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, serviceNameOf, type CreateLoggerOptions } from './logger';

export { Metrics, MetricUnit };

/** The one CloudWatch namespace every bmx metric is published in. */
export const METRICS_NAMESPACE = 'BlueMoxon';

/**
 * Every metric the system publishes (CloudWatch embedded metric format, namespace {@link METRICS_NAMESPACE},
 * dimension `service`; the carrier metrics also carry `carrier`). Alarms refer to these names.
 */
export const METRIC_NAMES = {
  /** image processor: a job ended `completed` (Count). */
  imageJobsCompleted: 'ImageJobsCompleted',
  /** image processor: a job ended `failed` or `permanently_failed`, or its message was malformed (Count). */
  imageJobsFailed: 'ImageJobsFailed',
  /** image processor: an attempt threw and its message goes back to the queue (Count). */
  imageJobRetries: 'ImageJobRetries',
  /** image processor: time the function spent on a job that completed, from its message to the recorded result (Milliseconds). */
  imageProcessingTime: 'ImageProcessingTime',
  /** tracking worker: calls made to a carrier's API (Count, per `carrier`). */
  carrierCalls: 'CarrierCalls',
  /** tracking worker: time a carrier call took, success or not (Milliseconds, per `carrier`). */
  carrierLatency: 'CarrierLatency',
  /** tracking worker: carrier calls that failed (Count, per `carrier`). */
  carrierFailures: 'CarrierFailures',
  /** tracking worker: a failure that opened a carrier's circuit (Count, per `carrier`). */
  carrierCircuitOpens: 'CarrierCircuitOpens',
  /** tracking dispatcher: `{book_id}` messages SQS accepted in a run (Count). */
  booksDispatched: 'BooksDispatched',
  /** tracking dispatcher: messages that still failed after every retry (Count). */
  booksDispatchFailed: 'BooksDispatchFailed',
} as const;

/** One of {@link METRIC_NAMES}. */
export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** Options for {@link createMetrics}: the `service` dimension, chosen as the logger's `service` is. */
export type CreateMetricsOptions = CreateLoggerOptions;

/** A Powertools Metrics in {@link METRICS_NAMESPACE}; its own warnings go through the process-wide logger. */
export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: serviceNameOf(options), logger });
}

/** The process-wide metrics; {@link withMetrics} publishes what an invocation added. */
export const metrics = createMetrics() satisfies MetricsSink;

/** A CloudWatch unit, as Powertools names them. */
export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** What code that records metrics depends on: a Powertools {@link Metrics} satisfies it. */
export interface MetricsSink {
  addMetric(name: MetricName, unit: MetricUnitName, value: number): unknown;
}

/** One value of a {@link publishMetricSet} line. */
export interface MetricValue {
  name: MetricName;
  unit: MetricUnitName;
  value: number;
}

/**
 * Writes `values` now as one EMF line with `dimensions` besides `service` (one carrier's call: a batch mixes
 * carriers, which the per-invocation metrics' single dimension set cannot). Powertools' `singleMetric()` would write
 * one line per value.
 */
export function publishMetricSet(dimensions: Record<string, string>, values: readonly MetricValue[], options: CreateMetricsOptions = {}): void {
  const set = createMetrics(options);
  set.addDimensions(dimensions);
  for (const { name, unit, value } of values) set.addMetric(name, unit, value);
  set.publishStoredMetrics();
}

/** The shape of {@link publishMetricSet}, for code that has it injected. */
export type MetricSetPublisher = (dimensions: Record<string, string>, values: readonly MetricValue[]) => void;

/** Options for {@link withMetrics}. */
export interface WithMetricsOptions {
  /** Default the process-wide {@link metrics}. */
  metrics?: Metrics;
}

/**
 * Wraps a handler so the metrics it added are written as one EMF line when the invocation ends (thrown or not).
 * An invocation that added none writes nothing (Powertools would warn).
 */
export function withMetrics<TEvent, TResult, TContext = unknown>(
  handler: (event: TEvent, context: TContext) => Promise<TResult>,
  options: WithMetricsOptions = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const sink = options.metrics ?? metrics;
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      if (sink.hasStoredMetrics()) sink.publishStoredMetrics();
    }
  };
}
