// What an upload client sends is either used or refused by name: BlueMoxon's query parameters, multipart text parts
// (the part wins when both set a field), unknown names in either place, repeated fields, and a second file part.
import { makeImage, multipart, startTestApi, type TestApi } from './support';

describe('upload metadata from the query string and multipart parts', () => {
  let api: TestApi;
  let bookId: number;
  let seed = 100;

  beforeAll(async () => {
    api = await startTestApi('upload-input');
    bookId = (await api.test.db.insertInto('books').values({ title: 'Ulysses' }).returning('id').executeTakeFirstOrThrow()).id;
    // A first image, so later uploads are primary only when asked to be.
    expect((await upload('', {})).statusCode).toBe(201);
  });
  afterAll(() => api.close());

  /** Posts a fresh PNG (new bytes every time, so never a duplicate) with `query` and text `fields`. */
  async function upload(query: string, fields: Record<string, string>, extraFiles = 0) {
    const body = multipart({ bytes: await makeImage('png', 40, 40, seed++), filename: 'p.png', contentType: 'image/png' }, fields);
    let payload = body.payload;
    if (extraFiles > 0) {
      // Further `file` parts before the closing boundary.
      const boundary = body.headers['content-type']!.split('boundary=')[1]!;
      const closing = Buffer.from(`--${boundary}--\r\n`);
      const extra = Buffer.concat(
        Array.from({ length: extraFiles }, (_, i) =>
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="extra${i}.png"\r\nContent-Type: image/png\r\n\r\nxx\r\n`),
        ),
      );
      payload = Buffer.concat([payload.subarray(0, payload.length - closing.length), extra, closing]);
    }
    return api.app.inject({
      method: 'POST',
      url: `/api/v1/books/${bookId}/images${query}`,
      headers: { 'x-api-key': api.keys.editor, ...body.headers },
      payload,
    });
  }

  it("takes BlueMoxon's query parameters (image_type, is_primary, caption)", async () => {
    const res = await upload('?image_type=cover&is_primary=true&caption=Cover', {});
    expect(res.statusCode).toBe(201);
    expect(res.json().image).toMatchObject({ image_type: 'cover', is_primary: true, caption: 'Cover' });
    const row = await api.test.db.selectFrom('book_images').selectAll().where('id', '=', res.json().image.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ image_type: 'cover', is_primary: true, caption: 'Cover' });
  });

  it('takes the same fields as multipart parts, and is_primary as 1/0 or in any case in both places', async () => {
    const parts = await upload('', { image_type: 'spine', caption: 'The spine', is_primary: 'TRUE' });
    expect(parts.statusCode).toBe(201);
    expect(parts.json().image).toMatchObject({ image_type: 'spine', caption: 'The spine', is_primary: true });
    expect((await upload('?is_primary=1', {})).json().image.is_primary).toBe(true);
    expect((await upload('?is_primary=False', {})).json().image.is_primary).toBe(false);
    expect((await upload('', { is_primary: '0' })).json().image.is_primary).toBe(false);
  });

  it('lets the multipart part win when a field comes both ways, and keeps the query fields the parts do not set', async () => {
    const res = await upload('?caption=from-query&image_type=back', { caption: 'from-part' });
    expect(res.statusCode).toBe(201);
    expect(res.json().image).toMatchObject({ caption: 'from-part', image_type: 'back' });
    const primary = await upload('?is_primary=true', { is_primary: 'false' });
    expect(primary.json().image.is_primary).toBe(false);
  });

  it('refuses an unknown query parameter or part with 400 naming it, and stores nothing', async () => {
    const before = await api.test.db.selectFrom('book_images').select('id').where('book_id', '=', bookId).execute();
    const query = await upload('?image_type=cover&foo=bar', {});
    expect(query.statusCode).toBe(400);
    expect(query.json().field).toBe('querystring.foo');
    const part = await upload('', { foo: 'bar' });
    expect(part.statusCode).toBe(400);
    expect(part.json()).toMatchObject({ field: 'body.foo' });
    expect(part.json().message).toMatch(/Unknown field "foo"/);
    const after = await api.test.db.selectFrom('book_images').select('id').where('book_id', '=', bookId).execute();
    expect(after).toHaveLength(before.length);
  });

  it('refuses bad values wherever they come from, naming the place', async () => {
    expect((await upload('?is_primary=sure', {})).json()).toMatchObject({ statusCode: 400, field: 'querystring.is_primary' });
    expect((await upload('?image_type=Not%20Valid', {})).json()).toMatchObject({ statusCode: 400, field: 'querystring.image_type' });
    expect((await upload(`?caption=${'c'.repeat(2001)}`, {})).json()).toMatchObject({ statusCode: 400, field: 'querystring.caption' });
    expect((await upload('', { image_type: 'Not Valid' })).json()).toMatchObject({ statusCode: 400, field: 'body.image_type' });
    expect((await upload('', { is_primary: 'sure' })).json()).toMatchObject({ statusCode: 400, field: 'body.is_primary' });
    // A bad query value is refused even when a part would have overridden it.
    expect((await upload('?is_primary=sure', { is_primary: 'true' })).json()).toMatchObject({ statusCode: 400, field: 'querystring.is_primary' });
    expect((await upload('?caption=a&caption=b', {})).json()).toMatchObject({ statusCode: 400, field: 'querystring.caption' });
  });

  it('refuses a field sent twice as parts, and a text part called "file"', async () => {
    const body = multipart({ bytes: await makeImage('png', 40, 40, seed++), filename: 'p.png' }, {});
    const boundary = body.headers['content-type']!.split('boundary=')[1]!;
    const twice = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\none\r\n--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\ntwo\r\n`),
      body.payload,
    ]);
    const res = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.editor, ...body.headers }, payload: twice });
    expect(res.json()).toMatchObject({ statusCode: 400, field: 'body.caption' });
    expect(res.json().message).toMatch(/more than once/);
    const textFile = multipart(undefined, { file: 'not a file' });
    const res2 = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.editor, ...textFile.headers }, payload: textFile.payload });
    expect(res2.json()).toMatchObject({ statusCode: 400, field: 'body.file' });
  });

  it('answers two or more file parts with 400 and a reason, not 413', async () => {
    for (const extra of [1, 3]) {
      const res = await upload('', {}, extra);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'Bad Request', field: 'file' });
      expect(res.json().message).toMatch(/one "file" part/);
    }
  });

  it('documents the query parameters and the multipart parts in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const upload = doc.paths['/api/v1/books/{bookId}/images'].post;
    const query = upload.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort();
    expect(query).toEqual(['caption', 'image_type', 'is_primary']);
    const form = upload.requestBody.content['multipart/form-data'].schema;
    expect(Object.keys(form.properties).sort()).toEqual(['caption', 'file', 'image_type', 'is_primary']);
    expect(form.additionalProperties).toBe(false);
    expect(upload.description).toMatch(/multipart part wins/);
  });

  it('refuses a query parameter on PUT /images/{id} with 400 naming it, instead of ignoring it', async () => {
    const image = await api.test.db.selectFrom('book_images').select(['id', 'is_primary']).where('book_id', '=', bookId).where('is_primary', '=', false).executeTakeFirstOrThrow();
    const put = (query: string) =>
      api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/${image.id}${query}`, headers: { 'x-api-key': api.keys.editor }, payload: { caption: 'c' } });
    const refused = await put('?is_primary=true');
    expect(refused.json()).toMatchObject({ statusCode: 400, field: 'querystring.is_primary' });
    expect(await api.test.db.selectFrom('book_images').select(['is_primary', 'caption']).where('id', '=', image.id).executeTakeFirstOrThrow()).toEqual({ is_primary: false, caption: null });
    expect((await put('')).statusCode).toBe(200);
  });

  it('completes a presigned upload sent with no body at all (every field is optional), and still names a bad field', async () => {
    const key = `${bookId}-00000000-0000-4000-8000-000000000000.jpg`;
    const url = `/api/v1/books/${bookId}/images/uploads/${key}/complete`;
    const bare = await api.app.inject({ method: 'POST', url, headers: { 'x-api-key': api.keys.editor } });
    // Past the body: the answer is about the key, to which nothing was uploaded.
    expect(bare.json()).toMatchObject({ statusCode: 404, field: 'params.key' });
    const bad = await api.app.inject({ method: 'POST', url, headers: { 'x-api-key': api.keys.editor }, payload: { colour: 'red' } });
    expect(bad.json()).toMatchObject({ statusCode: 400, field: 'body.colour' });
  });
});
