import { invokeJson } from '@bmx/aws-clients';
import { databaseSecretFromUrl } from '@bmx/db';
import { deployForTest, type TestDeployment } from '@bmx/deploy/testing';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { drainQueue, makeImage, multipart, startTestApi, type TestApi } from './support';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * `queryStringParameters` as API Gateway fills it in a payload 2.0 event: names and values decoded, the values of a
 * name sent more than once joined by commas.
 */
function gatewayQueryParameters(rawQueryString: string): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/** An API Gateway HTTP API (payload 2.0) event; `rawPath` may end with `?` and the query string as the client sent it. */
function httpEvent(method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | string): APIGatewayProxyEventV2 {
  const binary = Buffer.isBuffer(body);
  const [rawPath = url, rawQueryString = ''] = url.split(/\?(.*)/s);
  const queryStringParameters = gatewayQueryParameters(rawQueryString);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    headers: { host: 'api.example.test', ...headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random()}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: binary,
    ...(body === undefined ? {} : { body: binary ? body.toString('base64') : body }),
  };
}

describe('Lambda entry points', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('lambda');
  });
  afterAll(() => api.close());

  describe('handler (API Gateway HTTP API, payload 2.0), in process', () => {
    let handler: Handler;
    let close: () => Promise<void>;
    const saved = { ...process.env };
    beforeAll(() => {
      Object.assign(process.env, {
        DATABASE_URL: api.test.url,
        IMAGES_BUCKET: api.bucket,
        IMAGE_JOBS_QUEUE_NAME: api.queue.name,
        LOG_LEVEL: 'silent',
      });
      jest.isolateModules(() => {
        ({ handler, closeLambdaApp: close } = require('../../src/lambda') as { handler: Handler; closeLambdaApp: () => Promise<void> });
      });
    });
    afterAll(async () => {
      await close();
      for (const key of ['DATABASE_URL', 'IMAGES_BUCKET', 'IMAGE_JOBS_QUEUE_NAME', 'LOG_LEVEL']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });
    const context = {} as Context;

    it('serves routes, auth included', async () => {
      const live = await handler(httpEvent('GET', '/health/live'), context);
      expect(live.statusCode).toBe(200);
      expect(JSON.parse(live.body!)).toEqual({ status: 'ok' });
      expect((await handler(httpEvent('GET', '/api/v1/books'), context)).statusCode).toBe(401);
      const created = await handler(
        httpEvent('POST', '/api/v1/books', { 'x-api-key': api.keys.editor, 'content-type': 'application/json' }, JSON.stringify({ title: 'Via Lambda' })),
        context,
      );
      expect(created.statusCode).toBe(201);
      expect(JSON.parse(created.body!)).toMatchObject({ title: 'Via Lambda' });
      const doc = await handler(httpEvent('GET', '/docs/json'), context);
      expect(JSON.parse(doc.body!).paths['/api/v1/books']).toBeDefined();
    });

    it('accepts a base64-encoded multipart upload and queues the job', async () => {
      const book = (await api.test.db.insertInto('books').values({ title: 'Binary' }).returning('id').executeTakeFirstOrThrow()).id;
      const form = multipart({ bytes: await makeImage('png', 120, 90, 5), filename: 'l.png' });
      const res = await handler(httpEvent('POST', `/api/v1/books/${book}/images`, { 'x-api-key': api.keys.editor, ...form.headers }, form.payload), context);
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body!);
      expect(body.image).toMatchObject({ book_id: book, is_primary: true });
      expect(await drainQueue(api.queue.url)).toEqual([{ job_id: body.processing_job.job_id, book_id: book, image_id: body.image.id }]);
    });

    it.each([
      '/api/v1/books?limit=1',
      '/api/v1/books?limit=1&offset=1',
      '/api/v1/books?colour=red',
      '/api/v1/books?limit=1&colour=red',
      '/api/v1/books?limit=0',
      '/api/v1/books?limit=1&limit=2',
      '/api/v1/books?limit=1,2',
      '/health/live?colour=red',
      '/health/live?',
    ])('answers GET %s as the server does', async (url) => {
      for (const title of ['Paged one', 'Paged two']) await api.test.db.insertInto('books').values({ title }).execute();
      const viaLambda = await handler(httpEvent('GET', url, { 'x-api-key': api.keys.viewer }), context);
      const viaServer = await api.app.inject({ method: 'GET', url, headers: { 'x-api-key': api.keys.viewer } });
      expect({ status: viaLambda.statusCode, body: JSON.parse(viaLambda.body!) }).toEqual({ status: viaServer.statusCode, body: viaServer.json() });
    });

    it('refuses an unknown query parameter with a 400 naming it', async () => {
      const res = await handler(httpEvent('GET', '/health/live?colour=red'), context);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!)).toMatchObject({ message: 'Unknown field querystring.colour', field: 'querystring.colour' });
    });

    it('takes the upload fields from the query string as sent, commas included', async () => {
      const book = (await api.test.db.insertInto('books').values({ title: 'Comma' }).returning('id').executeTakeFirstOrThrow()).id;
      const form = multipart({ bytes: await makeImage('png', 60, 60, 6), filename: 'c.png' });
      const url = `/api/v1/books/${book}/images?caption=${encodeURIComponent('Cover, signed')}&image_type=cover`;
      const res = await handler(httpEvent('POST', url, { 'x-api-key': api.keys.editor, ...form.headers }, form.payload), context);
      expect(res.statusCode).toBe(201);
      expect(JSON.parse(res.body!).image).toMatchObject({ caption: 'Cover, signed', image_type: 'cover' });
      await drainQueue(api.queue.url);
    });
  });

  describe('retryHandler, deployed to the local Lambda server from the API stack', () => {
    let deployment: TestDeployment | undefined;
    let name: string;
    beforeAll(async () => {
      deployment = await deployForTest({
        app: 'api',
        only: ['image-job-retry'],
        // The schedule is deployed disabled: the test invokes the function itself, and a scheduled run in between
        // would resend its job first.
        overrides: {
          'image-job-retry': { environment: { IMAGES_BUCKET: api.bucket, IMAGE_JOBS_QUEUE_NAME: api.queue.name }, schedule: { expression: 'rate(5 minutes)', enabled: false } },
        },
        // It reads its database by DATABASE_SECRET_ARN, as on AWS.
        secrets: { database: databaseSecretFromUrl(api.test.url) },
      });
      name = deployment.functionName('image-job-retry');
    }, 120_000);
    afterAll(async () => {
      await deployment?.remove();
    });

    it('resends queue_failed jobs when invoked by the schedule', async () => {
      const book = (await api.test.db.insertInto('books').values({ title: 'Scheduled' }).returning('id').executeTakeFirstOrThrow()).id;
      const image = await api.test.db.insertInto('book_images').values({ book_id: book, s3_key: `${book}-s.jpg` }).returning('id').executeTakeFirstOrThrow();
      const job = await api.test.db
        .insertInto('image_processing_jobs')
        .values({ book_id: book, source_image_id: image.id, status: 'queue_failed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const summary = await invokeJson(name, { source: 'aws.events', 'detail-type': 'Scheduled Event' });
      expect(summary).toMatchObject({ resent: 1, still_failed: 0, permanently_failed: 0 });
      expect(await drainQueue(api.queue.url)).toEqual([{ job_id: job.id, book_id: book, image_id: image.id }]);
    });
  });
});
