import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getS3Client, getSqsClient, resetAwsClients } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { ensureBucket, ensureQueue, type ProvisionedQueue } from '@bmx/deploy';
import { deployForTest, type TestDeployment, type TestDeployOptions } from '@bmx/deploy/testing';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { buildApp } from '../../src/app';
import type { ApiApp } from '../../src/app-deps';
import { createApiKey } from '../../src/auth';
import { loadConfig, type ApiConfig } from '../../src/config';

/** A short random suffix, so every test file gets its own buckets, queues and functions. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A running app on its own database, bucket and queue, with one key per role. */
export interface TestApi {
  app: ApiApp;
  test: TestDatabase;
  config: ApiConfig;
  bucket: string;
  queue: ProvisionedQueue;
  keys: { viewer: string; editor: string; admin: string };
  /** Builds another app on the same database with more environment, e.g. a broken queue. */
  variant(env: Record<string, string>): Promise<ApiApp>;
  close(): Promise<void>;
}

/** Creates the database, bucket and queue (with DLQ), builds the app, and makes a key for each role. */
export async function startTestApi(name: string, env: Record<string, string> = {}): Promise<TestApi> {
  const bucket = uniqueName(`api-${name}`);
  const queueName = uniqueName(`api-${name}-jobs`);
  await ensureBucket(bucket);
  const queue = await ensureQueue({ name: queueName, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  const test = await createTestDatabase('bmx_api');
  const baseEnv = { IMAGES_BUCKET: bucket, IMAGE_JOBS_QUEUE_NAME: queueName, DATABASE_URL: test.url, LOG_LEVEL: 'silent' };
  const config = loadConfig({ ...baseEnv, ...env });
  const app = await buildApp({ db: test.db, config, logger: false });
  const variants: ApiApp[] = [];
  const keys = {
    viewer: (await createApiKey(test.db, { name: 'viewer', role: 'viewer' })).key,
    editor: (await createApiKey(test.db, { name: 'editor', role: 'editor' })).key,
    admin: (await createApiKey(test.db, { name: 'admin', role: 'admin' })).key,
  };
  return {
    app,
    test,
    config,
    bucket,
    queue,
    keys,
    async variant(more) {
      const other = await buildApp({ db: test.db, config: loadConfig({ ...baseEnv, ...env, ...more }), logger: false });
      variants.push(other);
      return other;
    },
    async close() {
      await Promise.all([app, ...variants].map((a) => a.close()));
      // pg's Pool.end() resolves before its sockets are closed, and @bmx/db's pool has no 'error' listener: a
      // DROP ... WITH FORCE that lands first kills a closing connection and crashes the test file. Close first,
      // give the sockets a moment, then drop.
      await test.db.destroy();
      await new Promise((resolve) => setTimeout(resolve, 250));
      await test.drop();
    },
  };
}

/** A real image of the given format and size, made with sharp; `seed` changes its pixels (and hash). */
export async function makeImage(format: 'jpeg' | 'png' | 'webp' | 'gif', width = 640, height = 480, seed = 0): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 120 } } });
  return image.toFormat(format).toBuffer();
}

/** A multipart/form-data body with one file part and optional text fields. */
export function multipart(
  file: { bytes: Buffer; filename: string; contentType?: string; field?: string } | undefined,
  fields: Record<string, string> = {},
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----bmx${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
          `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The object's bytes and content type, or undefined when it does not exist. */
export async function readObject(bucket: string, key: string): Promise<{ bytes: Buffer; contentType?: string } | undefined> {
  try {
    const out = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { bytes: Buffer.from(await out.Body!.transformToByteArray()), contentType: out.ContentType };
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

export async function objectExists(bucket: string, key: string): Promise<boolean> {
  try {
    await getS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** Receives (and deletes) every message currently on the queue, waiting up to `waitSeconds` for the first. */
export async function drainQueue(url: string, waitSeconds = 2): Promise<unknown[]> {
  const sqs = getSqsClient();
  const bodies: unknown[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: bodies.length ? 0 : waitSeconds }));
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(JSON.parse(message.Body ?? 'null'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** How the scraper stand-in behaves (`SCRAPER_STAND_IN_MODE`); the failing modes exist to test the API's error mapping. */
export type StandInMode = 'ok' | 'rate-limited' | 'bad-gateway' | 'throw';

/**
 * The scraper stand-in (`localOnly` in lambda.deploy.json) as the API's stack has it, deployed through
 * deployForTest into `envName`, writing listings to the test's bucket. The API finds it by its `BMX_ENV`.
 */
export const standIn = (api: TestApi, envName: string, mode: StandInMode = 'ok'): TestDeployOptions => ({
  app: 'api',
  envName,
  only: ['scraper-stand-in'],
  overrides: { 'scraper-stand-in': { environment: { LISTINGS_BUCKET: api.bucket, SCRAPER_STAND_IN_MODE: mode } } },
});

/** Deploys {@link standIn}. */
export const deployScraperStandIn = (api: TestApi, options: { envName: string; mode?: StandInMode }): Promise<TestDeployment> =>
  deployForTest(standIn(api, options.envName, options.mode));

/** A loopback port nothing listens on (it was free a moment ago): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Points this process's S3 clients at `endpoint` (a stopped or hanging S3); the function returned restores them. */
export function redirectS3(endpoint: string): () => void {
  const saved = process.env['AWS_ENDPOINT_URL_S3'];
  process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
  resetAwsClients();
  return () => {
    process.env['AWS_ENDPOINT_URL_S3'] = saved;
    resetAwsClients();
  };
}
