// An error a client sees names the dependency, never our hosts, ports or stack; the details go to the log with the
// request's id. Checked with S3 stopped (connection refused on a loopback port), as in the outage that found it.
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app';
import type { ApiApp } from '../../src/app-deps';
import { closedPort, makeImage, multipart, redirectS3, startTestApi, type TestApi } from './support';

describe('errors show no internals', () => {
  let api: TestApi;
  let app: ApiApp;
  let port: number;
  let restoreS3: () => void;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    api = await startTestApi('client-errors');
    // The same app with a logger we can read.
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildApp({ db: api.test.db, config: api.config, logger: { level: 'warn', stream } });
    port = await closedPort();
    restoreS3 = redirectS3(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    restoreS3();
    await app.close();
    await api.close();
  });

  const leaks = (text: string) => [String(port), '127.0.0.1', 'localhost', 'node_modules', '/src/', ' at '].filter((needle) => text.includes(needle));

  it('answers an upload during an S3 outage with 503 naming S3, and logs the address with the request id', async () => {
    const book = (await api.test.db.insertInto('books').values({ title: 'Outage' }).returning('id').executeTakeFirstOrThrow()).id;
    const body = multipart({ bytes: await makeImage('png', 40, 40, 3), filename: 'a.png' });
    const res = await app.inject({ method: 'POST', url: `/api/v1/books/${book}/images`, headers: { 'x-api-key': api.keys.editor, ...body.headers }, payload: body.payload });
    expect(res.statusCode).toBe(503);
    // The code is there when the socket error is a real Error; under Jest it comes from another realm and the SDK
    // wraps it into a plain message, so only the name remains: either way, no address.
    expect(res.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/^S3 is unavailable( \(ECONNREFUSED\))?$/) });
    expect(leaks(res.body)).toEqual([]);

    const logged = logLines.find((line) => line['dependency'] === 'S3');
    expect(logged).toBeDefined();
    expect(logged!['reqId']).toEqual(expect.any(String));
    expect(String(logged!['msg'])).toContain(`127.0.0.1:${port}`);
    // The request's own log lines carry the same id.
    expect(logLines.filter((line) => line['reqId'] === logged!['reqId']).length).toBeGreaterThanOrEqual(1);
  });

  it('keeps every S3-backed answer and the public deep health free of the address', async () => {
    const book = (await api.test.db.insertInto('books').values({ title: 'Outage 2' }).returning('id').executeTakeFirstOrThrow()).id;
    await api.test.db.insertInto('book_images').values({ book_id: book, s3_key: `${book}-x.jpg` }).execute();
    const answers = await Promise.all([
      app.inject({ method: 'DELETE', url: `/api/v1/books/${book}`, headers: { 'x-api-key': api.keys.editor } }),
      app.inject({ method: 'GET', url: '/api/v1/listings/extract/abc/status', headers: { 'x-api-key': api.keys.viewer } }),
      app.inject({ method: 'POST', url: `/api/v1/books/${book}/images/uploads/${book}-00000000-0000-0000-0000-000000000000.jpg/complete`, headers: { 'x-api-key': api.keys.editor }, payload: {} }),
    ]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503);
      expect(answer.json().message).toMatch(/^S3 is unavailable/);
      expect(leaks(answer.body)).toEqual([]);
    }
    const deep = await app.inject({ method: 'GET', url: '/health/deep' });
    const s3 = (deep.json().checks as { name: string; status: string; detail?: string }[]).find((check) => check.name === 's3');
    expect(s3).toMatchObject({ status: 'unhealthy', detail: expect.stringMatching(/^(ECONNREFUSED|failed)$/) });
    expect(leaks(deep.body)).toEqual([]);
  });
});
