// The admin CLI against the local stack (S3/SQS/Lambda from Jest's global setup) and the machine's PostgreSQL: every
// command on real queues and a real database, and a revoked key refused by the real API server.
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';
import { createTestDatabase, runAsServerAdmin, testServerUrl, type TestDatabase } from '@bmx/db/testing';
import { startApiProcess } from '@bmx/dev-stack';
import { CORRELATION_ID_ATTRIBUTE } from '@bmx/lambda-kit';
import { ensureBucket, ensureQueue, type ProvisionedQueue } from '@bmx/deploy';
import { queueDepth, waitFor } from '@bmx/local-aws';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { COMMAND_GROUPS, runAdmin } from '../../src';

const root = path.resolve(__dirname, '../../../..');
const envName = `adm${randomBytes(3).toString('hex')}`;

/** Runs `admin …` in this process with `env`; returns its exit status and what it printed. */
async function admin(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runAdmin(argv, { out: (line) => out.push(line), err: (line) => err.push(line) }, env);
  return { status, out, err: err.join('\n'), json: () => out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('npm run admin', () => {
  let test: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let jobs: ProvisionedQueue;
  beforeAll(async () => {
    test = await createTestDatabase('bmx_admin');
    jobs = await ensureQueue({ name: `bmx-${envName}-image-jobs`, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
    env = { ...process.env, DATABASE_URL: test.url, BMX_ENV: envName };
  });
  afterAll(async () => {
    await test.drop();
  });

  it('answers --help for every command, and names what is wrong in a bad call (status 2)', async () => {
    for (const [group, { commands }] of Object.entries(COMMAND_GROUPS)) {
      for (const name of Object.keys(commands)) {
        const help = await admin([group, name, '--help'], env);
        expect(help.status).toBe(0);
        expect(help.out.join('\n')).toContain(`usage: npm run admin -- ${group} ${name}`);
      }
    }
    expect((await admin(['--help'], env)).out.join('\n')).toMatch(/keys create[\s\S]*db migrate[\s\S]*jobs requeue[\s\S]*dlq redrive/);
    const unknownOption = await admin(['keys', 'list', '--colour'], env);
    expect(unknownOption.status).toBe(2);
    expect(unknownOption.err).toMatch(/--colour/);
    const badRole = await admin(['keys', 'create', 'ci', '--role', 'owner'], env);
    expect(badRole).toMatchObject({ status: 2, err: expect.stringMatching(/--role must be one of viewer, editor, admin/) });
    expect((await admin(['jobs', 'nope'], env)).status).toBe(2);
    const noDatabase = await admin(['keys', 'list'], { ...env, DATABASE_URL: '' });
    expect(noDatabase).toMatchObject({ status: 2, err: expect.stringMatching(/DATABASE_URL/) });
  });

  it('creates, lists and revokes keys; the API accepts the key until it is revoked', async () => {
    const created = await admin(['keys', 'create', 'ci-bot', '--role', 'viewer'], env);
    expect(created.status).toBe(0);
    const [key] = created.out;
    expect(key).toMatch(/^bmx_/);
    const listed = (await admin(['keys', 'list'], env)).json();
    const row = listed.find((k) => k['name'] === 'ci-bot');
    expect(row).toMatchObject({ role: 'viewer', revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(key);

    const bucket = `bmx-${envName}-images`;
    await ensureBucket(bucket);
    const api = await startApiProcess(
      { ...env, IMAGES_BUCKET: bucket, IMAGE_JOBS_QUEUE_NAME: jobs.name, PORT: '0', API_SEED_DEMO_KEY_ROLE: 'admin' },
      () => undefined,
    );
    try {
      const books = () => fetch(`${api.url}/api/v1/books`, { headers: { 'x-api-key': key as string } });
      expect((await books()).status).toBe(200);
      const revoked = await admin(['keys', 'revoke', String(row?.['id'])], env);
      expect(revoked.status).toBe(0);
      expect(revoked.json()[0]).toMatchObject({ name: 'ci-bot', revoked_at: expect.any(String) });
      expect((await books()).status).toBe(401);
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    expect((await admin(['keys', 'list', '--active'], env)).json().map((k) => k['name'])).not.toContain('ci-bot');
    expect(await admin(['keys', 'revoke', '999999'], env)).toMatchObject({ status: 2, err: expect.stringMatching(/no API key has id 999999/) });
  });

  it('migrates an empty database and reports each migration', async () => {
    const name = `bmx_admin_empty_${randomBytes(4).toString('hex')}`;
    await runAsServerAdmin(`CREATE DATABASE ${name}`);
    const url = new URL(testServerUrl());
    url.pathname = `/${name}`;
    const fresh = { ...env, DATABASE_URL: url.toString() };
    try {
      const before = (await admin(['db', 'status'], fresh)).json();
      expect(before.length).toBeGreaterThanOrEqual(2);
      expect(before.every((m) => m['executed_at'] === null)).toBe(true);
      const migrated = await admin(['db', 'migrate'], fresh);
      expect(migrated.status).toBe(0);
      expect(migrated.out).toEqual(before.map((m) => m['name']));
      const after = (await admin(['db', 'status'], fresh)).json();
      expect(after.every((m) => typeof m['executed_at'] === 'string')).toBe(true);
      expect((await admin(['db', 'migrate'], fresh)).out).toEqual([]);
    } finally {
      await runAsServerAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('lists jobs and requeues a failed one with its correlation id', async () => {
    const bookId = (await test.db.insertInto('books').values({ title: 'Orlando' }).returning('id').executeTakeFirstOrThrow()).id;
    const imageId = (await test.db.insertInto('book_images').values({ book_id: bookId, s3_key: `${bookId}/a.jpg` }).returning('id').executeTakeFirstOrThrow()).id;
    const job = await test.db
      .insertInto('image_processing_jobs')
      .values({ book_id: bookId, source_image_id: imageId, status: 'permanently_failed', attempt_count: 3, failure_reason: 'no subject', correlation_id: 'upload-orlando' })
      .returning('id')
      .executeTakeFirstOrThrow();

    const listed = (await admin(['jobs', 'list', '--status', 'permanently_failed'], env)).json();
    expect(listed).toEqual([expect.objectContaining({ id: job.id, book_id: bookId, failure_reason: 'no subject', correlation_id: 'upload-orlando' })]);
    expect((await admin(['jobs', 'list', '--correlation-id', 'upload-orlando'], env)).json()).toHaveLength(1);

    const requeued = await admin(['jobs', 'requeue', job.id], env);
    expect(requeued).toMatchObject({ status: 0 });
    const row = await test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempt_count: 0, failure_reason: null, correlation_id: 'upload-orlando' });
    const { Messages: messages = [] } = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: jobs.url, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([{ job_id: job.id, book_id: bookId, image_id: imageId }]);
    expect(messages[0]?.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue).toBe('upload-orlando');
    await getSqsClient().send(new DeleteMessageCommand({ QueueUrl: jobs.url, ReceiptHandle: messages[0]?.ReceiptHandle }));

    // A pending job is not sent twice.
    expect(await admin(['jobs', 'requeue', job.id], env)).toMatchObject({ status: 2, err: expect.stringMatching(/is pending/) });
    expect(await admin(['jobs', 'requeue', 'not-a-uuid'], env)).toMatchObject({ status: 2, err: expect.stringMatching(/not a job id/) });
  });

  it('lists the dead-letter queues and redrives one, bodies and attributes unchanged', async () => {
    const dlqUrl = jobs.dlq?.url as string;
    const sqs = getSqsClient();
    expect(await queueDepth(jobs.url)).toBe(0);
    for (const n of [1, 2, 3]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ n }), MessageAttributes: { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: `dead-${n}` } } }));
    }
    const listed = (await admin(['dlq', 'list'], env)).json();
    expect(listed).toEqual([
      { queue: 'image-jobs', dlq: `${jobs.name}-dlq`, exists: true, messages: 3, in_flight: 0 },
      { queue: 'tracking', dlq: `bmx-${envName}-tracking-dlq`, exists: false },
    ]);

    expect((await admin(['dlq', 'redrive', 'image-jobs', '--max', '2'], env)).json()).toEqual([{ queue: 'image-jobs', moved: 2 }]);
    expect((await admin(['dlq', 'redrive', 'image-jobs'], env)).json()).toEqual([{ queue: 'image-jobs', moved: 1 }]);
    const back = new Map<number, string | undefined>();
    await waitFor('the redriven messages', async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: jobs.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      for (const m of out.Messages ?? []) back.set((JSON.parse(m.Body ?? '{}') as { n: number }).n, m.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue);
      return back.size === 3;
    });
    expect(Object.fromEntries(back)).toEqual({ 1: 'dead-1', 2: 'dead-2', 3: 'dead-3' });
    expect(await queueDepth(dlqUrl)).toBe(0);
    expect(await admin(['dlq', 'redrive', 'tracking'], env)).toMatchObject({ status: 2, err: expect.stringMatching(/does not exist/) });
  });

  it('runs as `npm run admin` (the script\'s command line): output on stdout, exit status 0', () => {
    const run = spawnSync(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', 'tools/admin/src/cli.ts', 'keys', 'list', '--active'], { cwd: root, env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const keys = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; revoked_at: string | null });
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => Number.isInteger(k.id) && k.revoked_at === null)).toBe(true);
  });
});
