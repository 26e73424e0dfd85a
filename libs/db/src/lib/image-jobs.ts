// The life of an image-processing job, in one place: the API creates and resends jobs, the image processor claims,
// completes and fails them, and both agree on when a `processing` job is stuck because both ask this module.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { readInteger, type Env } from '@bmx/lambda-kit';
import { insertProcessedImage, lockGallery } from './gallery';
import type { Database, ImageProcessingJob, JobStatus } from './schema';

/**
 * The variable both the API (its retry handler) and the image processor read for {@link jobStaleAfterSeconds}: the
 * image-jobs queue's visibility timeout, in seconds.
 */
export const JOB_STALE_AFTER_VARIABLE = 'IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS';

/**
 * Default of {@link JOB_STALE_AFTER_VARIABLE}: the visibility timeout the image-jobs queue is deployed with
 * (apps/image-processor/lambda.deploy.json, checked by a test there). A worker has at most its Lambda timeout (300 s)
 * to finish, so a job with no sign of life for this long has no worker left, and its message is visible again.
 */
export const DEFAULT_JOB_STALE_AFTER_SECONDS = 1800;

/**
 * How long a `processing` job may go without a sign of life before it counts as stuck: the image processor may then
 * take it over, and the API's retry handler queues it again. One setting for both, read once at start-up; SQS caps
 * a visibility timeout at 12 hours.
 */
export function jobStaleAfterSeconds(env: Env): number {
  return readInteger(env, JOB_STALE_AFTER_VARIABLE, DEFAULT_JOB_STALE_AFTER_SECONDS, { min: 1, max: 43_200 });
}

/** The one definition of stuck: `processing`, and not updated for `staleAfterSeconds`. */
function stuckInProcessing(eb: ExpressionBuilder<Database, 'image_processing_jobs'>, staleAfterSeconds: number) {
  return eb.and([eb('status', '=', 'processing'), sql<boolean>`updated_at < now() - make_interval(secs => ${staleAfterSeconds})`]);
}

/** Job states that block a new job for the same image: it is in flight, or waiting for the retry handler. */
export const LIVE_JOB_STATUSES: readonly JobStatus[] = ['pending', 'processing', 'queue_failed'];

const REASON_LENGTH = 1000;

/** Reads a job; undefined when there is none with that id. */
export function getImageJob(db: Kysely<Database>, jobId: string): Promise<ImageProcessingJob | undefined> {
  return db.selectFrom('image_processing_jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
}

/** The image's newest live job, if any. */
export function findLiveImageJob(db: Kysely<Database>, imageId: number): Promise<Pick<ImageProcessingJob, 'id' | 'status'> | undefined> {
  return db
    .selectFrom('image_processing_jobs')
    .select(['id', 'status'])
    .where('source_image_id', '=', imageId)
    .where('status', 'in', LIVE_JOB_STATUSES)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** What {@link createImageJob} found or made. */
export interface CreatedJob {
  jobId: string;
  status: JobStatus;
  /** False when a live job for the image already existed (it is returned instead). */
  created: boolean;
}

/**
 * Creates a `pending` job for an image, unless one is already live ({@link LIVE_JOB_STATUSES}): then that one is
 * returned. Commit it before sending its message, so the processor can always find the job it is told about.
 */
export async function createImageJob(db: Kysely<Database>, input: { bookId: number; imageId: number; correlationId?: string | null }): Promise<CreatedJob> {
  const existing = await findLiveImageJob(db, input.imageId);
  if (existing) return { jobId: existing.id, status: existing.status, created: false };
  const inserted = await db
    .insertInto('image_processing_jobs')
    .values({ book_id: input.bookId, source_image_id: input.imageId, correlation_id: input.correlationId ?? null })
    // The partial unique index allows one pending-or-processing job per image; a concurrent caller may win.
    .onConflict((oc) => oc.column('source_image_id').where('status', 'in', ['pending', 'processing']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { jobId: inserted.id, status: 'pending', created: true };
  const winner = await findLiveImageJob(db, input.imageId);
  if (winner) return { jobId: winner.id, status: winner.status, created: false };
  throw new Error(`could not create or find a processing job for image ${input.imageId}`);
}

/** The job's message could not be sent: `queue_failed`, for {@link retryQueueFailedJobs} to resend. */
export async function markJobQueueFailed(db: Kysely<Database>, jobId: string, reason: string): Promise<void> {
  await db
    .updateTable('image_processing_jobs')
    .set({ status: 'queue_failed', failure_reason: reason.slice(0, REASON_LENGTH), updated_at: sql`now()` })
    .where('id', '=', jobId)
    .execute();
}

/** Jobs an operator may send again: they ended without a result. */
export const REQUEUEABLE_JOB_STATUSES: readonly JobStatus[] = ['failed', 'queue_failed', 'permanently_failed'];

/** {@link requeueImageJob} refused: no such job, a job that is not requeueable, or another live job for its image. */
export class JobNotRequeueableError extends Error {
  override readonly name = 'JobNotRequeueableError';
}

/**
 * Puts an ended job ({@link REQUEUEABLE_JOB_STATUSES}) back to `pending` with its attempts, resends and failure
 * cleared, and returns what its message needs (its correlation id kept). The caller sends it, and marks it
 * {@link markJobQueueFailed} when the send fails.
 */
export async function requeueImageJob(db: Kysely<Database>, jobId: string): Promise<JobToSend> {
  const job = await db.selectFrom('image_processing_jobs').select(['id', 'book_id', 'source_image_id', 'status', 'correlation_id']).where('id', '=', jobId).executeTakeFirst();
  if (!job) throw new JobNotRequeueableError(`no job ${jobId}`);
  if (!REQUEUEABLE_JOB_STATUSES.includes(job.status)) {
    throw new JobNotRequeueableError(`job ${jobId} is ${job.status}; only ${REQUEUEABLE_JOB_STATUSES.join(', ')} jobs are requeued`);
  }
  try {
    await db
      .updateTable('image_processing_jobs')
      .set({ status: 'pending', attempt_count: 0, queue_retry_count: 0, failure_reason: null, updated_at: sql`now()` })
      .where('id', '=', jobId)
      .where('status', 'in', REQUEUEABLE_JOB_STATUSES)
      .execute();
  } catch (error) {
    // The partial unique index: another job for the same image is pending or processing.
    if (/unique|duplicate/i.test((error as Error).message)) {
      throw new JobNotRequeueableError(`job ${jobId}: another job for image ${job.source_image_id} is already pending or processing`);
    }
    throw error;
  }
  return { id: job.id, book_id: job.book_id, source_image_id: job.source_image_id, correlation_id: job.correlation_id };
}

/** A job {@link retryQueueFailedJobs} hands to its `send`. */
export type JobToSend = Pick<ImageProcessingJob, 'id' | 'book_id' | 'source_image_id' | 'correlation_id'>;

/** Options for {@link retryQueueFailedJobs}. */
export interface RetryOptions {
  /**
   * Sends the jobs' messages; resolves with the reason of each failed one by its index in `jobs` (none: all sent).
   * A throw counts as every job failing with its message.
   */
  send: (jobs: JobToSend[]) => Promise<Map<number, string>>;
  /** See {@link jobStaleAfterSeconds}. */
  staleAfterSeconds: number;
  /** Jobs resent per run, oldest first. Default 50. */
  batchSize?: number;
  /** Failed resends after which a job is `permanently_failed`. Default 3. */
  maxResends?: number;
}

/** What one retry run did. */
export interface RetrySummary {
  /** Jobs stuck in `processing` ({@link jobStaleAfterSeconds}), now `queue_failed` again. */
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
 * Resends the oldest `queue_failed` jobs. The rows stay locked (`FOR UPDATE SKIP LOCKED`) for the whole batch, so
 * two runs at once never send the same job twice; a job whose resend failed `maxResends` times becomes
 * `permanently_failed`. Stuck jobs are put back first, so a crashed worker can never block an image for good.
 */
export async function retryQueueFailedJobs(db: Kysely<Database>, options: RetryOptions): Promise<RetrySummary> {
  const { send, staleAfterSeconds, batchSize = 50, maxResends = 3 } = options;
  const summary: RetrySummary = { reset_stuck: 0, resent: 0, still_failed: 0, permanently_failed: 0, superseded: 0 };

  const reset = await db
    .updateTable('image_processing_jobs')
    .set({ status: 'queue_failed', failure_reason: `stuck in processing for more than ${staleAfterSeconds} s; queued again`, updated_at: sql`now()` })
    .where((eb) => stuckInProcessing(eb, staleAfterSeconds))
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
    let failedByIndex: Map<number, string>;
    try {
      failedByIndex = toSend.length > 0 ? await send(toSend) : new Map();
    } catch (error) {
      const reason = (error as Error).message;
      failedByIndex = new Map(toSend.map((_, index) => [index, reason]));
    }

    for (const [index, job] of toSend.entries()) {
      const failure = failedByIndex.get(index);
      if (failure === undefined) {
        await trx.updateTable('image_processing_jobs').set({ status: 'pending', failure_reason: null, updated_at: sql`now()` }).where('id', '=', job.id).execute();
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
          failure_reason: `SQS resend ${attempts}/${maxResends} failed: ${failure}`.slice(0, REASON_LENGTH),
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

/**
 * Moves a job to `processing` and counts the attempt, in one statement so two deliveries cannot both win. A job
 * qualifies when it is waiting (`pending`, `queue_failed`), failed before (`failed`), or stuck ({@link
 * jobStaleAfterSeconds}): its worker crashed and SQS delivered the message again. Undefined when the job does not
 * qualify (done, permanently failed, or being processed right now).
 */
export function claimImageJob(db: Kysely<Database>, jobId: string, staleAfterSeconds: number): Promise<ImageProcessingJob | undefined> {
  return db
    .updateTable('image_processing_jobs')
    .set({ status: 'processing', attempt_count: sql`attempt_count + 1`, updated_at: sql`now()`, failure_reason: null })
    .where('id', '=', jobId)
    .where((eb) => eb.or([eb('status', 'in', ['pending', 'failed', 'queue_failed']), stuckInProcessing(eb, staleAfterSeconds)]))
    .returningAll()
    .executeTakeFirst();
}

/** Records a failed attempt; never overwrites a completed job (a concurrent delivery may have finished it). */
export async function recordImageJobFailure(db: Kysely<Database>, jobId: string, status: 'failed' | 'permanently_failed', reason: string): Promise<void> {
  await db
    .updateTable('image_processing_jobs')
    .set({ status, failure_reason: reason.slice(0, REASON_LENGTH), updated_at: sql`now()` })
    .where('id', '=', jobId)
    .where('status', '!=', 'completed')
    .execute();
}

/** Ids of the images the book's completed jobs were made from. */
export async function processedSourceIds(db: Kysely<Database>, bookId: number): Promise<Set<number>> {
  const rows = await db
    .selectFrom('image_processing_jobs')
    .select('source_image_id')
    .where('book_id', '=', bookId)
    .where('status', '=', 'completed')
    .execute();
  return new Set(rows.map((row) => row.source_image_id));
}

/** What to record for a finished job. */
export interface CompletedJob {
  jobId: string;
  bookId: number;
  /** The image that was processed; it moves to the end of the gallery and becomes the job's `source_image_id`. */
  sourceImageId: number;
  /** Key of the processed PNG, without the `books/` prefix. */
  processedKey: string;
  /** Carried over from the source (a processed cover is still a cover). */
  imageType: string | null;
  originalFilename: string | null;
  modelUsed: string;
}

/** What {@link completeImageJob} did. */
export type CompletionResult = { recorded: true; processedImageId: number } | { recorded: false; reason: string };

/**
 * Records a processed image in one transaction, holding the job's row lock until commit: the image goes to the front
 * of the gallery as its primary, the source last (gallery's `insertProcessedImage`), and the job is completed with
 * the source it was made from. If the job is already completed when the lock is granted (a duplicate delivery won),
 * nothing changes.
 */
export function completeImageJob(db: Kysely<Database>, input: CompletedJob): Promise<CompletionResult> {
  return db.transaction().execute(async (trx): Promise<CompletionResult> => {
    const job = await trx.selectFrom('image_processing_jobs').select(['status']).where('id', '=', input.jobId).forUpdate().executeTakeFirst();
    if (!job) return { recorded: false, reason: 'job no longer exists' };
    if (job.status === 'completed') return { recorded: false, reason: 'job was completed by another delivery' };
    if (!(await lockGallery(trx, input.bookId))) return { recorded: false, reason: 'book no longer exists' };

    const processedImageId = await insertProcessedImage(
      trx,
      input.bookId,
      {
        s3_key: input.processedKey,
        original_filename: input.originalFilename,
        // Left empty on purpose: the unique (book_id, content_hash) index is for de-duplicating uploads, and two jobs
        // on the same source legitimately produce identical bytes.
        content_hash: null,
        image_type: input.imageType,
        is_background_processed: true,
        caption: null,
      },
      input.sourceImageId,
    );
    await trx
      .updateTable('image_processing_jobs')
      .set({
        status: 'completed',
        // The image actually processed, which selection may have preferred over the requested one: later jobs of
        // the book then know it is done.
        source_image_id: input.sourceImageId,
        processed_image_id: processedImageId,
        model_used: input.modelUsed,
        failure_reason: null,
        completed_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', input.jobId)
      .execute();
    return { recorded: true, processedImageId };
  });
}
