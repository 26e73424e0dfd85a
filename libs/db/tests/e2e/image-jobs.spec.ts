// The job lifecycle and the gallery rules against the real PostgreSQL server: what the API and the image processor
// both rely on, tested once here instead of through each app.
import {
  appendImage,
  claimImageJob,
  completeImageJob,
  createImageJob,
  ForeignImagesError,
  galleryImage,
  galleryImageByHash,
  galleryImageByKey,
  getImageJob,
  listGallery,
  markJobQueueFailed,
  primaryImage,
  recordImageJobFailure,
  requeueImageJob,
  removeGalleryImage,
  reorderGallery,
  retryQueueFailedJobs,
  sql,
  updateGalleryImage,
  type JobToSend,
} from '../../src';
import { createTestDatabase, type TestDatabase } from '../../src/testing';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase('db_image_jobs');
});
afterAll(() => test.drop());

let seed = 0;
const newBook = async () => (await test.db.insertInto('books').values({ title: `Book ${++seed}` }).returning('id').executeTakeFirstOrThrow()).id;
const upload = (bookId: number, fields: { image_type?: string; primary?: boolean } = {}) =>
  appendImage(test.db, bookId, { s3_key: `${bookId}-${++seed}.jpg`, original_filename: null, content_hash: `h${seed}`, image_type: fields.image_type ?? null, caption: null }, { primary: fields.primary });
const gallery = async (bookId: number) => (await listGallery(test.db, bookId)).map((image) => ({ id: image.id, order: image.display_order, primary: image.is_primary }));
const ageJob = (jobId: string, seconds: number) =>
  test.db.updateTable('image_processing_jobs').set({ updated_at: sql`now() - make_interval(secs => ${seconds})` }).where('id', '=', jobId).execute();

describe('gallery', () => {
  it('appends uploads in order; the first, or one asked to be, is the only primary', async () => {
    const book = await newBook();
    const a = await upload(book);
    const b = await upload(book);
    const c = await upload(book, { primary: true });
    expect(await gallery(book)).toEqual([
      { id: a.id, order: 0, primary: false },
      { id: b.id, order: 1, primary: false },
      { id: c.id, order: 2, primary: true },
    ]);
  });

  it('serialises concurrent uploads of one book: distinct positions, one primary', async () => {
    const book = await newBook();
    await Promise.all(Array.from({ length: 6 }, () => upload(book, { primary: true })));
    const images = await gallery(book);
    expect(images.map((i) => i.order)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(images.filter((i) => i.primary)).toHaveLength(1);
  });

  it('reorders (unlisted images after the listed ones), makes the first primary and says when that changed', async () => {
    const book = await newBook();
    const [a, b, c] = [await upload(book), await upload(book), await upload(book)];
    expect(await reorderGallery(test.db, book, [c.id])).toEqual({ newPrimaryId: c.id });
    expect(await gallery(book)).toEqual([
      { id: c.id, order: 0, primary: true },
      { id: a.id, order: 1, primary: false },
      { id: b.id, order: 2, primary: false },
    ]);
    expect(await reorderGallery(test.db, book, [c.id, b.id])).toEqual({});
    const other = await upload(await newBook());
    await expect(reorderGallery(test.db, book, [other.id])).rejects.toThrow(ForeignImagesError);
  });

  it('changes details in place and moves the primary; a removed primary hands over to the first remaining image', async () => {
    const book = await newBook();
    const [a, b] = [await upload(book), await upload(book)];
    expect(await updateGalleryImage(test.db, book, b.id, { caption: 'spine' }, { primary: true })).toEqual({ newPrimaryId: b.id });
    expect(await primaryImage(test.db, book)).toMatchObject({ id: b.id, caption: 'spine' });
    expect(await updateGalleryImage(test.db, book, b.id, {}, { primary: true })).toEqual({});
    expect(await removeGalleryImage(test.db, book, b.id)).toEqual({ newPrimaryId: a.id });
    expect(await removeGalleryImage(test.db, book, a.id)).toEqual({});
    expect(await gallery(book)).toEqual([]);
  });

  it("finds a book's image by its id, key or content hash, and not another book's", async () => {
    const [book, other] = [await newBook(), await newBook()];
    const image = await upload(book);
    expect(await galleryImageByKey(test.db, book, image.s3_key)).toEqual(image);
    expect(await galleryImageByKey(test.db, other, image.s3_key)).toBeUndefined();
    expect(await galleryImageByKey(test.db, book, `${book}-nothing.jpg`)).toBeUndefined();
    expect(await galleryImage(test.db, book, image.id)).toEqual(image);
    expect(await galleryImage(test.db, other, image.id)).toBeUndefined();
    expect(await galleryImageByHash(test.db, book, image.content_hash as string)).toEqual(image);
    expect(await galleryImageByHash(test.db, other, image.content_hash as string)).toBeUndefined();
    expect(await galleryImageByHash(test.db, book, 'no-such-hash')).toBeUndefined();
  });
});

describe('image jobs', () => {
  it('creates one live job per image and returns it to later callers, concurrent ones too', async () => {
    const book = await newBook();
    const image = await upload(book);
    const results = await Promise.all(Array.from({ length: 4 }, () => createImageJob(test.db, { bookId: book, imageId: image.id, correlationId: 'c-1' })));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await markJobQueueFailed(test.db, results[0]!.jobId, 'SQS send failed: x');
    // queue_failed is still live: no second job.
    expect(await createImageJob(test.db, { bookId: book, imageId: image.id })).toEqual({ jobId: results[0]!.jobId, status: 'queue_failed', created: false });
    // Out of the way of the retry tests below, which resend every queue_failed job of the database.
    await test.db.updateTable('image_processing_jobs').set({ status: 'completed' }).where('id', '=', results[0]!.jobId).execute();
  });

  it('claims a waiting job once, and a processing one only after it went stale', async () => {
    const book = await newBook();
    const image = await upload(book);
    const { jobId } = await createImageJob(test.db, { bookId: book, imageId: image.id });
    const [first, second] = await Promise.all([claimImageJob(test.db, jobId, 60), claimImageJob(test.db, jobId, 60)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await claimImageJob(test.db, jobId, 60)).toBeUndefined();
    await ageJob(jobId, 61);
    expect(await claimImageJob(test.db, jobId, 60)).toMatchObject({ status: 'processing', attempt_count: 2 });
  });

  it('resets only stale processing jobs, resends queue_failed ones, counts failed resends and gives up after the last', async () => {
    const book = await newBook();
    const [fresh, stale, failing] = [await upload(book), await upload(book), await upload(book)];
    const freshJob = (await createImageJob(test.db, { bookId: book, imageId: fresh.id })).jobId;
    const staleJob = (await createImageJob(test.db, { bookId: book, imageId: stale.id })).jobId;
    const failingJob = (await createImageJob(test.db, { bookId: book, imageId: failing.id })).jobId;
    await claimImageJob(test.db, freshJob, 60);
    await claimImageJob(test.db, staleJob, 60);
    await ageJob(staleJob, 120);
    await markJobQueueFailed(test.db, failingJob, 'SQS send failed: x');

    const sent: JobToSend[][] = [];
    const send = async (jobs: JobToSend[]) => {
      sent.push(jobs);
      return new Map(jobs.flatMap((job, index) => (job.id === failingJob ? [[index, 'QueueDoesNotExist: gone'] as const] : [])));
    };
    const first = await retryQueueFailedJobs(test.db, { send, staleAfterSeconds: 60, maxResends: 2 });
    expect(first).toEqual({ reset_stuck: 1, resent: 1, still_failed: 1, permanently_failed: 0, superseded: 0 });
    expect(sent[0]!.map((job) => job.id).sort()).toEqual([staleJob, failingJob].sort());
    expect(await getImageJob(test.db, freshJob)).toMatchObject({ status: 'processing' });
    expect(await getImageJob(test.db, staleJob)).toMatchObject({ status: 'pending', failure_reason: null });

    const second = await retryQueueFailedJobs(test.db, { send, staleAfterSeconds: 60, maxResends: 2 });
    expect(second).toMatchObject({ resent: 0, permanently_failed: 1 });
    expect((await getImageJob(test.db, failingJob))?.failure_reason).toBe('SQS resend 2/2 failed: QueueDoesNotExist: gone');
  });

  it('records a send that throws as a failure of every job, and supersedes a job whose image has another live one', async () => {
    const book = await newBook();
    const image = await upload(book);
    const old = (await createImageJob(test.db, { bookId: book, imageId: image.id })).jobId;
    await markJobQueueFailed(test.db, old, 'SQS send failed: x');
    await test.db.updateTable('image_processing_jobs').set({ status: 'failed' }).where('id', '=', old).execute();
    const live = (await createImageJob(test.db, { bookId: book, imageId: image.id })).jobId;
    await test.db.updateTable('image_processing_jobs').set({ status: 'queue_failed' }).where('id', '=', old).execute();
    const other = await upload(book);
    const lone = (await createImageJob(test.db, { bookId: book, imageId: other.id })).jobId;
    await markJobQueueFailed(test.db, lone, 'SQS send failed: x');

    const summary = await retryQueueFailedJobs(test.db, {
      staleAfterSeconds: 60,
      send: async () => {
        throw new Error('SQS: endpoint unreachable');
      },
    });
    expect(summary).toMatchObject({ superseded: 1, still_failed: 1, resent: 0 });
    expect(await getImageJob(test.db, old)).toMatchObject({ status: 'failed', failure_reason: `superseded by job ${live}` });
    expect(await getImageJob(test.db, lone)).toMatchObject({ status: 'queue_failed', failure_reason: 'SQS resend 1/3 failed: SQS: endpoint unreachable' });
  });

  it('completes a job once: the result first and primary, the source last; a failure never overwrites completion', async () => {
    const book = await newBook();
    const [cover, source, spine] = [await upload(book), await upload(book, { image_type: 'title_page' }), await upload(book)];
    const { jobId } = await createImageJob(test.db, { bookId: book, imageId: cover.id });
    await claimImageJob(test.db, jobId, 60);
    const input = { jobId, bookId: book, sourceImageId: source.id, processedKey: `${book}_processed_x.png`, imageType: 'title_page', originalFilename: null, modelUsed: 'test' };
    const [a, b] = await Promise.all([completeImageJob(test.db, input), completeImageJob(test.db, { ...input, processedKey: `${book}_processed_y.png` })]);
    const recorded = [a, b].filter((r) => r.recorded);
    expect(recorded).toHaveLength(1);
    expect([a, b].find((r) => !r.recorded)).toEqual({ recorded: false, reason: 'job was completed by another delivery' });
    const processedId = (recorded[0] as { processedImageId: number }).processedImageId;
    expect(await gallery(book)).toEqual([
      { id: processedId, order: 0, primary: true },
      { id: cover.id, order: 1, primary: false },
      { id: spine.id, order: 2, primary: false },
      { id: source.id, order: 3, primary: false },
    ]);
    expect(await getImageJob(test.db, jobId)).toMatchObject({ status: 'completed', source_image_id: source.id, processed_image_id: processedId });
    await recordImageJobFailure(test.db, jobId, 'failed', 'late failure');
    expect(await getImageJob(test.db, jobId)).toMatchObject({ status: 'completed' });
  });

  it('requeues an ended job with its counters cleared, and refuses a live one or one whose image has another live job', async () => {
    const book = await newBook();
    const image = await upload(book);
    const { jobId } = await createImageJob(test.db, { bookId: book, imageId: image.id, correlationId: 'c-9' });
    await expect(requeueImageJob(test.db, jobId)).rejects.toThrow(`job ${jobId} is pending; only failed, queue_failed, permanently_failed jobs are requeued`);
    await claimImageJob(test.db, jobId, 60);
    await recordImageJobFailure(test.db, jobId, 'permanently_failed', 'too large');
    expect(await requeueImageJob(test.db, jobId)).toEqual({ id: jobId, book_id: book, source_image_id: image.id, correlation_id: 'c-9' });
    expect(await getImageJob(test.db, jobId)).toMatchObject({ status: 'pending', attempt_count: 0, failure_reason: null });
    await recordImageJobFailure(test.db, jobId, 'failed', 'no subject');
    const other = (await createImageJob(test.db, { bookId: book, imageId: image.id })).jobId;
    await expect(requeueImageJob(test.db, jobId)).rejects.toThrow(`another job for image ${image.id} is already pending or processing`);
    await test.db.updateTable('image_processing_jobs').set({ status: 'completed' }).where('id', '=', other).execute();
  });
});
