// The handler as `nx bundle` ships it (bundleApp: the pinned aws-clients inlined), deployed from the app's stack to the
// local Lambda server, configured as on AWS with DATABASE_SECRET_ARN only (the environment's database secret): it reads its credentials for a real PostgreSQL role from the local Secrets Manager,
// processes a job, and after a rotation reconnects with the new credentials.
//
// The test server trusts connections from 127.0.0.1 (pg_hba `trust`): it would accept any password, so a password
// rotation proves nothing there. The rotation moves the secret to another role and retires the old role with
// NOLOGIN, so the old credentials are really refused (SQLSTATE 28000).
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getLambdaClient, getSecretsManagerClient, getSqsClient, invokeJson, resetAwsClients, sendJsonMessage } from '@bmx/aws-clients';
import { sql } from '@bmx/db';
import { createTestDatabase, rdsSecretJson, runAsServerAdmin, type TestDatabase } from '@bmx/db/testing';
import { ensureBucket } from '@bmx/deploy';
import { deployForTest, type TestDeployment } from '@bmx/deploy/testing';
import { waitFor } from '@bmx/local-aws';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticBookPhoto, toJpeg } from '../support/synthetic';
import { createJob, dropTestDatabase, seedBook } from '../support/seed';

jest.setTimeout(120_000);

const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
const bucket = `imgproc-secret-${suffix.slice(0, 8)}`;
const roles = { first: `bmx_imgproc_a_${suffix}`, second: `bmx_imgproc_b_${suffix}` };
// Generated per run, never stored in the repository.
const passwords = { first: randomBytes(18).toString('base64url'), second: randomBytes(18).toString('base64url') };
const appDir = path.resolve(__dirname, '../..');

let test: TestDatabase;
let queue: { url: string };
let secretArn: string;
let functionName: string;
let processor: TestDeployment | undefined;

const secretFor = (which: keyof typeof roles) => rdsSecretJson(test.url, { username: roles[which], password: passwords[which] });

/** Roles with a session open on the test database right now (the Lambda keeps its pool between invocations). */
async function sessionRoles(): Promise<string[]> {
  const { rows } = await sql<{ usename: string }>`select distinct usename from pg_stat_activity where datname = current_database() and usename like 'bmx_imgproc_%'`.execute(
    test.db,
  );
  return rows.map((r) => r.usename).sort();
}

async function seedJob(): Promise<{ jobId: string; bookId: number; message: { job_id: string; book_id: number; image_id: number } }> {
  const photo = await toJpeg(syntheticBookPhoto({ surface: 'plain', cover: [120, 40, 40] }));
  const book = await seedBook(test.db, bucket, [{ type: 'cover', bytes: photo, primary: true }]);
  const jobId = await createJob(test.db, book.bookId, book.images[0]!.id);
  return { jobId, bookId: book.bookId, message: { job_id: jobId, book_id: book.bookId, image_id: book.images[0]!.id } };
}

const jobStatus = async (jobId: string) =>
  (await test.db.selectFrom('image_processing_jobs').select('status').where('id', '=', jobId).executeTakeFirstOrThrow()).status;

beforeAll(async () => {
  resetAwsClients();
  test = await createTestDatabase('imgproc_secret');
  for (const which of ['first', 'second'] as const) {
    await runAsServerAdmin(`CREATE ROLE ${roles[which]} LOGIN PASSWORD '${passwords[which]}'`);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${sql.id(roles[which])}`.execute(test.db);
    await sql`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${sql.id(roles[which])}`.execute(test.db);
  }
  await ensureBucket(bucket);
  processor = await deployForTest({
    app: 'image-processor',
    overrides: { processor: { environment: { IMAGES_BUCKET: bucket, IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: '10' } } },
    // The environment's database secret, seeded with the first role's login: the function's only credentials.
    secrets: { database: secretFor('first') },
  });
  functionName = processor.functionName('processor');
  secretArn = processor.secretArn('database');
  queue = await processor.triggerQueue('processor');
  // The stack's queue waits 30 minutes before a failed message comes back; 10 s here, as the function is told.
  await getSqsClient().send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { VisibilityTimeout: '10' } }));
  await expect(invokeJson(functionName, { smoke_test: true })).resolves.toEqual({ smoke_test: 'ok' });
}, 240_000);

afterAll(async () => {
  await processor?.remove();
  if (test) await dropTestDatabase(test);
  for (const role of Object.values(roles)) await runAsServerAdmin(`DROP ROLE IF EXISTS ${role}`);
  resetAwsClients();
});

describe('image-processor Lambda with DATABASE_SECRET_ARN', () => {
  it('runs the bundle with the pinned aws-clients, the version that has the secret reader', () => {
    const libVersion = (JSON.parse(readFileSync(path.resolve(appDir, '../../libs/aws-clients/package.json'), 'utf8')) as { version: string }).version;
    expect(processor!.manifest.awsClients).toEqual({ version: libVersion, source: 'pinned' });
  });

  it('processes a job from the queue as the role the secret names', async () => {
    const { jobId, bookId, message } = await seedJob();
    await sendJsonMessage({ url: queue.url }, message);
    await waitFor(`job ${jobId} to complete`, async () => (await jobStatus(jobId)) === 'completed', { timeoutMs: 60_000 });
    const job = await test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    const primary = await test.db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).where('is_primary', '=', true).executeTakeFirstOrThrow();
    expect(primary).toMatchObject({ id: job.processed_image_id, is_background_processed: true });
    expect(await sessionRoles()).toEqual([roles.first]);
  });

  it('after a rotation, the warm function re-reads the secret once the old credentials are refused', async () => {
    await getSecretsManagerClient().send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: secretFor('second') }));
    // Retire the old role: new logins are refused, and its open sessions (the warm function's pool) are ended.
    await runAsServerAdmin(`ALTER ROLE ${roles.first} NOLOGIN`);
    await runAsServerAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${roles.first}'`);
    await waitFor('the old role to have no session', async () => (await sessionRoles()).length === 0);

    // Invoked directly (an SQS-shaped event) to read this invocation's log tail.
    const { jobId, message } = await seedJob();
    const out = await getLambdaClient().send(
      new InvokeCommand({
        FunctionName: functionName,
        LogType: 'Tail',
        Payload: JSON.stringify({
          Records: [{ messageId: 'rotated', receiptHandle: 'r', body: JSON.stringify(message), attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs' }],
        }),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(out.Payload))).toEqual({ batchItemFailures: [] });
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toContain('database: the server refused the credentials (28000); reconnecting with the rotated secret');
    expect(log).not.toContain(passwords.first);
    expect(log).not.toContain(passwords.second);
    expect(await jobStatus(jobId)).toBe('completed');
    expect(await sessionRoles()).toEqual([roles.second]);
  });
});
