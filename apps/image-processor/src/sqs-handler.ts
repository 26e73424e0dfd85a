import type { SQSBatchResponse } from 'aws-lambda';
import { parseImageJobMessage } from '@bmx/images';
import { METRIC_NAMES, MetricUnit, sqsBatch } from '@bmx/lambda-kit';
import { processJob, type JobDependencies } from './process-job';

/** The Lambda handler's shape: an SQS event in, the partial batch response out. */
export type ImageProcessorHandler = (event: unknown) => Promise<SQSBatchResponse>;

/**
 * Builds the SQS handler around its dependencies, on `sqsBatch` of @bmx/lambda-kit (partial batch failures, a
 * malformed message reported, never dropped). Records are handled one after another: a 2-core Lambda gains nothing
 * from decoding several photos at once, and memory stays bounded. A job that must be retried throws, which reports
 * its record.
 */
export function createSqsHandler(deps: JobDependencies): ImageProcessorHandler {
  const count = (name: (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES]) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  return sqsBatch(
    async (message, { record, log }) => {
      const started = performance.now();
      const outcome = await processJob(message, { ...deps, log });
      if (outcome.status === 'completed') {
        count(METRIC_NAMES.imageJobsCompleted);
        deps.metrics?.addMetric(METRIC_NAMES.imageProcessingTime, MetricUnit.Milliseconds, Math.round(performance.now() - started));
      } else if (outcome.status !== 'skipped') {
        count(METRIC_NAMES.imageJobsFailed);
      }
      log.info('message settled', { messageId: record.messageId, jobId: message.job_id, outcome: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) });
    },
    {
      parse: parseImageJobMessage,
      concurrency: 1,
      log: deps.log,
      onMalformed: () => count(METRIC_NAMES.imageJobsFailed),
      onError: () => count(METRIC_NAMES.imageJobRetries),
    },
  );
}
