import { hashApiKey } from '../../src/auth';
import { startTestApi, type TestApi } from './support';

describe('books, API keys and input validation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('books');
  });
  afterAll(() => api.close());

  const as = (key: string) => ({ 'x-api-key': key });

  it('stores only the hash of a key', async () => {
    const rows = await api.test.db.selectFrom('api_keys').select(['key_hash', 'role']).execute();
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.key_hash)).toContain(hashApiKey(api.keys.editor));
    expect(rows.map((r) => r.key_hash)).not.toContain(api.keys.editor);
  });

  it('answers 401 without a key or with an unknown or revoked key', async () => {
    const none = await api.app.inject({ method: 'GET', url: '/api/v1/books' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ field: 'headers.x-api-key' });
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/books', headers: as('bmx_nope') })).statusCode).toBe(401);

    const revoked = await api.app.inject({ method: 'POST', url: '/api/v1/books', headers: as(api.keys.admin), payload: { title: 'x' } });
    expect(revoked.statusCode).toBe(201);
    await api.test.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('name', '=', 'viewer').execute();
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/books', headers: as(api.keys.viewer) })).statusCode).toBe(401);
    await api.test.db.updateTable('api_keys').set({ revoked_at: null }).where('name', '=', 'viewer').execute();
  });

  it('answers 403 when the role is too weak', async () => {
    const write = await api.app.inject({ method: 'POST', url: '/api/v1/books', headers: as(api.keys.viewer), payload: { title: 'Nope' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().message).toMatch(/editor/);
    const admin = await api.app.inject({ method: 'POST', url: '/api/v1/admin/image-processing/retry-queue-failed', headers: as(api.keys.editor) });
    expect(admin.statusCode).toBe(403);
  });

  it('lets reads through without a key only when AUTH_PUBLIC_READS is set', async () => {
    const open = await api.variant({ AUTH_PUBLIC_READS: 'true' });
    expect((await open.inject({ method: 'GET', url: '/api/v1/books' })).statusCode).toBe(200);
    expect((await open.inject({ method: 'POST', url: '/api/v1/books', payload: { title: 'x' } })).statusCode).toBe(401);
  });

  it('creates, reads, lists, updates and deletes a book', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/books',
      headers: as(api.keys.editor),
      payload: { title: 'Ulysses', author: 'James Joyce', tracking_number: 'RR123456789DE', tracking_carrier: 'dhl' },
    });
    expect(created.statusCode).toBe(201);
    const book = created.json();
    expect(book).toMatchObject({ title: 'Ulysses', author: 'James Joyce', status: 'owned', tracking_active: false });
    expect(new Date(book.created_at).toString()).not.toBe('Invalid Date');

    const read = await api.app.inject({ method: 'GET', url: `/api/v1/books/${book.id}`, headers: as(api.keys.viewer) });
    expect(read.json()).toMatchObject({ id: book.id, title: 'Ulysses' });

    const list = await api.app.inject({ method: 'GET', url: '/api/v1/books?limit=5', headers: as(api.keys.viewer) });
    expect(list.json().books.map((b: { id: number }) => b.id)).toContain(book.id);

    const patched = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/books/${book.id}`,
      headers: as(api.keys.editor),
      payload: { status: 'read' },
    });
    expect(patched.json()).toMatchObject({ id: book.id, status: 'read', title: 'Ulysses' });

    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${book.id}`, headers: as(api.keys.editor) })).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/books/${book.id}`, headers: as(api.keys.viewer) })).statusCode).toBe(404);
  });

  it.each([
    ['POST', '/api/v1/books', 'body.title', {}],
    ['POST', '/api/v1/books', 'body.title', { title: '' }],
    ['POST', '/api/v1/books', 'body.tracking_active', { title: 'x', tracking_active: 'perhaps' }],
    ['PATCH', '/api/v1/books/1', 'body', {}],
    ['POST', '/api/v1/books', 'body.colour', { title: 'x', colour: 'red' }],
    ['GET', '/api/v1/books/abc', 'params.bookId', undefined],
    ['GET', '/api/v1/books/0', 'params.bookId', undefined],
    ['GET', '/api/v1/books/99999999999', 'params.bookId', undefined],
    ['GET', '/api/v1/books?limit=0', 'querystring.limit', undefined],
    ['GET', '/api/v1/books?limit=lots', 'querystring.limit', undefined],
  ])('%s %s with bad input is a 400 naming %s', async (method, url, field, payload) => {
    const res = await api.app.inject({ method: method as 'GET', url, headers: as(api.keys.admin), ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field });
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('answers malformed JSON with 400, an unknown book with 404 and an unknown route with 404', async () => {
    const bad = await api.app.inject({
      method: 'POST',
      url: '/api/v1/books',
      headers: { ...as(api.keys.editor), 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(bad.statusCode).toBe(400);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/books/424242', headers: as(api.keys.viewer) })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'PATCH', url: '/api/v1/books/424242', headers: as(api.keys.editor), payload: { title: 'x' } })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/v1/books/424242', headers: as(api.keys.editor) })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })).statusCode).toBe(404);
  });

  it('serves the OpenAPI document and its UI without a key', async () => {
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/books',
        '/api/v1/books/{bookId}/images',
        '/api/v1/books/{bookId}/images/uploads/{key}/complete',
        '/api/v1/listings/extract-async',
        '/health/deep',
      ]),
    );
    expect(doc.paths['/api/v1/books/{bookId}/images'].post.requestBody.content['multipart/form-data'].schema.required).toEqual(['file']);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', name: 'X-API-Key' });
  });

  it("lists a book's tracking history oldest first, and 404 for an unknown book", async () => {
    const book = await api.test.db.insertInto('books').values({ title: 'In the post', tracking_number: '1Z999AA10123456784', tracking_active: true }).returning('id').executeTakeFirstOrThrow();
    await api.test.db
      .insertInto('tracking_events')
      .values([
        { book_id: book.id, carrier: 'ups', status: 'In Transit', previous_status: null, detail: 'Departed facility', recorded_at: new Date('2026-11-01T10:00:00Z') },
        { book_id: book.id, carrier: 'ups', status: 'Delivered', previous_status: 'In Transit', detail: null, recorded_at: new Date('2026-11-03T09:00:00Z') },
      ])
      .execute();
    const history = await api.app.inject({ method: 'GET', url: `/api/v1/books/${book.id}/tracking-events`, headers: as(api.keys.viewer) });
    expect(history.statusCode).toBe(200);
    expect(history.json().events.map((e: { status: string; previous_status: string | null }) => [e.previous_status, e.status])).toEqual([
      [null, 'In Transit'],
      ['In Transit', 'Delivered'],
    ]);
    expect(history.json().events[1].recorded_at).toBe('2026-11-03T09:00:00.000Z');
    const missing = await api.app.inject({ method: 'GET', url: '/api/v1/books/999999/tracking-events', headers: as(api.keys.viewer) });
    expect(missing.statusCode).toBe(404);
  });
});
