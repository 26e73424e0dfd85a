import { sendJsonMessage, sendJsonMessages, type QueueRef } from '@bmx/aws-clients';
import { sql, type Database, type JobStatus, type Kysely } from '@bmx/db';
import type { ImageJobMessage } from '@bmx/images';
import { correlationAttributes } from '@bmx/lambda-kit';
import type { FastifyBaseLogger } from 'fastify';
import { describeAwsError, REQUEST_PATH_PROFILE } from '../errors';

/** Job states that block a new job for the same image: it is in flight, or waiting for the retry handler. */
const LIVE_STATUSES: JobStatus[] = ['pending', 'processing', 'queue_failed'];

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
  const existing = await findLiveJob(db, imageId);
  if (existing) {
    requester.log.info({ job_id: existing.id, book_id: bookId, image_id: imageId, status: existing.status }, 'image job already live; not queued again');
    return { job_id: existing.id, outcome: 'existing', status: existing.status };
  }

  const inserted = await db
    .insertInto('image_processing_jobs')
    .values({ book_id: bookId, source_image_id: imageId, correlation_id: requester.correlationId })
    // The partial unique index allows one pending-or-processing job per image; a concurrent caller may win.
    .onConflict((oc) => oc.column('source_image_id').where('status', 'in', ['pending', 'processing']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const winner = await findLiveJob(db, imageId);
    if (winner) return { job_id: winner.id, outcome: 'existing', status: winner.status };
    throw new Error(`could not create or find a processing job for image ${imageId}`);
  }

  const message: ImageJobMessage = { job_id: inserted.id, book_id: bookId, image_id: imageId };
  try {
    await sendJsonMessage(queue, message, { profile: REQUEST_PATH_PROFILE, attributes: correlationAttributes(requester.correlationId) });
    requester.log.info({ job_id: inserted.id, book_id: bookId, image_id: imageId }, 'image job queued');
    return { job_id: inserted.id, outcome: 'queued', status: 'pending' };
  } catch (error) {
    requester.log.warn({ job_id: inserted.id, book_id: bookId, image_id: imageId, error: describeAwsError(error) }, 'image job not sent; the retry handler will resend it');
    await db
      .updateTable('image_processing_jobs')
      .set({ status: 'queue_failed', failure_reason: `SQS send failed: ${describeAwsError(error)}`.slice(0, 1000), updated_at: sql`now()` })
      .where('id', '=', inserted.id)
      .execute();
    return { job_id: inserted.id, outcome: 'queue_failed', status: 'queue_failed' };
  }
}

async function findLiveJob(db: Kysely<Database>, imageId: number) {
  return db
    .selectFrom('image_processing_jobs')
    .select(['id', 'status'])
    .where('source_image_id', '=', imageId)
    .where('status', 'in', LIVE_STATUSES)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Options for {@link retryQueueFailedJobs}. */
export interface RetryOptions {
  queue: QueueRef;
  /** Jobs resent per run, oldest first. Default 50. */
  batchSize?: number;
  /** Failed resends after which a job is `permanently_failed`. Default 3. */
  maxResends?: number;
  /** Minutes after which a `processing` job is considered stuck and queued again. Default 30. */
  processingTimeoutMinutes?: number;
}

/** What one retry run did. */
export interface RetrySummary {
  /** Jobs stuck in `processing` past the timeout, now `queue_failed` again. */
  reset_stuck: number;
  /** Jobs resent and back to `pending`. */
  resent: number;
  /** Jobs whose resend failed and stay `queue_failed`. */
  still_failed: number;
  /** Jobs given up on after too many failed resends. */
  permanently_failed: number;
  /** Jobs dropped because another live job already exists for the image. */
  superseded: number;
}

/**
 * Resends the oldest `queue_failed` jobs. The rows stay locked (`FOR UPDATE SKIP LOCKED`) for the whole
 * batch, so two runs at once never send the same job twice; a job whose resend failed `maxResends` times
 * becomes `permanently_failed`. Jobs stuck in `processing` past the timeout are put back first, so a crashed
 * worker can never block an image for good.
 */
export async function retryQueueFailedJobs(db: Kysely<Database>, options: RetryOptions): Promise<RetrySummary> {
  const { queue, batchSize = 50, maxResends = 3, processingTimeoutMinutes = 30 } = options;
  const summary: RetrySummary = { reset_stuck: 0, resent: 0, still_failed: 0, permanently_failed: 0, superseded: 0 };

  const reset = await db
    .updateTable('image_processing_jobs')
    .set({
      status: 'queue_failed',
      failure_reason: `stuck in processing for more than ${processingTimeoutMinutes} minutes; queued again`,
      updated_at: sql`now()`,
    })
    .where('status', '=', 'processing')
    .where(sql<boolean>`updated_at < now() - make_interval(mins => ${processingTimeoutMinutes})`)
    .executeTakeFirst();
  summary.reset_stuck = Number(reset.numUpdatedRows);

  await db.transaction().execute(async (trx) => {
    const jobs = await trx
      .selectFrom('image_processing_jobs')
      .select(['id', 'book_id', 'source_image_id', 'queue_retry_count', 'correlation_id'])
      .where('status', '=', 'queue_failed')
      .orderBy('created_at')
      .limit(batchSize)
      .forUpdate()
      .skipLocked()
      .execute();
    if (jobs.length === 0) return;

    // A job whose image has another pending/processing job would break the one-live-job rule when resent.
    const busy = await trx
      .selectFrom('image_processing_jobs')
      .select(['source_image_id', 'id'])
      .where('source_image_id', 'in', jobs.map((j) => j.source_image_id))
      .where('status', 'in', ['pending', 'processing'])
      .execute();
    const busyImages = new Map(busy.map((b) => [b.source_image_id, b.id]));
    const superseded = jobs.filter((j) => busyImages.has(j.source_image_id));
    for (const job of superseded) {
      await trx
        .updateTable('image_processing_jobs')
        .set({ status: 'failed', failure_reason: `superseded by job ${busyImages.get(job.source_image_id)}`, updated_at: sql`now()` })
        .where('id', '=', job.id)
        .execute();
    }
    summary.superseded = superseded.length;

    const toSend = jobs.filter((j) => !busyImages.has(j.source_image_id));
    const bodies: ImageJobMessage[] = toSend.map((j) => ({ job_id: j.id, book_id: j.book_id, image_id: j.source_image_id }));
    let failedByIndex = new Map<number, string>();
    try {
      // Each resend keeps its job's correlation id, so the processor's lines still match the upload's.
      const attributes = (_body: unknown, index: number) => correlationAttributes(toSend[index]?.correlation_id ?? undefined);
      const result = await sendJsonMessages(queue, bodies, { retries: 1, profile: REQUEST_PATH_PROFILE, attributes });
      failedByIndex = new Map(result.failed.map((f) => [f.index, `${f.code}: ${f.message}`]));
    } catch (error) {
      // The queue could not even be resolved: every entry failed the same way.
      const reason = describeAwsError(error);
      failedByIndex = new Map(bodies.map((_, index) => [index, reason]));
    }

    for (const [index, job] of toSend.entries()) {
      const failure = failedByIndex.get(index);
      if (failure === undefined) {
        await trx
          .updateTable('image_processing_jobs')
          .set({ status: 'pending', failure_reason: null, updated_at: sql`now()` })
          .where('id', '=', job.id)
          .execute();
        summary.resent++;
        continue;
      }
      const attempts = job.queue_retry_count + 1;
      const givingUp = attempts >= maxResends;
      await trx
        .updateTable('image_processing_jobs')
        .set({
          status: givingUp ? 'permanently_failed' : 'queue_failed',
          queue_retry_count: attempts,
          failure_reason: `SQS resend ${attempts}/${maxResends} failed: ${failure}`.slice(0, 1000),
          updated_at: sql`now()`,
        })
        .where('id', '=', job.id)
        .execute();
      if (givingUp) summary.permanently_failed++;
      else summary.still_failed++;
    }
  });
  return summary;
}
