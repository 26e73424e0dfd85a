import { imageObjectKey, thumbnailObjectKey } from '@bmx/images';
import * as jobs from '../../src/services/jobs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { drainQueue, makeImage, multipart, objectExists, readObject, startTestApi, type TestApi } from './support';

describe('images of a book on S3, with processing jobs on SQS', () => {
  let api: TestApi;
  let bookId: number;
  const editor = () => ({ 'x-api-key': api.keys.editor });

  beforeAll(async () => {
    api = await startTestApi('images', { MAX_UPLOAD_BYTES: String(400 * 1024), MAX_PRESIGNED_UPLOAD_BYTES: String(2 * 1024 * 1024) });
    bookId = (await api.test.db.insertInto('books').values({ title: 'Dubliners', author: 'Joyce' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => api.close());

  /** A non-primary image of the book that has never had a processing job, so making it primary queues one. */
  const imageWithoutJob = async () =>
    api.test.db
      .selectFrom('book_images')
      .select('id')
      .where('book_id', '=', bookId)
      .where('is_primary', '=', false)
      .where('id', 'not in', api.test.db.selectFrom('image_processing_jobs').select('source_image_id'))
      .orderBy('id')
      .executeTakeFirstOrThrow();

  const upload = (book: number, bytes: Buffer, filename: string, fields: Record<string, string> = {}) => {
    const body = multipart({ bytes, filename, contentType: 'image/png' }, fields);
    return api.app.inject({ method: 'POST', url: `/api/v1/books/${book}/images`, headers: { ...editor(), ...body.headers }, payload: body.payload });
  };

  it('stores the first upload and a 300×300 JPEG thumbnail, makes it primary, and queues a job after committing it', async () => {
    const png = await makeImage('png', 900, 600, 1);
    const res = await upload(bookId, png, 'cover.png', { caption: 'front cover', image_type: 'cover' });
    expect(res.statusCode).toBe(201);
    const { image, duplicate, processing_job } = res.json();
    expect(duplicate).toBe(false);
    expect(image).toMatchObject({
      book_id: bookId,
      original_filename: 'cover.png',
      caption: 'front cover',
      image_type: 'cover',
      is_primary: true,
      display_order: 0,
      content_hash: createHash('sha256').update(png).digest('hex'),
    });
    expect(image.s3_key).toMatch(new RegExp(`^${bookId}-[0-9a-f-]{36}\\.png$`));

    const original = await readObject(api.bucket, imageObjectKey(image.s3_key));
    expect(original?.contentType).toBe('image/png');
    expect(original?.bytes.equals(png)).toBe(true);
    const thumbKey = thumbnailObjectKey(image.s3_key);
    expect(thumbKey).toMatch(/^books\/thumb_.*\.jpg$/);
    const thumb = await readObject(api.bucket, thumbKey);
    expect(thumb?.contentType).toBe('image/jpeg');
    const meta = await sharp(thumb!.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(300);

    expect(processing_job).toMatchObject({ outcome: 'queued', status: 'pending' });
    const job = await api.test.db.selectFrom('image_processing_jobs').selectAll().where('id', '=', processing_job.job_id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ book_id: bookId, source_image_id: image.id, status: 'pending' });
    const messages = await drainQueue(api.queue.url);
    expect(messages).toEqual([{ job_id: processing_job.job_id, book_id: bookId, image_id: image.id }]);
  });

  it('returns the existing image with duplicate:true for the same bytes in the same book', async () => {
    const png = await makeImage('png', 900, 600, 1);
    const res = await upload(bookId, png, 'again.png');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ duplicate: true, image: { original_filename: 'cover.png', is_primary: true } });
    expect(await api.test.db.selectFrom('book_images').select('id').where('book_id', '=', bookId).execute()).toHaveLength(1);
  });

  it('keeps one image when the same bytes are uploaded twice at once', async () => {
    const book = (await api.test.db.insertInto('books').values({ title: 'Twins' }).returning('id').executeTakeFirstOrThrow()).id;
    const png = await makeImage('png', 200, 200, 41);
    const [a, b] = await Promise.all([upload(book, png, 'a.png'), upload(book, png, 'b.png')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    const rows = await api.test.db.selectFrom('book_images').select('s3_key').where('book_id', '=', book).execute();
    expect(rows).toHaveLength(1);
    expect(await objectExists(api.bucket, imageObjectKey(rows[0]!.s3_key))).toBe(true);
    await drainQueue(api.queue.url);
  });

  it('appends later uploads at the end without changing the primary or queueing', async () => {
    const res = await upload(bookId, await makeImage('webp', 400, 300, 2), 'back.webp');
    expect(res.statusCode).toBe(201);
    expect(res.json().image).toMatchObject({ display_order: 1, is_primary: false });
    expect(res.json().image.s3_key).toMatch(/\.webp$/);
    expect(res.json().processing_job).toBeUndefined();
    const gif = await upload(bookId, await makeImage('gif', 100, 100, 3), 'spine.gif');
    expect(gif.json().image).toMatchObject({ display_order: 2, is_primary: false });
    expect(await drainQueue(api.queue.url, 1)).toEqual([]);
  });

  it('makes an upload with is_primary=true the primary and queues it', async () => {
    const res = await upload(bookId, await makeImage('jpeg', 500, 500, 4), 'new-cover.jpg', { is_primary: 'true' });
    expect(res.statusCode).toBe(201);
    expect(res.json().image).toMatchObject({ is_primary: true, display_order: 3 });
    const primaries = await api.test.db.selectFrom('book_images').select('id').where('book_id', '=', bookId).where('is_primary', '=', true).execute();
    expect(primaries).toEqual([{ id: res.json().image.id }]);
    const [message] = await drainQueue(api.queue.url);
    expect(message).toEqual({ job_id: res.json().processing_job.job_id, book_id: bookId, image_id: res.json().image.id });
  });

  it('refuses what is not an image by its bytes with 415, whatever its name says', async () => {
    const res = await upload(bookId, Buffer.from('%PDF-1.7 not an image at all'), 'fake.png');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ field: 'file' });
    expect(res.json().message).toMatch(/JPEG, PNG, WEBP or GIF/);
  });

  it('refuses a file over the size cap with 413', async () => {
    const big = Buffer.concat([await makeImage('png', 10, 10), Buffer.alloc(500 * 1024, 7)]);
    const res = await upload(bookId, big, 'huge.png');
    expect(res.statusCode).toBe(413);
  });

  it('answers bad uploads with 4xx: no file part, a JSON body, bad fields, unknown book', async () => {
    const noFile = multipart(undefined, { caption: 'x' });
    const r1 = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: { ...editor(), ...noFile.headers }, payload: noFile.payload });
    expect(r1.statusCode).toBe(400);
    const r2 = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: editor(), payload: { file: 'abc' } });
    expect(r2.statusCode).toBe(415);
    const r3 = await upload(bookId, await makeImage('png', 20, 20, 9), 'a.png', { is_primary: 'sure' });
    expect(r3.statusCode).toBe(400);
    expect(r3.json().field).toBe('body.is_primary');
    const r4 = await upload(987654, await makeImage('png', 20, 20, 9), 'a.png');
    expect(r4.statusCode).toBe(404);
    const r5 = await api.app.inject({ method: 'POST', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.viewer } });
    expect(r5.statusCode).toBe(403);
  });

  it('lists images in order with working url and thumbnail_url, and shows the primary', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.viewer } });
    expect(res.statusCode).toBe(200);
    const images = res.json().images as { display_order: number; url: string; thumbnail_url: string; s3_key: string; is_primary: boolean }[];
    expect(images.map((i) => i.display_order)).toEqual([0, 1, 2, 3]);
    const fetched = await fetch(images[0]!.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals((await readObject(api.bucket, imageObjectKey(images[0]!.s3_key)))!.bytes)).toBe(true);
    const thumb = await fetch(images[0]!.thumbnail_url);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');

    const primary = await api.app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images/primary`, headers: { 'x-api-key': api.keys.viewer } });
    const expected = images.find((i) => i.is_primary)!;
    expect(primary.json()).toMatchObject({ placeholder: false, image: { s3_key: expected.s3_key } });
  });

  it('uses CDN URLs for every image when CDN_BASE_URL is set', async () => {
    const cdn = await api.variant({ CDN_BASE_URL: 'https://cdn.example.test/media' });
    const res = await cdn.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: { 'x-api-key': api.keys.viewer } });
    for (const image of res.json().images) {
      expect(image.url).toBe(`https://cdn.example.test/media/books/${image.s3_key}`);
      expect(image.thumbnail_url).toBe(`https://cdn.example.test/media/${thumbnailObjectKey(image.s3_key)}`);
    }
  });

  it('answers a placeholder for a book without images, and 404 for an unknown book', async () => {
    const empty = (await api.test.db.insertInto('books').values({ title: 'Empty' }).returning('id').executeTakeFirstOrThrow()).id;
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/books/${empty}/images/primary`, headers: { 'x-api-key': api.keys.viewer } });
    expect(res.json()).toMatchObject({ placeholder: true, image: null });
    const svg = await api.app.inject({ method: 'GET', url: res.json().url });
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    const missing = await api.app.inject({ method: 'GET', url: `/api/v1/books/555555/images`, headers: { 'x-api-key': api.keys.viewer } });
    expect(missing.statusCode).toBe(404);
  });

  it('reorders: ids must belong to the book, index 0 becomes primary and is queued', async () => {
    const list = (await api.app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: editor() })).json().images as { id: number; is_primary: boolean }[];
    const other = (await api.test.db.insertInto('books').values({ title: 'Other' }).returning('id').executeTakeFirstOrThrow()).id;
    const foreign = await upload(other, await makeImage('png', 50, 50, 20), 'o.png');
    await drainQueue(api.queue.url);
    const bad = await api.app.inject({
      method: 'PUT',
      url: `/api/v1/books/${bookId}/images/reorder`,
      headers: editor(),
      payload: { image_ids: [list[1]!.id, foreign.json().image.id] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'body.image_ids' });
    const dupes = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/reorder`, headers: editor(), payload: { image_ids: [list[1]!.id, list[1]!.id] } });
    expect(dupes.statusCode).toBe(400);

    const target = await imageWithoutJob();
    const res = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/reorder`, headers: editor(), payload: { image_ids: [target.id] } });
    expect(res.statusCode).toBe(200);
    const images = res.json().images as { id: number; is_primary: boolean; display_order: number }[];
    expect(images[0]).toMatchObject({ id: target.id, is_primary: true, display_order: 0 });
    expect(images.filter((i) => i.is_primary)).toHaveLength(1);
    expect(images.map((i) => i.id).sort()).toEqual(list.map((i) => i.id).sort());
    const [message] = await drainQueue(api.queue.url);
    expect(message).toEqual({ job_id: res.json().processing_job.job_id, book_id: bookId, image_id: target.id });
  });

  it('updates caption and type, and makes an image primary', async () => {
    const target = await imageWithoutJob();
    const res = await api.app.inject({
      method: 'PUT',
      url: `/api/v1/books/${bookId}/images/${target.id}`,
      headers: editor(),
      payload: { caption: 'the spine', image_type: 'spine', is_primary: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().image).toMatchObject({ id: target.id, caption: 'the spine', image_type: 'spine', is_primary: true });
    expect(res.json().processing_job).toMatchObject({ outcome: 'queued' });
    await drainQueue(api.queue.url);

    const empty = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/${target.id}`, headers: editor(), payload: {} });
    expect(empty.statusCode).toBe(400);
    const badType = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/${target.id}`, headers: editor(), payload: { image_type: 'Not Valid' } });
    expect(badType.json()).toMatchObject({ statusCode: 400, field: 'body.image_type' });
    const wrongBook = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId + 1000}/images/${target.id}`, headers: editor(), payload: { caption: 'x' } });
    expect(wrongBook.statusCode).toBe(404);
  });

  it('does not create a second job while one is pending for the image', async () => {
    const primary = await api.test.db.selectFrom('book_images').select('id').where('book_id', '=', bookId).where('is_primary', '=', true).executeTakeFirstOrThrow();
    const res = await api.app.inject({ method: 'PUT', url: `/api/v1/books/${bookId}/images/${primary.id}`, headers: editor(), payload: { is_primary: true } });
    expect(res.json().processing_job).toBeUndefined();
    const { queueImageProcessing } = jobs;
    const again = await queueImageProcessing(api.test.db, api.config.imageJobsQueue, bookId, primary.id, { correlationId: 'test-direct', log: api.app.log });
    expect(again.outcome).toBe('existing');
    const live = await api.test.db.selectFrom('image_processing_jobs').select('id').where('source_image_id', '=', primary.id).where('status', '=', 'pending').execute();
    expect(live).toHaveLength(1);
  });

  it('deletes an image with its object and thumbnail, promoting the next one when it was primary', async () => {
    const list = (await api.app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: editor() })).json().images as {
      id: number;
      s3_key: string;
      is_primary: boolean;
    }[];
    const primary = list.find((i) => i.is_primary)!;
    const res = await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${primary.id}`, headers: editor() });
    expect(res.statusCode).toBe(204);
    expect(await objectExists(api.bucket, imageObjectKey(primary.s3_key))).toBe(false);
    expect(await objectExists(api.bucket, thumbnailObjectKey(primary.s3_key))).toBe(false);
    const rest = (await api.app.inject({ method: 'GET', url: `/api/v1/books/${bookId}/images`, headers: editor() })).json().images as { is_primary: boolean }[];
    expect(rest).toHaveLength(list.length - 1);
    expect(rest.filter((i) => i.is_primary)).toHaveLength(1);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${primary.id}`, headers: editor() })).statusCode).toBe(404);
  });

  it('reports an S3 failure on delete with 503 and keeps the image', async () => {
    const [image] = await api.test.db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).execute();
    const broken = await api.variant({ IMAGES_BUCKET: 'api-no-such-bucket-anywhere' });
    const res = await broken.inject({ method: 'DELETE', url: `/api/v1/books/${bookId}/images/${image!.id}`, headers: editor() });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toMatch(/S3 is unavailable/);
    expect(await api.test.db.selectFrom('book_images').select('id').where('id', '=', image!.id).executeTakeFirst()).toBeDefined();
    expect(await objectExists(api.bucket, imageObjectKey(image!.s3_key))).toBe(true);
  });

  describe('presigned uploads', () => {
    const start = (book: number, content_type: string) =>
      api.app.inject({ method: 'POST', url: `/api/v1/books/${book}/images/uploads`, headers: editor(), payload: { content_type, filename: 'big.jpg' } });
    const complete = (book: number, key: string, payload: object = {}) =>
      api.app.inject({ method: 'POST', url: `/api/v1/books/${book}/images/uploads/${encodeURIComponent(key)}/complete`, headers: editor(), payload });

    it('issues a PUT URL, then registers the uploaded object after HeadObject', async () => {
      const ticket = await start(bookId, 'image/jpeg');
      expect(ticket.statusCode).toBe(201);
      const { key, upload_url, headers } = ticket.json();
      expect(key).toMatch(new RegExp(`^${bookId}-[0-9a-f-]{36}\\.jpg$`));

      const early = await complete(bookId, key);
      expect(early.statusCode).toBe(404);

      const jpeg = await makeImage('jpeg', 1200, 900, 30);
      const put = await fetch(upload_url, { method: 'PUT', headers, body: jpeg });
      expect(put.status).toBe(200);

      const done = await complete(bookId, key, { caption: 'uploaded directly', original_filename: 'big.jpg' });
      expect(done.statusCode).toBe(201);
      expect(done.json()).toMatchObject({ duplicate: false, image: { s3_key: key, caption: 'uploaded directly', original_filename: 'big.jpg' } });
      const thumb = await readObject(api.bucket, thumbnailObjectKey(key));
      expect(thumb?.contentType).toBe('image/jpeg');
      const again = await complete(bookId, key);
      expect(again.statusCode).toBe(200);
      expect(again.json().image.id).toBe(done.json().image.id);
    });

    it('registers one image when the same upload is completed twice at once, and keeps its object', async () => {
      const { key, upload_url } = (await start(bookId, 'image/png')).json();
      await fetch(upload_url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: await makeImage('png', 300, 200, 40) });
      const [a, b] = await Promise.all([complete(bookId, key), complete(bookId, key)]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
      expect(a.json().image.id).toBe(b.json().image.id);
      expect(await api.test.db.selectFrom('book_images').select('id').where('s3_key', '=', key).execute()).toHaveLength(1);
      expect(await objectExists(api.bucket, imageObjectKey(key))).toBe(true);
      expect(await objectExists(api.bucket, thumbnailObjectKey(key))).toBe(true);
    });

    it('refuses a key issued for another book, a made-up key, and a bad content type', async () => {
      const other = (await api.test.db.insertInto('books').values({ title: 'Third' }).returning('id').executeTakeFirstOrThrow()).id;
      const { key } = (await start(other, 'image/png')).json();
      const res = await complete(bookId, key);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('params.key');
      expect((await complete(bookId, '../../etc/passwd')).statusCode).toBe(400);
      expect((await complete(bookId, 'books/x.jpg')).statusCode).toBe(400);
      const bad = await start(bookId, 'application/pdf');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('body.content_type');
    });

    it('deletes and refuses an upload whose bytes are not the announced image type (415)', async () => {
      const { key, upload_url } = (await start(bookId, 'image/png')).json();
      await fetch(upload_url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: await makeImage('jpeg', 50, 50, 31) });
      const res = await complete(bookId, key);
      expect(res.statusCode).toBe(415);
      expect(await objectExists(api.bucket, imageObjectKey(key))).toBe(false);
    });

    it('refuses an upload over the presigned size cap with 413', async () => {
      const { key, upload_url } = (await start(bookId, 'image/png')).json();
      const big = Buffer.concat([await makeImage('png', 10, 10, 32), Buffer.alloc(3 * 1024 * 1024, 1)]);
      await fetch(upload_url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: big });
      expect((await complete(bookId, key)).statusCode).toBe(413);
    });

    it('answers a duplicate upload with the existing image and removes the copy', async () => {
      const existing = await api.test.db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).executeTakeFirstOrThrow();
      const bytes = (await readObject(api.bucket, imageObjectKey(existing.s3_key)))!.bytes;
      const ext = existing.s3_key.split('.').pop()!;
      const type = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' }[ext]!;
      const { key, upload_url } = (await start(bookId, type)).json();
      await fetch(upload_url, { method: 'PUT', headers: { 'Content-Type': type }, body: bytes });
      const res = await complete(bookId, key);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ duplicate: true, image: { id: existing.id } });
      expect(await objectExists(api.bucket, imageObjectKey(key))).toBe(false);
    });
  });
});
