// Bad input and access, checked over generated cases rather than a few picked ones: the upload endpoint fuzzed with
// random bytes, bodies and headers (never a 500, never a stack trace); request validation as properties (a 400 names
// the field at fault, a valid body is taken); every write route in the OpenAPI document refused without a key (401)
// and with a viewer key (403); presigned URLs carry the configured lifetime.
import fc from 'fast-check';
import { makeImage, multipart, startTestApi, type TestApi } from './support';

let api: TestApi;
let bookId: number;
let jpeg: Buffer;

beforeAll(async () => {
  api = await startTestApi('fuzz', { PRESIGN_TTL_SECONDS: '600', MAX_UPLOAD_BYTES: String(64 * 1024) });
  bookId = (await api.test.db.insertInto('books').values({ title: 'Fuzzed' }).returning('id').executeTakeFirstOrThrow()).id;
  jpeg = await makeImage('jpeg', 32, 32, 5);
});
afterAll(() => api.close());

/** An answer a client can act on: a documented error body, no stack frames or source paths. */
function expectCleanError(response: { statusCode: number; body: string }) {
  expect(response.statusCode).toBeLessThan(500);
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/src\/|\.ts\b/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(body).toMatchObject({ statusCode: response.statusCode, error: expect.any(String), message: expect.any(String) });
}

describe('upload endpoint fuzz', () => {
  // Header names and values a client could send; the ones the server must control are left out.
  const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((h) => !['content-length', 'host', 'transfer-encoding', 'x-api-key', 'connection', 'expect'].includes(h));
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
  const extraHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
  const contentType = fc.oneof(
    fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=zz', 'application/json', 'text/plain', 'application/octet-stream', 'image/jpeg'),
    headerValue,
  );
  const bytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));
  // Random bytes, and bytes that start like an image (magic numbers) and then go wrong.
  const fileBytes = fc.oneof(
    bytes,
    bytes.map((b) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), b])),
    bytes.map((b) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), b])),
    bytes.map((b) => Buffer.concat([Buffer.from('GIF89a'), b])),
    fc.nat({ max: 200 }).map((cut) => jpeg.subarray(0, jpeg.length - cut)),
  );
  const fields = fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), fc.string({ maxLength: 80 }), { maxKeys: 3 });
  const multipartBody = fc
    .record({
      file: fc.option(
        fc.record({ bytes: fileBytes, filename: fc.string({ maxLength: 40 }).map((f) => f.replace(/["\r\n]/g, '')), field: fc.constantFrom('file', 'image', 'File') }),
        { nil: undefined },
      ),
      fields,
    })
    .map(({ file, fields }) => multipart(file, fields));
  const rawBody = fc.record({ payload: bytes, headers: contentType.map((type) => ({ 'content-type': type })) });
  const target = fc.oneof(fc.constant(() => String(bookId)), fc.constantFrom('0', '-1', 'abc', '99999999', '1e3', '%00', '..%2F..'));

  it('never answers 500 or leaks internals, whatever the bytes, body or headers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(multipartBody, rawBody), extraHeaders, target, async (body, headers, book) => {
        const id = typeof book === 'function' ? book() : book;
        const response = await api.app.inject({
          method: 'POST',
          url: `/api/v1/books/${id}/images`,
          payload: body.payload,
          headers: { ...headers, ...body.headers, 'x-api-key': api.keys.editor },
        });
        if (response.statusCode === 200 || response.statusCode === 201) {
          // Only a real image gets through; it is registered on the book that was asked for.
          expect(JSON.parse(response.body).image.book_id).toBe(bookId);
          return;
        }
        expectCleanError(response);
      }),
      { numRuns: 200 },
    );
  });
});

describe('request validation properties', () => {
  const editor = () => ({ 'x-api-key': api.keys.editor });
  const anyJson = fc.jsonValue({ maxDepth: 2 });

  it('a valid book body is taken, whatever its values', async () => {
    const valid = fc.record(
      {
        title: fc.string({ minLength: 1, maxLength: 500 }).filter((t) => t.length > 0),
        author: fc.option(fc.string({ maxLength: 500 }), { nil: null }),
        status: fc.stringMatching(/^[a-z_]{1,50}$/),
        tracking_number: fc.option(fc.stringMatching(/^[A-Za-z0-9 -]{1,100}$/), { nil: null }),
        tracking_active: fc.boolean(),
      },
      { requiredKeys: ['title'] },
    );
    await fc.assert(
      fc.asyncProperty(valid, async (book) => {
        const response = await api.app.inject({ method: 'POST', url: '/api/v1/books', payload: book, headers: editor() });
        expect(response.statusCode).toBe(201);
        expect(response.json()).toMatchObject({ title: book.title });
      }),
      { numRuns: 40 },
    );
  });

  it('an unknown field is refused with 400 naming it, never dropped', async () => {
    const known = new Set(['title', 'author', 'status', 'tracking_number', 'tracking_carrier', 'tracking_active']);
    // The JSON parser refuses __proto__ and constructor.prototype keys before validation: the next test covers them.
    const poisonFree = anyJson.filter((v) => !/"(__proto__|constructor)"/.test(JSON.stringify(v)));
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/).filter((k) => !known.has(k)), poisonFree, async (key, value) => {
        const response = await api.app.inject({ method: 'POST', url: '/api/v1/books', payload: { title: 'x', [key]: value }, headers: editor() });
        expect(response.statusCode).toBe(400);
        expect(response.json().field).toBe(`body.${key}`);
      }),
      { numRuns: 40 },
    );
  });

  it('a body that is not JSON, or holds a __proto__ or constructor.prototype key at any depth, is a 400 naming the body', async () => {
    for (const payload of ['{"title":', '{"title":"x","__proto__":{"admin":true}}', '{"title":"x","author":{"__proto__":0}}', '{"title":"x","constructor":{"prototype":{}}}']) {
      const response = await api.app.inject({ method: 'POST', url: '/api/v1/books', payload, headers: { ...editor(), 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ field: 'body', message: expect.stringContaining('forbidden key') });
    }
  });

  it('a title that is not a 1 to 500 character string is refused with 400 naming body.title', async () => {
    // Left out: numbers, booleans and one-element arrays, which Fastify's Ajv (coerceTypes 'array') turns into
    // strings before validation, so `{"title": false}` makes a book called "false".
    const coercible = (v: unknown) => typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.length === 1);
    const badTitle = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 501, maxLength: 600 }),
      anyJson.filter((v) => typeof v !== 'string' && !coercible(v)),
    );
    await fc.assert(
      fc.asyncProperty(badTitle, async (title) => {
        const response = await api.app.inject({ method: 'POST', url: '/api/v1/books', payload: { title }, headers: editor() });
        expect(response.statusCode).toBe(400);
        expect(response.json().field).toBe('body.title');
      }),
      { numRuns: 40 },
    );
  });

  it('any JSON body, list query or id is answered 2xx, 400 or 404, never 500', async () => {
    const query = fc.dictionary(fc.constantFrom('limit', 'offset', 'x'), fc.string({ maxLength: 12 }), { maxKeys: 3 });
    const id = fc.oneof(fc.integer({ min: -5, max: 2 ** 33 }).map(String), fc.string({ maxLength: 12 }).map(encodeURIComponent));
    await fc.assert(
      fc.asyncProperty(anyJson, query, id, async (body, q, bookIdText) => {
        const created = await api.app.inject({ method: 'POST', url: '/api/v1/books', payload: JSON.stringify(body), headers: { ...editor(), 'content-type': 'application/json' } });
        if (created.statusCode !== 201) expectCleanError(created);
        const listed = await api.app.inject({ method: 'GET', url: '/api/v1/books', query: q, headers: editor() });
        if (listed.statusCode !== 200) expectCleanError(listed);
        const one = await api.app.inject({ method: 'PATCH', url: `/api/v1/books/${bookIdText}`, payload: JSON.stringify(body), headers: { ...editor(), 'content-type': 'application/json' } });
        if (one.statusCode !== 200) {
          expectCleanError(one);
          expect([400, 404]).toContain(one.statusCode);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('access to write routes', () => {
  /** Every non-GET operation of the OpenAPI document, with its path parameters filled in. */
  async function writeRoutes(): Promise<{ method: string; url: string; admin: boolean }[]> {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        if (['get', 'head', 'options'].includes(method)) continue;
        const url = path.replace('{bookId}', String(bookId)).replace('{imageId}', '1').replace('{key}', `${bookId}-00000000-0000-0000-0000-000000000000.jpg`);
        routes.push({ method: method.toUpperCase(), url, admin: path.includes('/admin/') });
      }
    }
    return routes;
  }

  it('finds the write routes in the document', async () => {
    const routes = await writeRoutes();
    // Books (create, update, delete), images (upload, presign, complete, reorder, update, delete), listings, admin.
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.some((r) => r.admin)).toBe(true);
  });

  it('answers 401 without a key and 403 with a viewer key on every one (and with an editor key on admin routes)', async () => {
    const before = await api.test.db.selectFrom('books').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    for (const route of await writeRoutes()) {
      const none = await api.app.inject({ method: route.method as 'POST', url: route.url, payload: {} });
      expect({ route, status: none.statusCode }).toEqual({ route, status: 401 });
      const viewer = await api.app.inject({ method: route.method as 'POST', url: route.url, payload: {}, headers: { 'x-api-key': api.keys.viewer } });
      expect({ route, status: viewer.statusCode }).toEqual({ route, status: 403 });
      if (route.admin) {
        const editor = await api.app.inject({ method: route.method as 'POST', url: route.url, payload: {}, headers: { 'x-api-key': api.keys.editor } });
        expect({ route, status: editor.statusCode }).toEqual({ route, status: 403 });
      }
    }
    // Nothing was written on the way.
    const after = await api.test.db.selectFrom('books').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('presigned URLs', () => {
  const signedLifetime = (url: string) => {
    const params = new URL(url).searchParams;
    const date = params.get('X-Amz-Date')!;
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    return { expires: Number(params.get('X-Amz-Expires')), signedAt, signed: params.has('X-Amz-Signature') };
  };

  it('GET URLs expire after PRESIGN_TTL_SECONDS, upload URLs after the announced expires_in (at most an hour)', async () => {
    const started = Date.now();
    const upload = multipart({ bytes: jpeg, filename: 'a.jpg' });
    const created = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, payload: upload.payload, headers: { ...upload.headers, 'x-api-key': api.keys.editor } });
    expect([200, 201]).toContain(created.statusCode);
    const image = created.json().image as { url: string; thumbnail_url: string };
    for (const url of [image.url, image.thumbnail_url]) {
      const lifetime = signedLifetime(url);
      expect(lifetime).toMatchObject({ expires: 600, signed: true });
      expect(Math.abs(lifetime.signedAt - started)).toBeLessThan(60_000);
    }
    const ticket = await api.app.inject({
      method: 'POST',
      url: `/api/v1/books/${bookId}/images/uploads`,
      payload: { content_type: 'image/png' },
      headers: { 'x-api-key': api.keys.editor },
    });
    expect(ticket.statusCode).toBe(201);
    const { upload_url, expires_in } = ticket.json() as { upload_url: string; expires_in: number };
    expect(expires_in).toBeLessThanOrEqual(3600);
    expect(signedLifetime(upload_url)).toMatchObject({ expires: expires_in, signed: true });
  });
});
