// Every helper of the lib against the real local S3/SQS/Lambda servers started by the Jest global setup.
// Resources are made with plain SDK calls: importing @bmx/local-aws here would make the two projects depend
// on each other.
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import AdmZip from 'adm-zip';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  getLambdaClient,
  getS3Client,
  getSqsClient,
  invokeJson,
  LambdaFunctionError,
  LambdaStatusError,
  presignGetUrl,
  presignPutUrl,
  resetAwsClients,
  resolveQueueUrl,
  sendJsonMessage,
  sendJsonMessages,
} from '../../src';
import { checkPresignedUrl } from '../support/sigv4';

const bucket = `lib-e2e-${randomUUID().slice(0, 8)}`;

async function ensureQueue({ name }: { name: string }) {
  const out = await getSqsClient().send(new CreateQueueCommand({ QueueName: name }));
  return { name, url: out.QueueUrl as string };
}

function zipFiles(files: Record<string, string>): Buffer {
  const zip = new AdmZip();
  for (const [file, content] of Object.entries(files)) zip.addFile(file, Buffer.from(content));
  return zip.toBuffer();
}

async function receiveAll(queueUrl: string, expected: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let round = 0; round < 20 && bodies.length < expected; round++) {
    const out = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    bodies.push(...(out.Messages ?? []).map((m) => m.Body as string));
  }
  return bodies;
}

beforeAll(async () => {
  resetAwsClients();
  await getS3Client().send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => resetAwsClients());

describe('S3 through the shared client', () => {
  it('stores and reads an object, path-style on 127.0.0.1', async () => {
    await getS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: 'books/a.txt', Body: 'hello', ContentType: 'text/plain' }));
    const out = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: 'books/a.txt' }));
    expect(await out.Body!.transformToString()).toBe('hello');
  });

  it('issues presigned GET and PUT URLs that the server honours', async () => {
    const putUrl = await presignPutUrl(bucket, 'books/presigned.bin', 'application/octet-stream');
    const put = await fetch(putUrl, { method: 'PUT', body: 'bytes', headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(200);
    const getUrl = await presignGetUrl(bucket, 'books/presigned.bin', 60);
    expect(new URL(getUrl).searchParams.get('X-Amz-Expires')).toBe('60');
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('bytes');
  });

  it('reaches objects whose keys need encoding, through reused URLs that are signed right', async () => {
    // The local server accepts any signature: checkPresignedUrl checks them against the SigV4 specification.
    const secret = process.env['AWS_SECRET_ACCESS_KEY'] as string;
    const key = "books/a b/c+d!'(x)ü 1.png";
    const putUrl = await presignPutUrl(bucket, key, 'image/png', 300);
    expect(checkPresignedUrl(putUrl, 'PUT', secret, { 'content-type': 'image/png' }).valid).toBe(true);
    expect((await fetch(putUrl, { method: 'PUT', body: 'png bytes', headers: { 'content-type': 'image/png' } })).status).toBe(200);
    const stored = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await stored.Body!.transformToString()).toBe('png bytes');
    expect(stored.ContentType).toBe('image/png');

    const first = await presignGetUrl(bucket, key, 3600, { reuseSeconds: 900 });
    expect(await presignGetUrl(bucket, key, 3600, { reuseSeconds: 900 })).toBe(first);
    const facts = checkPresignedUrl(first, 'GET', secret);
    expect(facts.valid).toBe(true);
    expect(facts.expiresAtMs - Date.now()).toBeGreaterThan((3600 - 900) * 1000);
    const got = await fetch(first);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('png bytes');
  });

  it('refuses a presign lifetime S3 would reject', async () => {
    await expect(presignGetUrl(bucket, 'k', 0)).rejects.toThrow(RangeError);
    await expect(presignGetUrl(bucket, 'k', 604_801)).rejects.toThrow(/1 to 604800/);
  });
});

describe('SQS through the shared client', () => {
  it('resolves a queue by name and sends JSON', async () => {
    const queue = await ensureQueue({ name: `lib-single-${randomUUID().slice(0, 8)}` });
    expect(await resolveQueueUrl({ name: queue.name })).toBe(queue.url);
    const id = await sendJsonMessage({ name: queue.name }, { job_id: 'j1' });
    expect(id).toEqual(expect.any(String));
    expect((await receiveAll(queue.url, 1)).map((b) => JSON.parse(b))).toEqual([{ job_id: 'j1' }]);
  });

  it('sends string message attributes with a single message and with each message of a batch', async () => {
    const queue = await ensureQueue({ name: `lib-attrs-${randomUUID().slice(0, 8)}` });
    await sendJsonMessage({ url: queue.url }, { n: 0 }, { attributes: { correlation_id: 'single-1' } });
    await sendJsonMessages({ url: queue.url }, [{ n: 1 }, { n: 2 }], { attributes: (body) => ({ correlation_id: `batch-${(body as { n: number }).n}` }) });
    const seen = new Map<number, string | undefined>();
    for (let polls = 0; seen.size < 3 && polls < 20; polls++) {
      const out = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      for (const message of out.Messages ?? []) seen.set((JSON.parse(message.Body ?? '{}') as { n: number }).n, message.MessageAttributes?.['correlation_id']?.StringValue);
    }
    expect(Object.fromEntries(seen)).toEqual({ 0: 'single-1', 1: 'batch-1', 2: 'batch-2' });
  });

  it('sends a batch of 35 in 10-entry calls and every message arrives once', async () => {
    const queue = await ensureQueue({ name: `lib-batch-${randomUUID().slice(0, 8)}` });
    const bodies = Array.from({ length: 35 }, (_, i) => ({ book_id: i }));
    expect(await sendJsonMessages({ url: queue.url }, bodies)).toEqual({ sent: 35, failed: [] });
    const received = (await receiveAll(queue.url, 35)).map((b) => JSON.parse(b).book_id as number);
    expect(received.sort((a, b) => a - b)).toEqual(bodies.map((b) => b.book_id));
  });
});

describe('Lambda through the shared client', () => {
  const name = `lib-fn-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    const code = `
      exports.handler = async (event) => {
        if (event.mode === 'throw') throw new TypeError('bad input: ' + event.detail);
        if (event.mode === 'status') return { statusCode: event.status, body: JSON.stringify({ error: 'upstream said no' }) };
        return { echo: event, region: process.env.AWS_REGION };
      };`;
    await getLambdaClient().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs24.x',
        Role: 'arn:aws:iam::000000000000:role/local',
        Handler: 'index.handler',
        Code: { ZipFile: zipFiles({ 'index.js': code }) },
      }),
    );
  });

  it('returns the parsed result', async () => {
    await expect(invokeJson(name, { a: 1 })).resolves.toEqual({ echo: { a: 1 }, region: 'us-east-1' });
  });

  it('raises LambdaFunctionError when the function throws', async () => {
    const error = await invokeJson(name, { mode: 'throw', detail: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error).toMatchObject({ functionError: 'Unhandled', errorType: 'TypeError', message: expect.stringContaining('bad input: x') });
  });

  it('raises LambdaStatusError for a 429 payload, through the long-call client', async () => {
    const error = await invokeJson(name, { mode: 'status', status: 429 }, { profile: 'longCall' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaStatusError);
    expect(error).toMatchObject({ statusCode: 429, body: { error: 'upstream said no' } });
  });

  it('queues an Event invocation without waiting for it', async () => {
    await expect(invokeJson(name, { a: 2 }, { invocationType: 'Event' })).resolves.toBeUndefined();
  });
});

describe('health-check profile', () => {
  let silent: Server;
  let port: number;
  const saved = { ...process.env };
  beforeAll(async () => {
    // Accepts connections and never answers: the failure that hangs an unconfigured SDK client forever.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as AddressInfo).port;
    process.env['AWS_ENDPOINT_URL_S3'] = `http://127.0.0.1:${port}`;
    resetAwsClients();
  });
  afterAll(async () => {
    process.env = saved;
    resetAwsClients();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up on a server that never answers instead of hanging', async () => {
    const started = Date.now();
    const error = await getS3Client('healthCheck')
      .send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toMatch(/TimeoutError/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
