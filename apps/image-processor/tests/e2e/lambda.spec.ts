// The handler as `nx bundle` ships it (bundleApp: the pinned aws-clients inlined, sharp beside it), deployed from the
// app's synthesized stack to the local Lambda server (deployForTest), fed by the stack's SQS queue through its
// event-source mapping on `live` with ReportBatchItemFailures, writing to the local S3 and a real PostgreSQL database
// it reads its credentials for by DATABASE_SECRET_ARN.
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getLambdaClient, getS3Client, getSqsClient, invokeJson, resetAwsClients, sendJsonMessage } from '@bmx/aws-clients';
import { databaseSecretFromUrl } from '@bmx/db';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { ensureBucket } from '@bmx/deploy';
import { deployForTest, type TestDeployment } from '@bmx/deploy/testing';
import { collectMessages, queueDepth, waitFor } from '@bmx/local-aws';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { BACKGROUND_METHOD } from '../../src/background/remove-background';
import { syntheticBookPhoto, toJpeg } from '../support/synthetic';
import { createJob, dropTestDatabase, seedBook } from '../support/seed';

jest.setTimeout(120_000);

const suffix = randomUUID().slice(0, 8);
const bucket = `imgproc-fn-${suffix}`;
/** Short, so retries and the dead-letter queue happen within a test (the stack's queue waits 30 minutes). */
const VISIBILITY_TIMEOUT = 4;

let test: TestDatabase;
let queue: { url: string; arn: string; dlqUrl: string };
let functionName: string;
let processor: TestDeployment | undefined;
let photo: Buffer;

beforeAll(async () => {
  resetAwsClients();
  test = await createTestDatabase('imgproc_fn');
  await ensureBucket(bucket);
  processor = await deployForTest({
    app: 'image-processor',
    overrides: { processor: { environment: { IMAGES_BUCKET: bucket, IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY_TIMEOUT) } } },
    secrets: { database: databaseSecretFromUrl(test.url) },
  });
  functionName = processor.functionName('processor');
  queue = await processor.triggerQueue('processor');
  await getSqsClient().send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT) } }));
  photo = await toJpeg(syntheticBookPhoto({ surface: 'noisy', cover: [30, 60, 120] }));
}, 240_000);

afterAll(async () => {
  await processor?.remove();
  if (test) await dropTestDatabase(test);
  resetAwsClients();
});

const jobRow = (id: string) => test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const waitForStatus = (id: string, status: string) =>
  waitFor(`job ${id} to be ${status}`, async () => {
    const job = await jobRow(id);
    return job.status === status ? job : undefined;
  });
const imagesOf = (bookId: number) =>
  test.db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).orderBy('display_order').execute();

async function objectBytes(key: string): Promise<Buffer> {
  const out = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Waits until no message of the main queue is waiting or in flight. */
const queueDrained = () =>
  waitFor('the queue to drain', async () => (await queueDepth(queue.url)) === 0, { timeoutMs: 60_000 });

describe('image-processor Lambda behind SQS', () => {
  it('answers the smoke test once the database answers', async () => {
    await expect(invokeJson(functionName, { smoke_test: true })).resolves.toEqual({ smoke_test: 'ok' });
  });

  it('fails the smoke test when the database refuses it, so the deploy gives it no live alias', async () => {
    const wrongDatabase = new URL(test.url);
    wrongDatabase.pathname = `/no_such_db_${suffix.replace(/-/g, '_')}`;
    const deployed = await deployForTest({
      app: 'image-processor',
      overrides: { processor: { environment: { IMAGES_BUCKET: bucket } } },
      secrets: { database: databaseSecretFromUrl(wrongDatabase.toString()) },
      requireSmokeTests: false,
    });
    try {
      const [result] = deployed.results.flatMap((stack) => stack.functions);
      expect(result).toMatchObject({ smokeTest: 'failed', error: expect.stringMatching(/no_such_db/) });
      const broken = deployed.functionName('processor');
      await expect(getLambdaClient().send(new GetAliasCommand({ FunctionName: broken, Name: 'live' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(invokeJson(broken, { smoke_test: true })).rejects.toMatchObject({ name: 'LambdaFunctionError', message: expect.stringMatching(/no_such_db/) });
    } finally {
      await deployed.remove();
    }
  }, 240_000);

  it('happy path: a processed PNG and a JPEG thumbnail appear, the gallery is renumbered', async () => {
    const book = await seedBook(test.db, bucket, [
      { type: 'cover', bytes: photo, primary: true },
      { type: 'spine', bytes: photo },
      { type: 'detail', bytes: photo },
    ]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    await sendJsonMessage({ url: queue.url }, { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id });

    const job = await waitForStatus(jobId, 'completed');
    expect(job).toMatchObject({ model_used: BACKGROUND_METHOD, attempt_count: 1 });
    expect(job.completed_at).toBeInstanceOf(Date);
    const gallery = await imagesOf(book.bookId);
    expect(gallery.map((i) => [i.id, i.display_order, i.is_primary, i.is_background_processed])).toEqual([
      [job.processed_image_id, 0, true, true],
      [book.images[1]!.id, 1, false, false],
      [book.images[2]!.id, 2, false, false],
      [book.images[0]!.id, 3, false, false],
    ]);
    const key = gallery[0]!.s3_key;
    expect(key).toMatch(new RegExp(`^${book.bookId}_processed_[0-9a-f-]{36}\\.png$`));
    const png = await sharp(await objectBytes(`books/${key}`)).metadata();
    expect(png.format).toBe('png');
    const thumb = await sharp(await objectBytes(`books/thumb_${key.replace(/\.png$/, '.jpg')}`)).metadata();
    expect(thumb.format).toBe('jpeg');
    // Fits in 300×300 and is never enlarged.
    expect(Math.max(thumb.width!, thumb.height!)).toBe(Math.min(300, Math.max(png.width!, png.height!)));
  });

  it('reports only the malformed record of a mixed batch (direct invoke with a crafted SQS event)', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const record = (messageId: string, body: string) => ({ messageId, receiptHandle: 'r', body, attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs' });
    const result = await invokeJson(functionName, {
      Records: [
        record('good-1', JSON.stringify({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id })),
        record('bad-json', '{"job_id": '),
        record('bad-type', JSON.stringify({ job_id: jobId, book_id: 'seven', image_id: 1 })),
      ],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-json' }, { itemIdentifier: 'bad-type' }] });
    expect((await jobRow(jobId)).status).toBe('completed');
  });

  it('a poison message in a mixed batch goes to the DLQ after 3 receives; its neighbour completes', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'binding', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const poison = `not json ${suffix}`;
    await getSqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'good', MessageBody: JSON.stringify({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id }) },
          { Id: 'poison', MessageBody: poison },
        ],
      }),
    );
    await waitForStatus(jobId, 'completed');
    const started = Date.now();
    const dead = await collectMessages(queue.dlqUrl, [poison], { timeoutMs: 60_000 });
    expect(dead.get(poison)).toBeGreaterThanOrEqual(3);
    // Three receives means two visibility timeouts passed after the first failure.
    expect(Date.now() - started).toBeGreaterThanOrEqual((2 * VISIBILITY_TIMEOUT - 1) * 1000 - 2000);
  });

  /** Bad bodies of every shape; each is a message the handler must report, never settle or throw on. */
  const poisonBodies = (book: { bookId: number; imageId: number }) => {
    const prefix = `{"job_id":"${suffix}`;
    return {
      'invalid JSON': '{"job_id": ',
      'JSON that is not an object': `["${suffix}"]`,
      'wrong types': JSON.stringify({ job_id: randomUUID(), book_id: 'seven', image_id: book.imageId }),
      'missing fields': JSON.stringify({ job_id: randomUUID() }),
      // SQS's largest message (1 MiB), shaped like a job with a job_id no parser should swallow.
      '1 MiB body': `${prefix}${'x'.repeat(1024 * 1024 - prefix.length - 2)}"}`,
      'unknown job': JSON.stringify({ job_id: randomUUID(), book_id: book.bookId, image_id: book.imageId }),
    };
  };

  it('reports every poison shape in a crafted batch and completes the good record beside them', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    // An empty body cannot be sent through SQS (it refuses it), but a hand-made event can carry one.
    const poison = { 'empty body': '', ...poisonBodies({ bookId: book.bookId, imageId: book.images[0]!.id }) };
    expect(Buffer.byteLength(poison['1 MiB body'])).toBe(1024 * 1024);
    const record = (messageId: string, body: string) => ({ messageId, receiptHandle: 'r', body, attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs' });
    const result = await invokeJson<{ batchItemFailures: { itemIdentifier: string }[] }>(functionName, {
      Records: [
        ...Object.entries(poison).map(([shape, body]) => record(shape, body)),
        record('good', JSON.stringify({ job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id })),
      ],
    });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(Object.keys(poison).sort());
    expect((await jobRow(jobId)).status).toBe('completed');
  });

  it('poison of every shape sent through SQS ends in the DLQ after 3 receives; the good message beside it completes', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'spine', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const poison = poisonBodies({ bookId: book.bookId, imageId: book.images[0]!.id });
    // One call each: a batch holding the 1 MiB body would be over SendMessageBatch's 1 MiB total.
    for (const body of Object.values(poison)) await getSqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    await sendJsonMessage({ url: queue.url }, { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id });
    await waitForStatus(jobId, 'completed');

    const dead = await collectMessages(queue.dlqUrl, Object.values(poison), { timeoutMs: 90_000 });
    // Each was delivered (and reported) at least maxReceiveCount times before SQS moved it (the count goes on in the
    // DLQ); the source queue keeps none.
    for (const count of dead.values()) expect(count).toBeGreaterThanOrEqual(3);
    await queueDrained();
  });

  it('a too-large image permanently fails the job and is not retried', async () => {
    const huge = await sharp({ create: { width: 4097, height: 64, channels: 3, background: '#7a7a7a' } }).jpeg().toBuffer();
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: huge }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    await sendJsonMessage({ url: queue.url }, { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id });
    const job = await waitForStatus(jobId, 'permanently_failed');
    expect(job.failure_reason).toBe('image is 4097×64 px; the limit is 4096 px a side');
    // Deleted from the queue: after more than a visibility timeout nothing came back and nothing was retried.
    await new Promise((resolve) => setTimeout(resolve, (VISIBILITY_TIMEOUT + 2) * 1000));
    await queueDrained();
    expect(await jobRow(jobId)).toMatchObject({ status: 'permanently_failed', attempt_count: 1 });
    expect(await imagesOf(book.bookId)).toHaveLength(1);
  });

  it('a duplicate delivery produces one processed image', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
    const message = { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id };
    await sendJsonMessage({ url: queue.url }, message);
    await sendJsonMessage({ url: queue.url }, message);
    await waitForStatus(jobId, 'completed');
    await queueDrained();
    expect((await imagesOf(book.bookId)).filter((i) => i.is_background_processed)).toHaveLength(1);
    const listed = await getS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `books/${book.bookId}_processed_` }));
    expect(listed.KeyCount).toBe(1);
  });

  it('a job left processing by a crashed worker is completed by the next delivery', async () => {
    const book = await seedBook(test.db, bucket, [{ type: 'title_page', bytes: photo }]);
    const jobId = await createJob(test.db, book.bookId, book.images[0]!.id, { status: 'processing', abandonedSecondsAgo: 600 });
    await sendJsonMessage({ url: queue.url }, { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id });
    const job = await waitForStatus(jobId, 'completed');
    expect(job.attempt_count).toBe(2);
    expect((await imagesOf(book.bookId))[0]).toMatchObject({ id: job.processed_image_id, is_primary: true, display_order: 0 });
  });
});
