// Rows and objects the e2e tests start from.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';
import { sql, type Database, type Kysely } from '@bmx/db';
import { imageObjectKey } from '@bmx/images';
import { waitFor as sharedWaitFor } from '@bmx/local-aws';
import { randomUUID } from 'node:crypto';

/** One image of a seeded book. */
export interface SeedImage {
  type: string | null;
  /** Bytes uploaded to `books/{key}`; no upload when absent. */
  bytes?: Buffer;
  primary?: boolean;
  processed?: boolean;
}

/** A seeded book: its id and its images' ids and keys, in the order given. */
export interface SeededBook {
  bookId: number;
  images: Array<{ id: number; key: string }>;
}

/** Inserts a book and its images (display order = position), uploading the bytes given. */
export async function seedBook(db: Kysely<Database>, bucket: string, images: SeedImage[]): Promise<SeededBook> {
  const book = await db.insertInto('books').values({ title: `Book ${randomUUID().slice(0, 6)}`, author: 'Anon' }).returning('id').executeTakeFirstOrThrow();
  const out: SeededBook['images'] = [];
  for (const [index, image] of images.entries()) {
    const key = `${book.id}_${randomUUID()}.jpg`;
    if (image.bytes) {
      await getS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: imageObjectKey(key), Body: image.bytes, ContentType: 'image/jpeg' }));
    }
    const row = await db
      .insertInto('book_images')
      .values({
        book_id: book.id,
        s3_key: key,
        original_filename: `photo-${index}.jpg`,
        content_hash: randomUUID(),
        image_type: image.type,
        display_order: index,
        is_primary: image.primary ?? false,
        is_background_processed: image.processed ?? false,
        caption: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    out.push({ id: row.id, key });
  }
  return { bookId: book.id, images: out };
}

/** Creates a job row for a source image; `abandonedSecondsAgo` makes it look like a crashed worker's. */
export async function createJob(
  db: Kysely<Database>,
  bookId: number,
  imageId: number,
  options: { status?: 'pending' | 'processing' | 'failed'; abandonedSecondsAgo?: number } = {},
): Promise<string> {
  const row = await db
    .insertInto('image_processing_jobs')
    .values({
      book_id: bookId,
      source_image_id: imageId,
      status: options.status ?? 'pending',
      attempt_count: options.status === 'processing' ? 1 : 0,
      updated_at: options.abandonedSecondsAgo ? sql`now() - make_interval(secs => ${options.abandonedSecondsAgo})` : sql`now()`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs` (the shared helper of @bmx/local-aws). */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  return sharedWaitFor(what, probe, { timeoutMs, everyMs });
}

/**
 * Drops a test database safely. pg's `Pool.end()` resolves before its sockets close, and `drop()` uses
 * `DROP DATABASE … WITH (FORCE)`: the server's "terminating connection" notice can then reach a pooled client whose
 * pool has no 'error' listener, which crashes the test file. Closing first and letting the sockets finish avoids that.
 */
export async function dropTestDatabase(test: { db: { destroy(): Promise<void> }; drop(): Promise<void> }): Promise<void> {
  await test.db.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await test.drop();
}
