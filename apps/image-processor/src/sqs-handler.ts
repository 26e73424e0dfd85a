import type { SQSBatchItemFailure, SQSBatchResponse } from 'aws-lambda';
import { CORRELATION_ID_ATTRIBUTE, correlationIdOf, errorFields, logWith, METRIC_NAMES, MetricUnit } from '@bmx/lambda-kit';
import { processJob, type JobDependencies } from './process-job';
import { parseRecord, sqsRecordsOf } from './sqs-records';

/** The Lambda handler's shape: an SQS event in, the partial batch response out. */
export type ImageProcessorHandler = (event: unknown) => Promise<SQSBatchResponse>;

/**
 * Builds the SQS handler around its dependencies. Records are handled one after another (a 2-core Lambda gains
 * nothing from decoding several photos at once, and memory stays bounded). A record that cannot be parsed or whose
 * job must be retried is reported in `batchItemFailures`; nothing is thrown for the batch, so one bad message never
 * sends its neighbours back to the queue.
 */
export function createSqsHandler(deps: JobDependencies): ImageProcessorHandler {
  return async (event) => {
    const records = sqsRecordsOf(event);
    if (!records) {
      deps.log.error('event is not an SQS event; nothing to process', { eventType: typeof event });
      return { batchItemFailures: [] };
    }
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of records) {
      // Every line about this record carries the producer's correlation id, so one upload can be followed by it.
      const correlationId = correlationIdOf(record);
      const log = correlationId ? logWith(deps.log, { [CORRELATION_ID_ATTRIBUTE]: correlationId }) : deps.log;
      const parsed = parseRecord(record);
      if (!parsed.ok) {
        log.error('malformed message', { messageId: parsed.messageId, reason: parsed.reason });
        deps.metrics?.addMetric(METRIC_NAMES.imageJobsFailed, MetricUnit.Count, 1);
        batchItemFailures.push({ itemIdentifier: parsed.messageId });
        continue;
      }
      const started = performance.now();
      try {
        const outcome = await processJob(parsed.message, { ...deps, log });
        if (outcome.status === 'completed') {
          deps.metrics?.addMetric(METRIC_NAMES.imageJobsCompleted, MetricUnit.Count, 1);
          deps.metrics?.addMetric(METRIC_NAMES.imageProcessingTime, MetricUnit.Milliseconds, Math.round(performance.now() - started));
        } else if (outcome.status !== 'skipped') {
          deps.metrics?.addMetric(METRIC_NAMES.imageJobsFailed, MetricUnit.Count, 1);
        }
        log.info('message settled', { messageId: record.messageId, jobId: parsed.message.job_id, outcome: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) });
      } catch (error) {
        log.error('job will be retried', { messageId: record.messageId, jobId: parsed.message.job_id, ...errorFields(error) });
        deps.metrics?.addMetric(METRIC_NAMES.imageJobRetries, MetricUnit.Count, 1);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
