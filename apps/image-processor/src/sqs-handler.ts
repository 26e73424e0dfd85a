import type { SQSBatchItemFailure, SQSBatchResponse } from 'aws-lambda';
import { describeError } from './logger';
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
      const parsed = parseRecord(record);
      if (!parsed.ok) {
        deps.log.error('malformed message', { messageId: parsed.messageId, reason: parsed.reason });
        batchItemFailures.push({ itemIdentifier: parsed.messageId });
        continue;
      }
      try {
        const outcome = await processJob(parsed.message, deps);
        deps.log.info('message settled', { messageId: record.messageId, jobId: parsed.message.job_id, outcome: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) });
      } catch (error) {
        deps.log.error('job will be retried', { messageId: record.messageId, jobId: parsed.message.job_id, ...describeError(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
