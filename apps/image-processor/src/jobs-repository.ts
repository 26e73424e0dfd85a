import { sql, type BookImage, type Database, type ImageProcessingJob, type Kysely } from '@bmx/db';
import { renumberAfterInsert } from './source-selection';

/** Reads a job; undefined when there is none with that id. */
export function getJob(db: Kysely<Database>, jobId: string): Promise<ImageProcessingJob | undefined> {
  return db.selectFrom('image_processing_jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
}

/**
 * Moves a job to `processing` and counts the attempt, in one statement so two deliveries cannot both win.
 * A job qualifies when it is waiting (`pending`, `queue_failed`), failed before (`failed`), or `processing` with no
 * sign of life for `staleAfterSeconds`: its worker crashed and SQS delivered the message again.
 * Undefined when the job does not qualify (done, permanently failed, or being processed right now).
 */
export function claimJob(db: Kysely<Database>, jobId: string, staleAfterSeconds: number): Promise<ImageProcessingJob | undefined> {
  return db
    .updateTable('image_processing_jobs')
    .set({ status: 'processing', attempt_count: sql`attempt_count + 1`, updated_at: sql`now()`, failure_reason: null })
    .where('id', '=', jobId)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['pending', 'failed', 'queue_failed']),
        eb.and([eb('status', '=', 'processing'), sql<boolean>`updated_at < now() - make_interval(secs => ${staleAfterSeconds})`]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Records a failed attempt; never overwrites a completed job (a concurrent delivery may have finished it). */
export async function recordFailure(db: Kysely<Database>, jobId: string, status: 'failed' | 'permanently_failed', reason: string): Promise<void> {
  await db
    .updateTable('image_processing_jobs')
    .set({ status, failure_reason: reason.slice(0, 1000), updated_at: sql`now()` })
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

/** The book's images, in display order. */
export function listBookImages(db: Kysely<Database>, bookId: number): Promise<BookImage[]> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).orderBy('display_order').orderBy('id').execute();
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

/** What {@link completeJob} did. */
export type CompletionResult = { recorded: true; processedImageId: number } | { recorded: false; reason: string };

/**
 * Records a processed image in one transaction, holding the job's row lock until commit: insert the image as the
 * primary at position 0, number the others 1..n with the source last, clear the other primaries, and mark the job
 * completed with the source it was made from. If the job is already completed when the lock is granted (a duplicate delivery won), nothing changes.
 */
export async function completeJob(db: Kysely<Database>, input: CompletedJob): Promise<CompletionResult> {
  return db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom('image_processing_jobs').select(['status']).where('id', '=', input.jobId).forUpdate().executeTakeFirst();
    if (!job) return { recorded: false, reason: 'job no longer exists' };
    if (job.status === 'completed') return { recorded: false, reason: 'job was completed by another delivery' };
    // Serialises gallery changes of one book: two jobs of the same book would otherwise interleave their numbering.
    const book = await trx.selectFrom('books').select('id').where('id', '=', input.bookId).forUpdate().executeTakeFirst();
    if (!book) return { recorded: false, reason: 'book no longer exists' };

    const existing = await trx.selectFrom('book_images').select(['id', 'display_order']).where('book_id', '=', input.bookId).execute();
    const inserted = await trx
      .insertInto('book_images')
      .values({
        book_id: input.bookId,
        s3_key: input.processedKey,
        original_filename: input.originalFilename,
        // Left empty on purpose: the unique (book_id, content_hash) index is for de-duplicating uploads, and two jobs
        // on the same source legitimately produce identical bytes.
        content_hash: null,
        image_type: input.imageType,
        display_order: 0,
        is_primary: true,
        is_background_processed: true,
        caption: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [imageId, order] of renumberAfterInsert(existing, input.sourceImageId)) {
      await trx.updateTable('book_images').set({ display_order: order, is_primary: false }).where('id', '=', imageId).execute();
    }
    await trx
      .updateTable('image_processing_jobs')
      .set({
        status: 'completed',
        // The image actually processed, which selection may have preferred over the requested one: later jobs of
        // the book then know it is done.
        source_image_id: input.sourceImageId,
        processed_image_id: inserted.id,
        model_used: input.modelUsed,
        failure_reason: null,
        completed_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', input.jobId)
      .execute();
    return { recorded: true, processedImageId: inserted.id };
  });
}
