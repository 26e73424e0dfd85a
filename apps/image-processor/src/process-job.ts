import {
  claimImageJob,
  completeImageJob,
  getImageJob,
  listGallery,
  processedSourceIds,
  recordImageJobFailure,
  type Database,
  type Kysely,
} from '@bmx/db';
import { errorFields, type Log, type MetricsSink } from '@bmx/lambda-kit';
import { imageObjectKey, makeThumbnail, thumbnailObjectKey, type ImageJobMessage } from '@bmx/images';
import { randomUUID } from 'node:crypto';
import { BACKGROUND_METHOD, ImageDecodeError, removeBackground, SubjectNotFoundError } from './background/remove-background';
import type { ProcessorConfig } from './config';
import { selectSourceImage } from './source-selection';
import { ObjectTooLargeError, type ImageStore } from './storage';
import { checkSourceImage } from './validate-image';

/** Largest source object downloaded: a 4096² PNG stays well under it. */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/** What a job needs from the outside world; built once per Lambda environment. */
export interface JobDependencies {
  db: Kysely<Database>;
  store: ImageStore;
  config: Pick<ProcessorConfig, 'jobStaleAfterSeconds' | 'maxImageDimension' | 'minSubjectPixels'>;
  log: Log;
  /** Where job counts and processing times go (published per invocation by `withMetrics`); none in most tests. */
  metrics?: Pick<MetricsSink, 'addMetric'>;
  /** Name generator for processed images; random UUIDs unless a test fixes it. */
  newId?: () => string;
}

/**
 * How a message was settled. Every outcome here deletes the message from the queue: the job row tells the story.
 * Anything worth retrying is thrown as {@link RetryableJobError} (or any other error) instead.
 */
export type JobOutcome =
  | { status: 'completed'; processedImageId: number; processedKey: string; sourceImageId: number }
  | { status: 'skipped'; reason: string }
  /** The source can never be processed (too large, undecodable, gone). */
  | { status: 'permanently_failed'; reason: string }
  /** The attempt failed on the image's content (no subject); the same image would fail the same way. */
  | { status: 'failed'; reason: string };

/** The message should come back later: unknown job, another delivery at work, or a transient error. */
export class RetryableJobError extends Error {
  override readonly name = 'RetryableJobError';
}

/** Processes one job message end to end. Resolves with how it was settled; throws when SQS should redeliver it. */
export async function processJob(message: ImageJobMessage, deps: JobDependencies): Promise<JobOutcome> {
  const { db, store, config, log } = deps;
  const fields = { jobId: message.job_id, bookId: message.book_id, imageId: message.image_id };

  const job = await getImageJob(db, message.job_id);
  // The API writes the row before it sends the message, so an unknown job is a bad message: retried, then dead-lettered.
  if (!job) throw new RetryableJobError(`job ${message.job_id} does not exist`);
  if (job.book_id !== message.book_id) throw new RetryableJobError(`job ${job.id} belongs to book ${job.book_id}, not ${message.book_id}`);
  if (job.status === 'completed') return { status: 'skipped', reason: 'job already completed' };
  if (job.status === 'permanently_failed') return { status: 'skipped', reason: `job permanently failed earlier: ${job.failure_reason ?? ''}` };

  const claimed = await claimImageJob(db, job.id, config.jobStaleAfterSeconds);
  if (!claimed) {
    const now = await getImageJob(db, job.id);
    if (now?.status === 'completed') return { status: 'skipped', reason: 'job already completed' };
    throw new RetryableJobError(`job ${job.id} is ${now?.status ?? 'gone'}; another delivery is working on it`);
  }
  if (job.status === 'processing') log.warn('taking over an abandoned job', { ...fields, lastUpdate: job.updated_at });

  const fail = async (status: 'failed' | 'permanently_failed', reason: string): Promise<JobOutcome> => {
    await recordImageJobFailure(db, job.id, status, reason);
    log.warn(status === 'failed' ? 'job failed on its image; not retried' : 'job permanently failed', { ...fields, reason });
    return { status, reason };
  };

  // What the job is doing, so a failure's reason names the part that failed (the database, the image storage, the
  // background removal) rather than leaving it to the error's own wording.
  let step: JobStep = 'reading the book from the database';
  try {
    const [images, done] = await Promise.all([listGallery(db, job.book_id), processedSourceIds(db, job.book_id)]);
    const selection = selectSourceImage(images, message.image_id, done);
    if (!selection) return await fail('permanently_failed', `source image ${message.image_id} no longer exists`);
    const source = selection.image;
    log.info('source image selected', { ...fields, sourceImageId: source.id, rule: selection.rule, imageType: source.image_type });

    let bytes: Buffer;
    step = 'reading the source image from the image storage (S3)';
    try {
      bytes = await store.get(imageObjectKey(source.s3_key), MAX_SOURCE_BYTES);
    } catch (error) {
      if (error instanceof ObjectTooLargeError) return await fail('permanently_failed', error.message);
      throw error;
    }
    const check = await checkSourceImage(bytes, config.maxImageDimension);
    if (!check.ok) return await fail('permanently_failed', check.reason);

    let result;
    step = 'removing the background';
    try {
      result = await removeBackground(bytes, { minSubjectPixels: config.minSubjectPixels });
    } catch (error) {
      const settled = removalFailure(error);
      if (settled) return await fail(settled.status, settled.reason);
      throw error;
    }
    step = 'making the thumbnail';
    const thumbnail = await makeThumbnail(result.png);

    const processedKey = `${job.book_id}_processed_${(deps.newId ?? randomUUID)()}.png`;
    step = 'writing the result to the image storage (S3)';
    await store.put(imageObjectKey(processedKey), result.png, 'image/png');
    await store.put(thumbnailObjectKey(processedKey), thumbnail, 'image/jpeg');

    step = 'recording the result in the database';
    const completion = await completeImageJob(db, {
      jobId: job.id,
      bookId: job.book_id,
      sourceImageId: source.id,
      processedKey,
      imageType: source.image_type,
      originalFilename: source.original_filename,
      modelUsed: BACKGROUND_METHOD,
    });
    if (!completion.recorded) {
      // Another delivery recorded its own result first: ours must not linger as an orphan object.
      await Promise.allSettled([store.delete(imageObjectKey(processedKey)), store.delete(thumbnailObjectKey(processedKey))]);
      return { status: 'skipped', reason: completion.reason };
    }
    log.info('job completed', { ...fields, sourceImageId: source.id, processedKey, stats: result.stats });
    return { status: 'completed', processedImageId: completion.processedImageId, processedKey, sourceImageId: source.id };
  } catch (error) {
    // Transient (S3, database) or unexpected: leave a trace on the job, then let SQS deliver the message again.
    await recordImageJobFailure(db, job.id, 'failed', attemptFailureReason(claimed.attempt_count, step, error)).catch(() => undefined);
    throw error;
  }
}

/** The part of a job at work when an attempt failed: the dependency or the processing step. */
export type JobStep =
  | 'reading the book from the database'
  | 'reading the source image from the image storage (S3)'
  | 'removing the background'
  | 'making the thumbnail'
  | 'writing the result to the image storage (S3)'
  | 'recording the result in the database';

/** The reason recorded on a job whose attempt failed and will be retried: the attempt, the step, the error. */
export function attemptFailureReason(attempt: number, step: JobStep, error: unknown): string {
  return `attempt ${attempt} failed while ${step}: ${errorFields(error).errorMessage}`;
}

/**
 * How a background-removal error settles the job: no subject fails the attempt for good (the same photo gives the
 * same answer), bytes that do not decode fail it permanently; undefined for anything else (a failure of the
 * removal itself, retried and recorded as such).
 */
export function removalFailure(error: unknown): { status: 'failed' | 'permanently_failed'; reason: string } | undefined {
  if (error instanceof SubjectNotFoundError) return { status: 'failed', reason: error.message };
  // The header read fine but the pixels do not (a truncated upload): no retry can fix the bytes.
  if (error instanceof ImageDecodeError) return { status: 'permanently_failed', reason: `image cannot be decoded: ${error.message}` };
  return undefined;
}
