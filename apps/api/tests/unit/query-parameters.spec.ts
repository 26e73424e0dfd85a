import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { Type } from '@fastify/type-provider-typebox';
import { hashApiKey } from '@bmx/db';
import { fakeDatabase, type Statement } from '@bmx/db/testing';
import { mockClient } from 'aws-sdk-client-mock';
import type { InjectOptions } from 'fastify';
import { buildApp } from '../../src/app';
import type { ApiApp } from '../../src/app-deps';
import { loadConfig } from '../../src/config';

// The app on a fake database (each statement recorded and answered from the rows below) with S3 stubbed: a query
// parameter a route does not declare is a 400 naming it on every route, refused before the route does anything, and
// the parameters routes do declare still reach them.

const config = loadConfig({
  IMAGES_BUCKET: 'bmx-unit-images',
  IMAGE_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bmx-unit-image-jobs',
  // Image URLs without signing, so nothing here needs AWS credentials.
  CDN_BASE_URL: 'https://cdn.example.test',
  LOG_LEVEL: 'silent',
});

const ADMIN_KEY = 'bmx_unit_admin_key';
const AT = new Date('2026-01-02T03:04:05.000Z');
const book = (id: number, title: string) => ({
  id,
  title,
  author: null,
  status: 'owned',
  tracking_number: null,
  tracking_carrier: null,
  tracking_status: null,
  tracking_active: false,
  tracking_last_checked: null,
  tracking_delivered_at: null,
  created_at: AT,
  updated_at: AT,
});
/** Newest first, as the list orders them. */
const books = [book(9, 'Third'), book(8, 'Second'), book(7, 'First')];
const bookId = 7;
const imageId = 70;
const image = {
  id: imageId,
  book_id: bookId,
  s3_key: `${bookId}-a.jpg`,
  original_filename: null,
  content_hash: null,
  image_type: null,
  display_order: 0,
  is_primary: false,
  is_background_processed: false,
  caption: null,
  thumbnail_key_rule: 'jpg_stem',
  created_at: AT,
};

/** The rows PostgreSQL would answer the statements these routes run with. */
function answer({ sql, parameters }: Statement): Record<string, unknown>[] | undefined {
  if (/ from "api_keys" /.test(sql)) return parameters.includes(hashApiKey(ADMIN_KEY)) ? [{ id: 1, name: 'admin', role: 'admin' }] : [];
  if (/^select \* from "books" order by "id" desc limit \$1 offset \$2$/.test(sql)) {
    const [limit, offset] = parameters as [number, number];
    return books.slice(offset, offset + limit);
  }
  if (/ from "books" where "id" = \$1/.test(sql)) return books.filter((b) => b.id === parameters[0]);
  if (/ from "book_images" where "book_id" = \$1 and "id" = \$2$/.test(sql)) return parameters[0] === bookId && parameters[1] === imageId ? [image] : [];
  if (/ from "book_images" where "book_id" = \$1 order by /.test(sql)) return parameters[0] === bookId ? [image] : [];
  if (/^delete from "book_images" /.test(sql)) return [{ is_primary: false }];
  return undefined;
}

const { db, statements } = fakeDatabase(answer);
let app: ApiApp;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  app = await buildApp({ db, config, logger: false });
});

afterAll(async () => {
  await app?.close();
  s3.restore();
});

beforeEach(() => {
  statements.length = 0;
  s3.reset();
  s3.on(DeleteObjectsCommand).resolves({});
});

/** What the routes ran, besides checking the key. */
const routeStatements = () => statements.filter((s) => !/ from "api_keys" /.test(s.sql));
const as = (key: string) => ({ 'x-api-key': key });
const inject = (options: InjectOptions) => app.inject({ ...options, headers: { ...as(ADMIN_KEY), ...options.headers } });

describe('a query parameter the route does not declare', () => {
  const routes: Array<[string, () => InjectOptions]> = [
    ['GET /health/live', () => ({ method: 'GET', url: '/health/live' })],
    ['HEAD /health/live', () => ({ method: 'HEAD', url: '/health/live' })],
    ['GET /health/ready', () => ({ method: 'GET', url: '/health/ready' })],
    ['GET /health/deep', () => ({ method: 'GET', url: '/health/deep' })],
    ['GET /api/v1/books', () => ({ method: 'GET', url: '/api/v1/books' })],
    ['GET /api/v1/books/{bookId}', () => ({ method: 'GET', url: `/api/v1/books/${bookId}` })],
    ['GET /api/v1/books/{bookId}/images', () => ({ method: 'GET', url: `/api/v1/books/${bookId}/images` })],
    ['DELETE /api/v1/books/{bookId}/images/{imageId}', () => ({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${imageId}` })],
    ['PUT /api/v1/books/{bookId}/images/{imageId}', () => ({ method: 'PUT', url: `/api/v1/books/${bookId}/images/${imageId}`, payload: { caption: 'c' } })],
    ['POST /api/v1/books/{bookId}/images (the upload)', () => ({ method: 'POST', url: `/api/v1/books/${bookId}/images` })],
    ['POST /api/v1/admin/image-processing/retry-queue-failed', () => ({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed' })],
    ['GET /static/placeholder-cover.svg', () => ({ method: 'GET', url: '/static/placeholder-cover.svg' })],
    ['GET /docs/json', () => ({ method: 'GET', url: '/docs/json' })],
  ];

  it.each(routes)('%s?colour=red is a 400 naming querystring.colour', async (_name, request) => {
    const options = request();
    const res = await inject({ ...options, query: { colour: 'red' } });
    expect(res.statusCode).toBe(400);
    if (options.method === 'HEAD') return; // no body to read
    expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Unknown field querystring.colour', field: 'querystring.colour' });
  });

  it('is refused before the route acts: DELETE touches neither S3 nor the database', async () => {
    const res = await inject({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${imageId}?force=true` });
    expect(res.json()).toMatchObject({ statusCode: 400, field: 'querystring.force' });
    expect(s3.calls()).toHaveLength(0);
    expect(routeStatements()).toEqual([]);
  });

  it('is named even next to parameters the route does declare', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/books?limit=2&sort=title&offset=1' });
    expect(res.json()).toMatchObject({ statusCode: 400, message: 'Unknown field querystring.sort', field: 'querystring.sort' });
    const upload = await inject({ method: 'POST', url: `/api/v1/books/${bookId}/images?image_type=cover&primary=true` });
    expect(upload.json()).toMatchObject({ statusCode: 400, field: 'querystring.primary' });
  });

  it('is a 400 on every operation of the OpenAPI document', async () => {
    // A valid body for each operation that has a JSON one: Fastify validates the body before the query string.
    const bodies: Record<string, unknown> = {
      'POST /api/v1/books': { title: 'Probe' },
      'PATCH /api/v1/books/{bookId}': { title: 'Probe' },
      'POST /api/v1/books/{bookId}/images/uploads': { content_type: 'image/png' },
      'POST /api/v1/books/{bookId}/images/uploads/{key}/complete': {},
      'PUT /api/v1/books/{bookId}/images/reorder': { image_ids: [imageId] },
      'PUT /api/v1/books/{bookId}/images/{imageId}': { caption: 'Probe' },
      'POST /api/v1/listings/extract-async': { url: 'https://www.ebay.com/itm/123456789' },
      'POST /api/v1/listings/extract': { url: 'https://www.ebay.com/itm/123456789' },
    };
    const doc = (await inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    const probed: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        const json = operation.requestBody?.content['application/json'] !== undefined;
        if (json && !(name in bodies)) throw new Error(`${name} takes a JSON body: add a valid one to this test`);
        const url = path
          .replace('{bookId}', String(bookId))
          .replace('{imageId}', String(imageId))
          .replace('{key}', `${bookId}-00000000-0000-4000-8000-000000000000.jpg`)
          .replace('{itemId}', '123456789');
        const res = await inject({ method: method.toUpperCase() as 'GET', url: `${url}?bmx_probe=1`, ...(json ? { payload: bodies[name] as object } : {}) });
        expect({ name, status: res.statusCode, field: res.json().field }).toEqual({ name, status: 400, field: 'querystring.bmx_probe' });
        probed.push(name);
      }
    }
    // Health (3), books (5 and the tracking events), images (8), listings (3), admin (1): the walk is not vacuous.
    expect(probed.length).toBeGreaterThanOrEqual(21);
    // Refused before any route ran a statement or called S3.
    expect(s3.calls()).toHaveLength(0);
    expect(routeStatements()).toEqual([]);
  });
});

describe('the query parameters a route declares', () => {
  it('page the books list (limit, offset)', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/books?limit=1&offset=1' });
    expect(res.statusCode).toBe(200);
    expect(routeStatements()).toEqual([{ sql: 'select * from "books" order by "id" desc limit $1 offset $2', parameters: [1, 1] }]);
    expect(res.json().books.map((b: { id: number }) => b.id)).toEqual([8]);
    await inject({ method: 'GET', url: '/api/v1/books' });
    expect(routeStatements()[1]?.parameters).toEqual([50, 0]);
    expect((await inject({ method: 'GET', url: '/api/v1/books?limit=0' })).json()).toMatchObject({ statusCode: 400, field: 'querystring.limit' });
  });

  it("reach the upload (image_type, is_primary, caption): past validation, it asks for the multipart body", async () => {
    const res = await inject({ method: 'POST', url: `/api/v1/books/${bookId}/images?image_type=cover&is_primary=1&caption=Cover` });
    expect(res.json()).toMatchObject({ statusCode: 415, field: 'file' });
  });
});

describe('routes without query parameters, called without any', () => {
  it('GET /health/live and /health/ready answer 200', async () => {
    expect((await inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await inject({ method: 'HEAD', url: '/health/live' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/health/ready' })).json()).toMatchObject({ name: 'database', status: 'healthy' });
  });

  it('GET /api/v1/books/{bookId} and its images answer 200', async () => {
    expect((await inject({ method: 'GET', url: `/api/v1/books/${bookId}` })).json()).toMatchObject({ id: bookId, title: 'First' });
    const images = await inject({ method: 'GET', url: `/api/v1/books/${bookId}/images` });
    expect(images.json().images).toEqual([expect.objectContaining({ id: imageId, url: `https://cdn.example.test/books/${bookId}-a.jpg` })]);
  });

  it('the admin retry answers its summary', async () => {
    const res = await inject({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ reset_stuck: 0, resent: 0, still_failed: 0, permanently_failed: 0, superseded: 0 });
  });

  it('the docs and the placeholder are served', async () => {
    expect((await inject({ method: 'GET', url: '/docs/json' })).json().openapi).toBe('3.0.3');
    expect((await inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/static/placeholder-cover.svg' })).statusCode).toBe(200);
  });

  it('DELETE /api/v1/books/{bookId}/images/{imageId} deletes the objects and the row (204)', async () => {
    const res = await inject({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${imageId}` });
    expect(res.statusCode).toBe(204);
    const keys = s3.commandCalls(DeleteObjectsCommand).flatMap((call) => call.args[0].input.Delete?.Objects?.map((o) => o.Key) ?? []);
    expect(keys.sort()).toEqual([`books/${bookId}-a.jpg`, `books/thumb_${bookId}-a.jpg`]);
    expect(routeStatements()).toContainEqual({ sql: 'delete from "book_images" where "id" = $1 and "book_id" = $2 returning "is_primary"', parameters: [imageId, bookId] });
  });
});

describe('a route that declares a query string', () => {
  it('must refuse unknown names itself, or registering it throws naming the route', async () => {
    const other = await buildApp({ db, config, logger: false, docsUi: false });
    try {
      const handler = async () => ({});
      expect(() => other.get('/loose', { schema: { querystring: Type.Object({ a: Type.Optional(Type.String()) }) } }, handler)).toThrow(
        'GET /loose: its querystring schema must set additionalProperties: false, so an unknown query parameter is a 400 naming it',
      );
      expect(() => other.get('/strict', { schema: { querystring: Type.Object({ a: Type.Optional(Type.String()) }, { additionalProperties: false }) } }, handler)).not.toThrow();
      expect((await other.inject({ method: 'GET', url: '/strict?a=1', headers: as(ADMIN_KEY) })).statusCode).toBe(200);
      expect((await other.inject({ method: 'GET', url: '/strict?b=1', headers: as(ADMIN_KEY) })).json()).toMatchObject({ statusCode: 400, field: 'querystring.b' });
    } finally {
      await other.close();
    }
  });
});
