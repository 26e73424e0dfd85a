import { ensureQueue } from '@bmx/deploy';
import { sql } from '@bmx/db';
import { retryQueueFailedJobs } from '../../src/services/jobs';
import { drainQueue, makeImage, multipart, startTestApi, uniqueName, type TestApi } from './support';

describe('image-processing jobs: queue_failed and the retry handler', () => {
  let api: TestApi;
  let bookId: number;
  // A queue that does not exist yet: every send fails until the test creates it.
  const missingQueue = uniqueName('api-jobs-late');

  beforeAll(async () => {
    api = await startTestApi('jobs', { IMAGE_JOBS_QUEUE_NAME: missingQueue });
    bookId = (await api.test.db.insertInto('books').values({ title: 'Finnegans Wake' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => api.close());

  const retry = (key = api.keys.admin) =>
    api.app.inject({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed', headers: { 'x-api-key': key } });

  const newBookWithImage = async (seed: number) => {
    const book = (await api.test.db.insertInto('books').values({ title: `Book ${seed}` }).returning('id').executeTakeFirstOrThrow()).id;
    const body = multipart({ bytes: await makeImage('png', 60, 60, seed), filename: `${seed}.png` });
    const res = await api.app.inject({
      method: 'POST',
      url: `/api/v1/books/${book}/images`,
      headers: { 'x-api-key': api.keys.editor, ...body.headers },
      payload: body.payload,
    });
    return { book, res };
  };

  const jobOf = (id: string) => api.test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('keeps the job (committed first) as queue_failed when the send fails, and still answers 201', async () => {
    const body = multipart({ bytes: await makeImage('png', 80, 80, 1), filename: 'a.png' });
    const res = await api.app.inject({
      method: 'POST',
      url: `/api/v1/books/${bookId}/images`,
      headers: { 'x-api-key': api.keys.editor, ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().processing_job).toMatchObject({ outcome: 'queue_failed', status: 'queue_failed' });
    const job = await jobOf(res.json().processing_job.job_id);
    expect(job).toMatchObject({ status: 'queue_failed', queue_retry_count: 0, source_image_id: res.json().image.id });
    expect(job.failure_reason).toMatch(/SQS send failed/);
  });

  it('counts a failed resend and keeps the job queue_failed', async () => {
    const res = await retry();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resent: 0, still_failed: 1, permanently_failed: 0 });
    const [job] = await api.test.db.selectFrom('image_processing_jobs').selectAll().execute();
    expect(job).toMatchObject({ status: 'queue_failed', queue_retry_count: 1 });
    expect(job!.failure_reason).toMatch(/resend 1\/3 failed/);
  });

  it('resends once the queue exists: the job is pending and the message carries {job_id, book_id, image_id}', async () => {
    const queue = await ensureQueue({ name: missingQueue });
    const res = await retry();
    expect(res.json()).toMatchObject({ resent: 1, still_failed: 0 });
    const [job] = await api.test.db.selectFrom('image_processing_jobs').selectAll().execute();
    expect(job).toMatchObject({ status: 'pending', failure_reason: null });
    expect(await drainQueue(queue.url)).toEqual([{ job_id: job!.id, book_id: bookId, image_id: job!.source_image_id }]);
  });

  it('gives up after three failed resends (permanently_failed)', async () => {
    const broken = await api.variant({ IMAGE_JOBS_QUEUE_NAME: uniqueName('api-jobs-never') });
    const body = multipart({ bytes: await makeImage('png', 90, 90, 2), filename: 'b.png' });
    const book = (await api.test.db.insertInto('books').values({ title: 'Exiles' }).returning('id').executeTakeFirstOrThrow()).id;
    const created = await broken.inject({
      method: 'POST',
      url: `/api/v1/books/${book}/images`,
      headers: { 'x-api-key': api.keys.editor, ...body.headers },
      payload: body.payload,
    });
    const jobId = created.json().processing_job.job_id as string;
    const retryBroken = () => broken.inject({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed', headers: { 'x-api-key': api.keys.admin } });
    expect((await retryBroken()).json()).toMatchObject({ still_failed: 1 });
    expect((await retryBroken()).json()).toMatchObject({ still_failed: 1 });
    expect((await retryBroken()).json()).toMatchObject({ permanently_failed: 1 });
    expect(await jobOf(jobId)).toMatchObject({ status: 'permanently_failed', queue_retry_count: 3 });
    expect((await retryBroken()).json()).toMatchObject({ resent: 0, still_failed: 0, permanently_failed: 0 });
  });

  it('resets a job stuck in processing past the timeout and queues it again', async () => {
    const { res } = await newBookWithImage(3);
    const jobId = res.json().processing_job.job_id as string;
    await drainQueue((await ensureQueue({ name: missingQueue })).url);
    await api.test.db
      .updateTable('image_processing_jobs')
      .set({ status: 'processing', updated_at: sql`now() - interval '2 hours'` })
      .where('id', '=', jobId)
      .execute();
    const run = await retry();
    expect(run.json()).toMatchObject({ reset_stuck: 1, resent: 1 });
    expect(await jobOf(jobId)).toMatchObject({ status: 'pending' });
    const messages = (await drainQueue((await ensureQueue({ name: missingQueue })).url)) as { job_id: string }[];
    expect(messages.map((m) => m.job_id)).toEqual([jobId]);
  });

  it('never sends a job twice when two runs overlap (rows locked for the batch, SKIP LOCKED)', async () => {
    const ids: string[] = [];
    for (const seed of [10, 11, 12, 13, 14]) {
      const { res } = await newBookWithImage(seed);
      ids.push(res.json().processing_job.job_id);
    }
    const queueUrl = (await ensureQueue({ name: missingQueue })).url;
    await drainQueue(queueUrl);
    await api.test.db.updateTable('image_processing_jobs').set({ status: 'queue_failed' }).where('id', 'in', ids).execute();

    const [a, b] = await Promise.all([
      retryQueueFailedJobs(api.test.db, { queue: api.config.imageJobsQueue, staleAfterSeconds: api.config.jobStaleAfterSeconds }),
      retryQueueFailedJobs(api.test.db, { queue: api.config.imageJobsQueue, staleAfterSeconds: api.config.jobStaleAfterSeconds }),
    ]);
    expect(a.resent + b.resent).toBe(5);
    const messages = (await drainQueue(queueUrl)) as { job_id: string }[];
    expect(messages.map((m) => m.job_id).sort()).toEqual([...ids].sort());
  });

  it('is for admins only', async () => {
    expect((await retry(api.keys.editor)).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed' })).statusCode).toBe(401);
  });
});
