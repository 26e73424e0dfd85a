// The upload → job → SQS → image processor pipeline through an S3/SQS outage. The local stack's fault switch takes
// the S3/SQS endpoint away (connections refused, open ones reset) while the image processor works on a job, and brings
// it back with its data. Meanwhile the API answers with clear 503s and records the job it could not send as
// queue_failed; after recovery the retry handler resends it, the job cut off mid-processing comes back from SQS, and
// every job completes exactly once: none lost, none duplicated.
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resetAwsClients, resolveQueueUrl } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { databaseSecretFromUrl } from '@bmx/db';
import { deployForTest, type TestDeployment } from '@bmx/deploy/testing';
import { queueDepth, waitFor } from '@bmx/local-aws';
import sharp from 'sharp';
import { demoBookPhoto, startApiProcess, type ApiProcess } from '../../src';
import { stopApiAndCleanUp } from '../support/teardown';

const envName = `local-f${Date.now().toString(36)}`;
const bucket = `bmx-${envName}-images`;
const queueName = `bmx-${envName}-image-jobs`;
/**
 * The deployed queue's visibility timeout (30 minutes in lambda.deploy.json), shortened so that a message whose job
 * failed in the outage is delivered again within the test, as it would be 30 minutes later in AWS.
 */
const VISIBILITY_TIMEOUT_SECONDS = 5;

async function fault(name: 's3-sqs-stop' | 's3-sqs-start'): Promise<void> {
  const response = await fetch(`${process.env['AWS_ENDPOINT_URL_LAMBDA']}/local/faults/${name}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

interface Registered {
  image: { id: number; is_primary: boolean };
  processing_job?: { job_id: string; outcome: string; status: string };
}

describe('the image pipeline through an S3/SQS outage', () => {
  let database: TestDatabase;
  let api: ApiProcess;
  let deployment: TestDeployment | undefined;
  const call = (route: string, init: RequestInit = {}) =>
    fetch(`${api.url}${route}`, { ...init, headers: { 'x-api-key': api.demoKey, ...(init.headers ?? {}) } });
  const json = (method: string, route: string, body: unknown) =>
    call(route, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const upload = async (bookId: number, bytes: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    return call(`/api/v1/books/${bookId}/images`, { method: 'POST', body: form });
  };
  const jobs = () =>
    database.db.selectFrom('image_processing_jobs').select(['id', 'status', 'processed_image_id', 'source_image_id', 'failure_reason']).execute();
  const allCompleted = async () => {
    const rows = await jobs();
    return rows.every((job) => job.status === 'completed') ? rows : undefined;
  };

  beforeAll(async () => {
    resetAwsClients();
    database = await createTestDatabase('bmx_faults');
    const shared = { BMX_ENV: envName, DATABASE_URL: database.url, IMAGES_BUCKET: bucket, IMAGE_JOBS_QUEUE_NAME: queueName };
    Object.assign(process.env, shared);
    // What `nx bundle` ships (with the pinned aws-clients), bundled into a folder of its own.
    deployment = await deployForTest({
      app: 'image-processor',
      envName,
      overrides: { processor: { environment: { IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY_TIMEOUT_SECONDS) } } },
      secrets: { database: databaseSecretFromUrl(database.url) },
    });
    await getSqsClient().send(
      new SetQueueAttributesCommand({ QueueUrl: await resolveQueueUrl({ name: queueName }), Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) } }),
    );
    api = await startApiProcess({ ...process.env, ...shared, PORT: '0', API_SEED_DEMO_KEY_ROLE: 'admin' }, () => undefined);
  });

  afterAll(async () => {
    await fault('s3-sqs-start');
    await stopApiAndCleanUp(api, database, deployment);
  });

  it('answers 503s during the outage, records the unsent job, and completes every job once after recovery', async () => {
    const created = await json('POST', '/api/v1/books', { title: 'Walden' });
    expect(created.status).toBe(201);
    const book = (await created.json()) as { id: number };
    const photo = await demoBookPhoto();
    // Other bytes (a different hash), so the API does not answer with the first image as a duplicate.
    const otherPhoto = await sharp(photo).flop().jpeg().toBuffer();

    // The first upload becomes primary and queues a job; the outage starts while the image processor works on it.
    const first = await upload(book.id, photo);
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as Registered;
    expect(firstBody.processing_job).toMatchObject({ outcome: 'queued', status: 'pending' });
    // A second image, not primary: no job.
    const second = await upload(book.id, otherPhoto);
    expect(second.status).toBe(201);
    const secondBody = (await second.json()) as Registered;
    expect(secondBody.processing_job).toBeUndefined();
    await waitFor('the image processor to claim the first job', async () => (await jobs()).some((job) => job.status === 'processing'), { everyMs: 20 });

    await fault('s3-sqs-stop');
    // An upload needs S3: a clear 503 naming it, no stack.
    const during = await upload(book.id, await sharp(photo).flip().jpeg().toBuffer());
    expect(during.status).toBe(503);
    const duringBody = (await during.json()) as ErrorBody;
    expect(duringBody).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/^S3 is unavailable( \(\w+\))?$/) });
    // Neither a stack nor the address of the stopped server.
    expect(JSON.stringify(duringBody)).not.toMatch(/\bat .+:\d+:\d+|127\.0\.0\.1|localhost/);
    expect(duringBody.message).not.toMatch(/:\d{2,5}\b/);
    // Deleting needs S3 too: 503, and the image stays.
    const deleteDuring = await call(`/api/v1/books/${book.id}/images/${secondBody.image.id}`, { method: 'DELETE' });
    expect(deleteDuring.status).toBe(503);
    expect(((await deleteDuring.json()) as ErrorBody).message).toMatch(/^S3 is unavailable( \(\w+\))?$/);
    // Deep health says so.
    const health = await call('/health/deep');
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe('unhealthy');
    // Making the second image primary needs only the database and SQS: the job is recorded as queue_failed.
    const promoted = await json('PUT', `/api/v1/books/${book.id}/images/${secondBody.image.id}`, { is_primary: true });
    expect(promoted.status).toBe(200);
    const promotedBody = (await promoted.json()) as { processing_job: { job_id: string; outcome: string } };
    expect(promotedBody.processing_job.outcome).toBe('queue_failed');
    const unsent = await database.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', promotedBody.processing_job.job_id).executeTakeFirstOrThrow();
    expect(unsent.status).toBe('queue_failed');
    expect(unsent.failure_reason).toMatch(/^SQS send failed: /);
    // The retry handler cannot resend while SQS is away: the job stays queue_failed, its failed resend counted.
    const retryDuring = await call('/api/v1/admin/image-processing/retry-queue-failed', { method: 'POST' });
    expect(retryDuring.status).toBe(200);
    expect(await retryDuring.json()).toMatchObject({ resent: 0, still_failed: 1, permanently_failed: 0 });

    await fault('s3-sqs-start');
    const retried = await call('/api/v1/admin/image-processing/retry-queue-failed', { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ resent: 1, still_failed: 0, permanently_failed: 0 });
    // A new book's first upload after recovery goes straight through.
    const another = (await (await json('POST', '/api/v1/books', { title: 'Cape Cod' })).json()) as { id: number };
    const after = await upload(another.id, await sharp(photo).flip().jpeg().toBuffer());
    expect(after.status).toBe(201);
    expect(((await after.json()) as Registered).processing_job).toMatchObject({ outcome: 'queued' });

    const done = await waitFor('every job to complete', allCompleted, { timeoutMs: 120_000, everyMs: 500 });
    expect(done).toHaveLength(3);
    // Exactly once: one processed image per job, each job's own, and no processed image without its job.
    const processed = await database.db.selectFrom('book_images').select('id').where('is_background_processed', '=', true).execute();
    const byId = (a: number | null, b: number | null) => Number(a) - Number(b);
    expect(processed.map((image) => image.id).sort(byId)).toEqual(done.map((job) => job.processed_image_id).sort(byId));
    expect(new Set(done.map((job) => job.processed_image_id)).size).toBe(3);
    // Nothing left behind: the queue is drained and nothing went to the DLQ.
    const queueUrl = await resolveQueueUrl({ name: queueName });
    const dlqUrl = await resolveQueueUrl({ name: `${queueName}-dlq` });
    await waitFor('the queue to drain', async () => (await queueDepth(queueUrl)) === 0);
    expect(await queueDepth(dlqUrl)).toBe(0);
  });
});
