import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';
import { CORRELATION_ID_ATTRIBUTE } from '@bmx/lambda-kit';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app';
import type { ApiApp } from '../../src/app-deps';
import { makeImage, multipart, startTestApi, type TestApi } from './support';

/** Fastify's log lines, parsed, as the app writes them. */
function captureLines(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

describe('correlation and request ids', () => {
  let api: TestApi;
  let app: ApiApp;
  let lines: Record<string, unknown>[];
  let bookId: number;
  beforeAll(async () => {
    api = await startTestApi('correlation');
    const captured = captureLines();
    lines = captured.lines;
    app = await buildApp({ db: api.test.db, config: api.config, logger: { level: 'info', stream: captured.stream } });
    bookId = (await api.test.db.insertInto('books').values({ title: 'Ulysses' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await app.close();
    await api.close();
  });

  const upload = async (headers: Record<string, string>, seed: number) => {
    const body = multipart({ bytes: await makeImage('png', 64, 64, seed), filename: `${seed}.png` }, { is_primary: 'true' });
    return app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.editor, ...headers, ...body.headers }, payload: body.payload });
  };

  it('keeps the caller\'s X-Correlation-Id: echoed, stored with the job, sent as a message attribute, on the log lines', async () => {
    const res = await upload({ 'x-correlation-id': 'upload-42.a' }, 1);
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-correlation-id']).toBe('upload-42.a');
    const jobId = res.json().processing_job.job_id as string;
    const job = await api.test.db.selectFrom('image_processing_jobs').select(['correlation_id']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job.correlation_id).toBe('upload-42.a');

    const out = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: api.queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
    const message = out.Messages?.find((m) => (JSON.parse(m.Body ?? '{}') as { job_id?: string }).job_id === jobId);
    expect(message?.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue).toBe('upload-42.a');

    const queued = lines.find((line) => line['msg'] === 'image job queued' && line['job_id'] === jobId);
    expect(queued).toMatchObject({ correlation_id: 'upload-42.a', book_id: bookId });
    // Fastify's own request lines carry it too.
    expect(lines.filter((line) => line['reqId'] === queued?.['reqId']).every((line) => line['correlation_id'] === 'upload-42.a')).toBe(true);
  });

  it('makes one when the caller sends none, and gives every request its own id', async () => {
    const first = await upload({}, 2);
    const second = await app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.viewer } });
    const made = first.headers['x-correlation-id'] as string;
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['x-correlation-id']).not.toBe(made);
    const job = await api.test.db.selectFrom('image_processing_jobs').select('correlation_id').where('id', '=', first.json().processing_job.job_id).executeTakeFirstOrThrow();
    expect(job.correlation_id).toBe(made);
    const ids = new Set(lines.filter((line) => line['msg'] === 'incoming request').map((line) => line['reqId']));
    expect(ids.size).toBe(lines.filter((line) => line['msg'] === 'incoming request').length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a malformed X-Correlation-Id with a 400 naming the header', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-correlation-id': 'spaces are not allowed' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'headers.x-correlation-id' });
    const tooLong = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-correlation-id': 'x'.repeat(129) } });
    expect(tooLong.statusCode).toBe(400);
  });
});
