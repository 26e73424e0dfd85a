// The job logic in-process, against the real PostgreSQL and the local S3: claiming, selection, the completion
// transaction, concurrency and failure handling. The Lambda-level behaviour is in lambda.spec.ts.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getS3Client, resetAwsClients } from '@bmx/aws-clients';
import { sql } from '@bmx/db';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { ensureBucket } from '@bmx/deploy';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { BACKGROUND_METHOD } from '../../src/background/remove-background';
import { silentLog } from '@bmx/lambda-kit';
import { processJob, RetryableJobError, type JobDependencies } from '../../src/process-job';
import { s3ImageStore, type ImageStore } from '../../src/storage';
import { blankImage, syntheticBookPhoto, toJpeg } from '../support/synthetic';
import { createJob, dropTestDatabase, seedBook } from '../support/seed';

const bucket = `imgproc-job-${randomUUID().slice(0, 8)}`;
const quiet = silentLog;
let test: TestDatabase;
let deps: JobDependencies;
let photo: Buffer;

beforeAll(async () => {
  resetAwsClients();
  test = await createTestDatabase('imgproc');
  await ensureBucket(bucket);
  deps = {
    db: test.db,
    store: s3ImageStore(bucket),
    config: { jobStaleAfterSeconds: 60, maxImageDimension: 4096, minSubjectPixels: 100 },
    log: quiet,
  };
  photo = await toJpeg(syntheticBookPhoto({ surface: 'wood' }));
});
afterAll(async () => {
  if (test) await dropTestDatabase(test);
  resetAwsClients();
});

const jobRow = (id: string) => test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const imagesOf = (bookId: number) =>
  test.db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).orderBy('display_order').execute();

describe('processJob', () => {
  it('processes the best source, writes PNG + thumbnail and renumbers the gallery in one go', async () => {
    const book = await seedBook(test.db, bucket, [
      { type: 'spine', bytes: photo, primary: true },
      { type: 'detail', bytes: photo },
      { type: 'title_page', bytes: photo },
    ]);
    // The message names the spine, but the title page ranks first.
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const outcome = await processJob({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id }, deps);
    expect(outcome).toMatchObject({ status: 'completed', sourceImageId: book.images[2]!.id });

    const job = await jobRow(jobId);
    expect(job).toMatchObject({ status: 'completed', model_used: BACKGROUND_METHOD, attempt_count: 1, failure_reason: null });
    expect(job.completed_at).toBeInstanceOf(Date);
    const gallery = await imagesOf(book.bookId);
    expect(gallery.map((i) => [i.id, i.display_order, i.is_primary])).toEqual([
      [job.processed_image_id, 0, true],
      [book.images[0]!.id, 1, false],
      [book.images[1]!.id, 2, false],
      [book.images[2]!.id, 3, false],
    ]);
    const processed = gallery[0]!;
    expect(processed).toMatchObject({ is_background_processed: true, image_type: 'title_page' });
    expect(processed.s3_key).toMatch(new RegExp(`^${book.bookId}_processed_[0-9a-f-]{36}\\.png$`));

    const png = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: `books/${processed.s3_key}` }));
    expect(png.ContentType).toBe('image/png');
    expect((await sharp(Buffer.from(await png.Body!.transformToByteArray())).metadata()).format).toBe('png');
    const thumbKey = `books/thumb_${processed.s3_key.replace(/\.png$/, '.jpg')}`;
    const thumb = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: thumbKey }));
    const meta = await sharp(Buffer.from(await thumb.Body!.transformToByteArray())).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(300);
  });

  it('processes each photo of a book once when every photo has its own job', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'spine', bytes: photo }, { type: 'cover', bytes: photo, primary: true }]);
    const spineJob = await createJob(test.db, book.bookId, book.images[0]!.id);
    const coverJob = await createJob(test.db, book.bookId, book.images[1]!.id);
    // The spine's job runs first but the cover ranks higher, so it processes the cover and records that.
    await expect(processJob({ job_id: spineJob, book_id: book.bookId, image_id: book.images[0]!.id }, deps)).resolves.toMatchObject({
      status: 'completed',
      sourceImageId: book.images[1]!.id,
    });
    expect((await jobRow(spineJob)).source_image_id).toBe(book.images[1]!.id);
    await expect(processJob({ job_id: coverJob, book_id: book.bookId, image_id: book.images[1]!.id }, deps)).resolves.toMatchObject({
      status: 'completed',
      sourceImageId: book.images[0]!.id,
    });
    expect((await imagesOf(book.bookId)).filter((i) => i.is_background_processed)).toHaveLength(2);
  });

  it('skips a completed job and changes nothing', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const message = { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id };
    await processJob(message, deps);
    await expect(processJob(message, deps)).resolves.toEqual({ status: 'skipped', reason: 'job already completed' });
    expect((await imagesOf(book.bookId)).filter((i) => i.is_background_processed)).toHaveLength(1);
  });

  it('produces one result when two deliveries of the same message race', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const message = { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id };
    const results = await Promise.allSettled([processJob(message, deps), processJob(message, deps)]);
    const completed = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'completed');
    expect(completed).toHaveLength(1);
    // The loser either saw the job completed or was told to come back later; both are safe.
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RetryableJobError);
    }
    expect((await imagesOf(book.bookId)).filter((i) => i.is_background_processed)).toHaveLength(1);
    const listed = await getS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `books/${book.bookId}_processed_` }));
    expect(listed.KeyCount).toBe(1);
  });

  it('leaves a job another delivery is working on, and takes over one abandoned for longer than the visibility timeout', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const busy = await createJob(test.db, book.bookId, book.images[0]!.id, { status: 'processing', abandonedSecondsAgo: 5 });
    const message = { job_id: busy, book_id: book.bookId, image_id: book.images[0]!.id };
    await expect(processJob(message, deps)).rejects.toThrow(RetryableJobError);
    expect(await jobRow(busy)).toMatchObject({ status: 'processing', attempt_count: 1 });

    await test.db.updateTable('image_processing_jobs').set({ updated_at: sql`now() - interval '1 hour'` }).where('id', '=', busy).execute();
    await expect(processJob(message, deps)).resolves.toMatchObject({ status: 'completed' });
    expect(await jobRow(busy)).toMatchObject({ status: 'completed', attempt_count: 2 });
  });

  it('fails an unknown job so SQS retries it (and eventually dead-letters it)', async () => {
    await expect(processJob({ job_id: randomUUID(), book_id: 1, image_id: 1 }, deps)).rejects.toThrow(/does not exist/);
  });

  it('marks a transient failure on the job and succeeds on the next delivery', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const message = { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id };
    const flaky: ImageStore = { ...deps.store, get: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' })) };
    await expect(processJob(message, { ...deps, store: flaky })).rejects.toThrow(/ECONNREFUSED/);
    expect(await jobRow(jobId)).toMatchObject({
      status: 'failed',
      failure_reason: 'attempt 1 failed while reading the source image from the image storage (S3): connect ECONNREFUSED',
    });
    await expect(processJob(message, deps)).resolves.toMatchObject({ status: 'completed' });
  });

  it('permanently fails an image over 4096 px a side, and an undecodable one, without retrying', async () => {
    const huge = await sharp({ create: { width: 4200, height: 60, channels: 3, background: '#808080' } }).png().toBuffer();
    const broken = Buffer.concat([photo.subarray(0, 200), Buffer.alloc(50)]);
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: huge }]);
    const other = await seedBook(test.db, bucket, [{ type: 'cover', bytes: broken }]);
    const hugeJob = await createJob(test.db, book.bookId, book.images[0]!.id);
    const brokenJob = await createJob(test.db, other.bookId, other.images[0]!.id);
    await expect(processJob({ job_id: hugeJob, book_id: book.bookId, image_id: book.images[0]!.id }, deps)).resolves.toEqual({
      status: 'permanently_failed',
      reason: 'image is 4200×60 px; the limit is 4096 px a side',
    });
    await expect(processJob({ job_id: brokenJob, book_id: other.bookId, image_id: other.images[0]!.id }, deps)).resolves.toMatchObject({
      status: 'permanently_failed',
      reason: expect.stringContaining('cannot be decoded'),
    });
    expect(await jobRow(hugeJob)).toMatchObject({ status: 'permanently_failed', failure_reason: expect.stringContaining('4096') });
    // A later delivery of the same message does nothing.
    await expect(processJob({ job_id: hugeJob, book_id: book.bookId, image_id: book.images[0]!.id }, deps)).resolves.toMatchObject({ status: 'skipped' });
  });

  it('fails the attempt without retry when the photo has no subject', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: await blankImage(500, 400, '#dddddd', 'jpeg') }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    await expect(processJob({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id }, deps)).resolves.toMatchObject({ status: 'failed' });
    expect(await jobRow(jobId)).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('no subject') });
    expect(await imagesOf(book.bookId)).toHaveLength(1);
  });

  it('reads a source whose stored key already carries the books/ prefix', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    await test.db.updateTable('book_images').set({ s3_key: `books/${book.images[0]!.key}` }).where('id', '=', book.images[0]!.id).execute();
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    await expect(processJob({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id }, deps)).resolves.toMatchObject({ status: 'completed' });
  });

  it('permanently fails when the source image is gone', async () => {
    const book = await seedBook(test.db, bucket, [{ type: null, bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    await expect(processJob({ job_id: jobId, book_id: book.bookId, image_id: 999_999 }, deps)).resolves.toMatchObject({
      status: 'permanently_failed',
      reason: 'source image 999999 no longer exists',
    });
  });
});
