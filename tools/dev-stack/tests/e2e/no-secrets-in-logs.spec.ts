// The API server process, logging at its most verbose, through requests that touch every credential it holds: the
// API keys in headers, the AWS secret key and session token (signing every S3/SQS/Lambda call and every presigned
// URL), the database password. Its whole stdout and stderr are captured: none of them may appear there.
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { ensureBucket, ensureQueue } from '@bmx/deploy';
import { randomBytes } from 'node:crypto';
import { demoBookPhoto, startApiProcess, type ApiProcess } from '../../src';

const token = (label: string) => `${label}${randomBytes(12).toString('hex')}`;
const secrets = {
  awsSecretAccessKey: token('awsSecret'),
  awsSessionToken: token('awsSession'),
  databasePassword: token('dbPassword'),
};
const suffix = randomBytes(4).toString('hex');
const bucket = `bmx-logs-${suffix}`;
const queueName = `bmx-logs-${suffix}-jobs`;

describe('the API process logs', () => {
  let database: TestDatabase;
  let api: ApiProcess;
  const stdout: string[] = [];
  const stderr: string[] = [];
  // A key that looks real but is not (a mistyped or revoked one is still someone's secret).
  const wrongKey = token('bmx_');
  const call = (route: string, init: RequestInit = {}, key = api.demoKey) =>
    fetch(`${api.url}${route}`, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } });
  const json = (method: string, route: string, body: unknown) =>
    call(route, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    database = await createTestDatabase('bmx_logs');
    await ensureBucket(bucket);
    await ensureQueue({ name: queueName, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
    // The test server trusts 127.0.0.1, so the password is carried (and could leak) without being checked.
    const databaseUrl = database.url.replace('postgres@', `postgres:${secrets.databasePassword}@`);
    expect(databaseUrl).toContain(secrets.databasePassword);
    api = await startApiProcess(
      {
        ...process.env,
        // The local servers do not check signatures, so any secret signs.
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: secrets.awsSecretAccessKey,
        AWS_SESSION_TOKEN: secrets.awsSessionToken,
        DATABASE_URL: databaseUrl,
        IMAGES_BUCKET: bucket,
        IMAGE_JOBS_QUEUE_NAME: queueName,
        SCRAPER_FUNCTION_NAME: `bmx-logs-${suffix}-no-such-scraper`,
        PORT: '0',
        API_SEED_DEMO_KEY_ROLE: 'admin',
        LOG_LEVEL: 'trace',
      },
      (line) => stdout.push(line),
      { stderr: (line) => stderr.push(line) },
    );
  });

  afterAll(async () => {
    if (api && api.child.exitCode === null) api.child.kill('SIGTERM');
    await api?.exited;
    await database?.db.destroy();
    await new Promise((resolve) => setTimeout(resolve, 250));
    await database?.drop();
  });

  it('never contain an API key, the AWS secret key or session token, or the database password', async () => {
    const created = await json('POST', '/api/v1/books', { title: 'Walden' });
    expect(created.status).toBe(201);
    const book = (await created.json()) as { id: number };
    expect((await call('/api/v1/books', {}, wrongKey)).status).toBe(401);
    expect((await call('/api/v1/books', { method: 'POST', body: '{"title": ', headers: { 'content-type': 'application/json' } })).status).toBe(400);

    const form = new FormData();
    form.append('file', new Blob([await demoBookPhoto()], { type: 'image/jpeg' }), 'photo.jpg');
    expect((await call(`/api/v1/books/${book.id}/images`, { method: 'POST', body: form })).status).toBe(201);
    const listed = await call(`/api/v1/books/${book.id}/images`);
    expect(listed.status).toBe(200);
    // The session token is really in play: presigned URLs carry it.
    expect(await listed.text()).toContain(secrets.awsSessionToken);
    expect((await json('POST', `/api/v1/books/${book.id}/images/uploads`, { content_type: 'image/png' })).status).toBe(201);
    // A failing dependency is logged with its error.
    expect((await json('POST', '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/123456789' })).status).toBe(503);
    expect((await call('/health/deep')).status).toBeLessThan(600);

    api.child.kill('SIGTERM');
    await api.exited;

    // The capture works: it holds the requests and the dependency failure.
    const log = [...stdout, ...stderr].join('\n');
    expect(log).toContain(`/api/v1/books/${book.id}/images`);
    expect(log).toMatch(/scraper|Lambda/i);
    expect(stdout.some((line) => /"level":40/.test(line))).toBe(true);

    for (const [name, secret] of Object.entries({ ...secrets, demoKey: api.demoKey, wrongKey })) {
      expect({ name, leaked: log.includes(secret) }).toEqual({ name, leaked: false });
    }
  });
});
