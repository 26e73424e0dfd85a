import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { CLIENT_PROFILES, getSqsClient, REQUEST_PATH_PROFILE } from '@bmx/aws-clients';
import { connectPostgres } from '@bmx/db';
import { createServer, type Server, type Socket } from 'node:net';
import { buildApp } from '../../src/app';
import { testEnvironmentName, type TestDeployment } from '@bmx/deploy/testing';
import { closedPort, deployScraperStandIn, drainQueue, redirectS3, startTestApi, uniqueName, type TestApi } from './support';

interface Check {
  name: string;
  status: string;
  latency_ms: number;
  detail?: string;
  data?: Record<string, unknown>;
}

describe('health: live, ready and deep', () => {
  let api: TestApi;
  // The scraper stand-in's own environment; the API finds it by BMX_ENV (bmx-{env}-scraper).
  const scraperEnv = testEnvironmentName();
  let standIn: TestDeployment | undefined;
  let scraper: string;

  beforeAll(async () => {
    // Every check here must see the dependencies as they are now: no reuse (the reuse itself is tested below).
    api = await startTestApi('health', { BMX_ENV: scraperEnv, HEALTH_REUSE_MS: '0' });
    standIn = await deployScraperStandIn(api, { envName: scraperEnv });
    scraper = standIn.functionName('scraper-stand-in');
  }, 120_000);
  afterAll(async () => {
    await standIn?.remove();
    await api.close();
  });

  const deep = async (app = api.app) => {
    const res = await app.inject({ method: 'GET', url: '/health/deep' });
    return { statusCode: res.statusCode, body: res.json() as { status: string; latency_ms: number; checks: Check[] } };
  };
  const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);

  it('is live and ready without a key', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ name: 'database', status: 'healthy' });
  });

  it('is not ready (503) when the database cannot be reached', async () => {
    const deadDb = connectPostgres('postgres://postgres@127.0.0.1:1/none', 1);
    const app = await buildApp({ db: deadDb, config: api.config, logger: false });
    try {
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ name: 'database', status: 'unhealthy' });
    } finally {
      await app.close();
      await deadDb.destroy();
    }
  });

  it('shares one check among concurrent callers and reuses its result for HEALTH_REUSE_MS, saying how old it is', async () => {
    const app = await api.variant({ SCRAPER_FUNCTION_NAME: scraper, HEALTH_REUSE_MS: '1500' });
    const together = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/health/deep' })));
    const bodies = together.map((res) => res.json() as { status: string; checked_at: string; age_ms: number });
    expect(new Set(bodies.map((b) => b.checked_at)).size).toBe(1);
    expect(bodies.every((b) => b.status === 'healthy')).toBe(true);
    // A dependency going away within the window is not seen yet: the answer is the reused one, and says its age.
    const restoreS3 = redirectS3(`http://127.0.0.1:${await closedPort()}`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reused = (await app.inject({ method: 'GET', url: '/health/deep' })).json() as { status: string; checked_at: string; age_ms: number };
      expect(reused).toMatchObject({ status: 'healthy', checked_at: bodies[0]!.checked_at });
      expect(reused.age_ms).toBeGreaterThanOrEqual(300);
      expect(Date.parse(reused.checked_at) + reused.age_ms).toBeLessThanOrEqual(Date.now());
      // After the window it is checked again.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const fresh = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(fresh.statusCode).toBe(503);
      expect(fresh.json()).toMatchObject({ status: 'unhealthy', age_ms: 0 });
    } finally {
      restoreS3();
    }
  });

  it('checks database, S3, the queue with its DLQ and the scraper, all healthy', async () => {
    const { statusCode, body } = await deep();
    expect(statusCode).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.checks.map((c) => c.name).sort()).toEqual(['database', `lambda:${scraper}`, 's3', 'sqs:image-jobs'].sort());
    for (const check of body.checks) {
      expect(check.status).toBe('healthy');
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
    }
    expect(byName(body.checks, 'sqs:image-jobs')!.data).toMatchObject({ visible: 0, dlq: { name: `${api.queue.name}-dlq`, visible: 0 } });
    expect(byName(body.checks, `lambda:${scraper}`)!.data).toMatchObject({ state: 'Active' });
  });

  it('is degraded while the DLQ holds messages, and reports the depths', async () => {
    await getSqsClient().send(new SendMessageCommand({ QueueUrl: api.queue.dlq!.url, MessageBody: '{"job_id":"lost"}' }));
    await getSqsClient().send(new SendMessageCommand({ QueueUrl: api.queue.url, MessageBody: '{"job_id":"waiting"}' }));
    const { statusCode, body } = await deep();
    expect(statusCode).toBe(200);
    expect(body.status).toBe('degraded');
    const queue = byName(body.checks, 'sqs:image-jobs')!;
    expect(queue).toMatchObject({ status: 'degraded', data: { visible: 1, dlq: { visible: 1 } } });
    await drainQueue(api.queue.dlq!.url);
    await drainQueue(api.queue.url);
  });

  it('is unhealthy (503) when a Lambda it depends on does not exist', async () => {
    const missing = uniqueName('api-health-missing');
    const app = await api.variant({ HEALTH_FUNCTION_NAMES: missing });
    const { statusCode, body } = await deep(app);
    expect(statusCode).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(byName(body.checks, `lambda:${missing}`)).toMatchObject({ status: 'unhealthy', detail: `function ${missing} not found` });
    expect(byName(body.checks, `lambda:${scraper}`)!.status).toBe('healthy');
  });

  it('is unhealthy when the queue does not exist', async () => {
    const app = await api.variant({ IMAGE_JOBS_QUEUE_NAME: uniqueName('api-health-noqueue') });
    const { body } = await deep(app);
    expect(byName(body.checks, 'sqs:image-jobs')).toMatchObject({ status: 'unhealthy' });
  });

  describe('with S3 hanging (accepts connections, never answers)', () => {
    let hanging: Server;
    const sockets = new Set<Socket>();
    let restoreS3: () => void;

    beforeAll(async () => {
      hanging = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const { port } = hanging.address() as { port: number };
      restoreS3 = redirectS3(`http://127.0.0.1:${port}`);
    });
    afterAll(async () => {
      restoreS3();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    });

    it('answers within 5 s, S3 unhealthy, the other checks unaffected', async () => {
      const started = Date.now();
      const { statusCode, body } = await deep();
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(5_500);
      expect(statusCode).toBe(503);
      expect(body.status).toBe('unhealthy');
      expect(byName(body.checks, 's3')!.status).toBe('unhealthy');
      expect(byName(body.checks, 's3')!.latency_ms).toBeLessThanOrEqual(5_000);
      expect(byName(body.checks, 'database')!.status).toBe('healthy');
      expect(byName(body.checks, 'sqs:image-jobs')!.status).toBe('healthy');
      expect(byName(body.checks, `lambda:${scraper}`)!.status).toBe('healthy');
    });

    it('fails a request that needs S3 with a 503 within its client profile, instead of hanging', async () => {
      const profile = CLIENT_PROFILES[REQUEST_PATH_PROFILE];
      // Every attempt waits out the request timeout (the hanging server accepts at once); the retry backoff and the
      // request's own work fit in the extra second.
      const bound = profile.maxAttempts * profile.requestTimeoutMs + 1_000;
      const book = (await api.test.db.insertInto('books').values({ title: 'Hung storage' }).returning('id').executeTakeFirstOrThrow()).id;
      await api.test.db.insertInto('book_images').values({ book_id: book, s3_key: `${book}-hung.jpg` }).execute();
      const started = Date.now();
      const del = await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${book}`, headers: { 'x-api-key': api.keys.editor } });
      const elapsed = Date.now() - started;
      expect(del.statusCode).toBe(503);
      expect(del.json().message).toMatch(/^S3 is unavailable \((ETIMEDOUT|\w*Timeout\w*)\)$/i);
      expect(elapsed).toBeGreaterThanOrEqual(profile.requestTimeoutMs);
      expect(elapsed).toBeLessThan(bound);
      // Nothing was deleted while S3 could not confirm it.
      expect(await api.test.db.selectFrom('books').select('id').where('id', '=', book).executeTakeFirst()).toEqual({ id: book });
    }, 30_000);
  });
  describe('with S3 stopped (connection refused)', () => {
    let restoreS3: () => void;
    beforeAll(async () => {
      restoreS3 = redirectS3(`http://127.0.0.1:${await closedPort()}`);
    });
    afterAll(() => restoreS3());

    it('answers requests that need S3 with 503 and a clear message, never a 500', async () => {
      const book = (await api.test.db.insertInto('books').values({ title: 'No storage' }).returning('id').executeTakeFirstOrThrow()).id;
      await api.test.db.insertInto('book_images').values({ book_id: book, s3_key: `${book}-x.jpg` }).execute();
      const del = await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${book}`, headers: { 'x-api-key': api.keys.editor } });
      expect(del.statusCode).toBe(503);
      expect(del.json().message).toMatch(/^S3 is unavailable/);
      const status = await api.app.inject({ method: 'GET', url: '/api/v1/listings/extract/abc/status', headers: { 'x-api-key': api.keys.viewer } });
      expect(status.statusCode).toBe(503);
      const { body } = await deep();
      expect(byName(body.checks, 's3')!.status).toBe('unhealthy');
    });
  });
});
