// Alarms on the metrics the code publishes (Powertools Metrics, EMF, namespace BlueMoxon, dimension `service` = the
// function name; the carrier metrics also `carrier`): which function publishes what, and when it is worth a page.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMES, METRICS_NAMESPACE, type MetricName } from '@bmx/lambda-kit';
import { DEFAULT_TIMEOUT_SECONDS, type FunctionSpec } from '@bmx/deploy';

/** One alarm on a function's own metrics. */
export interface MetricAlarmSpec {
  /** Construct id suffix, and what the alarm is called in tests. */
  id: string;
  /** The metrics it reads (each must be one the function's bundle records). */
  metrics: MetricName[];
  description: string;
  /** The metric or expression to alarm on, for the function named `service`. */
  metric(service: string, fn: FunctionSpec): cloudwatch.IMetric;
  /** Alarm at or above this. */
  threshold(fn: FunctionSpec): number;
  /** Consecutive periods over the threshold before it alarms. */
  evaluationPeriods: number;
}

const FIFTEEN_MINUTES = Duration.minutes(15);

/** A metric with the function's `service` dimension, as withMetrics writes it. */
const own = (name: MetricName, service: string, statistic: string, period: Duration = FIFTEEN_MINUTES) =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service }, statistic, period });

/**
 * The sum over every carrier of a per-carrier metric (dimensions `carrier` and `service`), as one series: a Metrics
 * Insights query, so a carrier added later is watched without a change here.
 */
const overCarriers = (name: MetricName, service: string) =>
  new cloudwatch.MathExpression({
    expression: `SELECT SUM(${name}) FROM SCHEMA("${METRICS_NAMESPACE}", carrier, service) WHERE service = '${service}'`,
    usingMetrics: {},
    period: FIFTEEN_MINUTES,
    label: `${name} (all carriers)`,
  });

const IMAGE_JOBS: MetricAlarmSpec[] = [
  {
    id: 'ImageJobsFailing',
    metrics: [METRIC_NAMES.imageJobsFailed, METRIC_NAMES.imageJobsCompleted],
    description: 'more than a quarter of image jobs failed, two quarter-hours running',
    metric: (service) =>
      new cloudwatch.MathExpression({
        expression: '100 * failed / (failed + completed)',
        usingMetrics: { failed: own(METRIC_NAMES.imageJobsFailed, service, 'Sum'), completed: own(METRIC_NAMES.imageJobsCompleted, service, 'Sum') },
        period: FIFTEEN_MINUTES,
        label: 'failed jobs, % of ended jobs',
      }),
    threshold: () => 25,
    evaluationPeriods: 2,
  },
  {
    id: 'ImageJobRetries',
    metrics: [METRIC_NAMES.imageJobRetries],
    description: 'ten or more image job attempts threw and went back to the queue in a quarter-hour',
    metric: (service) => own(METRIC_NAMES.imageJobRetries, service, 'Sum'),
    threshold: () => 10,
    evaluationPeriods: 1,
  },
  {
    id: 'ImageProcessingSlow',
    metrics: [METRIC_NAMES.imageProcessingTime],
    description: 'the 90th percentile of image processing time is past half the function timeout, two quarter-hours running',
    metric: (service) => own(METRIC_NAMES.imageProcessingTime, service, 'p90'),
    threshold: (fn) => ((fn.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000) / 2,
    evaluationPeriods: 2,
  },
];

const CARRIERS: MetricAlarmSpec[] = [
  {
    id: 'CarrierFailures',
    metrics: [METRIC_NAMES.carrierFailures],
    description: 'ten or more carrier API calls failed in a quarter-hour (all carriers)',
    metric: (service) => overCarriers(METRIC_NAMES.carrierFailures, service),
    threshold: () => 10,
    evaluationPeriods: 1,
  },
  {
    id: 'CarrierCircuitOpens',
    metrics: [METRIC_NAMES.carrierCircuitOpens],
    description: "a carrier's circuit opened: its API kept failing and the worker stopped calling it for a while",
    metric: (service) => overCarriers(METRIC_NAMES.carrierCircuitOpens, service),
    threshold: () => 1,
    evaluationPeriods: 1,
  },
];

const DISPATCH: MetricAlarmSpec[] = [
  {
    id: 'BooksDispatchFailed',
    metrics: [METRIC_NAMES.booksDispatchFailed],
    description: 'tracking messages the dispatcher could not send after every retry (those books are not tracked this run)',
    metric: (service) => own(METRIC_NAMES.booksDispatchFailed, service, 'Sum', Duration.hours(1)),
    threshold: () => 1,
    evaluationPeriods: 1,
  },
];

/** The metric alarms of each function that publishes metrics, by `<app>/<function id>`. */
export const METRIC_ALARMS: Record<string, MetricAlarmSpec[]> = {
  'image-processor/processor': IMAGE_JOBS,
  'tracking-dispatcher/worker': CARRIERS,
  'tracking-dispatcher/dispatcher': DISPATCH,
};

/** The metric alarms of one function (none for one that publishes no metrics). */
export function metricAlarmsOf(app: string, fn: Pick<FunctionSpec, 'id'>): MetricAlarmSpec[] {
  return METRIC_ALARMS[`${app}/${fn.id}`] ?? [];
}
