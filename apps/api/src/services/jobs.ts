// The API's side of image jobs: the messages. When a job is created, resent or given up on is @bmx/db's
// image-jobs module; here each job gets its SQS message, sent with the request path's client profile.
import { REQUEST_PATH_PROFILE, sendJsonMessage, sendJsonMessages, type QueueRef } from '@bmx/aws-clients';
import {
  createImageJob,
  markJobQueueFailed,
  retryQueueFailedJobs as retryJobs,
  type Database,
  type JobStatus,
  type JobToSend,
  type Kysely,
  type RetrySummary,
} from '@bmx/db';
import type { ImageJobMessage } from '@bmx/images';
import { correlationAttributes } from '@bmx/lambda-kit';
import type { FastifyBaseLogger } from 'fastify';
import { describeAwsError } from '../errors';

export type { RetrySummary };

/** What {@link queueImageProcessing} did. */
export interface QueueResult {
  job_id: string;
  /** `queued`: new job, message sent. `queue_failed`: new job, send failed (the retry handler resends it). `existing`: a live job was already there. */
  outcome: 'queued' | 'queue_failed' | 'existing';
  status: JobStatus;
}

/** Who asked for a job: a Fastify request satisfies it (its correlation id is stored with the job and sent on). */
export interface JobRequester {
  correlationId: string;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

const messageOf = (job: Pick<JobToSend, 'id' | 'book_id' | 'source_image_id'>): ImageJobMessage => ({
  job_id: job.id,
  book_id: job.book_id,
  image_id: job.source_image_id,
});

/**
 * Asks the image processor to process one image. The job row is committed before the message is sent, so
 * the worker can always find it; a failed send leaves the job `queue_failed` for {@link retryQueueFailedJobs}.
 * No second job is created while one is pending, processing or waiting for a resend.
 */
export async function queueImageProcessing(
  db: Kysely<Database>,
  queue: QueueRef,
  bookId: number,
  imageId: number,
  requester: JobRequester,
): Promise<QueueResult> {
  const job = await createImageJob(db, { bookId, imageId, correlationId: requester.correlationId });
  const fields = { job_id: job.jobId, book_id: bookId, image_id: imageId };
  if (!job.created) {
    requester.log.info({ ...fields, status: job.status }, 'image job already live; not queued again');
    return { job_id: job.jobId, outcome: 'existing', status: job.status };
  }
  try {
    const message = messageOf({ id: job.jobId, book_id: bookId, source_image_id: imageId });
    await sendJsonMessage(queue, message, { profile: REQUEST_PATH_PROFILE, attributes: correlationAttributes(requester.correlationId) });
    requester.log.info(fields, 'image job queued');
    return { job_id: job.jobId, outcome: 'queued', status: 'pending' };
  } catch (error) {
    requester.log.warn({ ...fields, error: describeAwsError(error) }, 'image job not sent; the retry handler will resend it');
    await markJobQueueFailed(db, job.jobId, `SQS send failed: ${describeAwsError(error)}`);
    return { job_id: job.jobId, outcome: 'queue_failed', status: 'queue_failed' };
  }
}

/**
 * Resends `queue_failed` jobs and queues stuck ones again (@bmx/db's `retryQueueFailedJobs`), each message with its
 * job's correlation id, so the processor's lines still match the upload's.
 */
export function retryQueueFailedJobs(db: Kysely<Database>, options: { queue: QueueRef; staleAfterSeconds: number }): Promise<RetrySummary> {
  return retryJobs(db, {
    staleAfterSeconds: options.staleAfterSeconds,
    async send(jobs) {
      try {
        const attributes = (_body: unknown, index: number) => correlationAttributes(jobs[index]?.correlation_id ?? undefined);
        const result = await sendJsonMessages(options.queue, jobs.map(messageOf), { retries: 1, profile: REQUEST_PATH_PROFILE, attributes });
        return new Map(result.failed.map((f) => [f.index, `${f.code}: ${f.message}`]));
      } catch (error) {
        // The queue could not even be resolved: every entry failed the same way.
        throw new Error(describeAwsError(error));
      }
    },
  });
}
