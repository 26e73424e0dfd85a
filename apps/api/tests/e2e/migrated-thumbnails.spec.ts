// Galleries migrated from BlueMoxon keep its thumbnail keys (`thumb_{key}`, the image's own extension) beside ours
// (`thumb_{stem}.jpg`): each image row records its rule, and listing, serving and deleting follow it.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';
import { thumbnailObjectKey } from '@bmx/images';
import { makeImage, multipart, objectExists, startTestApi, type TestApi } from './support';

describe('thumbnails of galleries migrated from BlueMoxon', () => {
  let api: TestApi;
  const editor = () => ({ 'x-api-key': api.keys.editor });

  beforeAll(async () => {
    api = await startTestApi('migrated');
  });
  afterAll(() => api.close());

  const put = (key: string, body: Buffer, type: string) =>
    getS3Client().send(new PutObjectCommand({ Bucket: api.bucket, Key: key, Body: body, ContentType: type }));

  /** Registers an image the way a migration does: its objects as BlueMoxon left them, and a row with the rule. */
  async function migrated(bookId: number, key: string, order: number, primary = false) {
    const original = await makeImage('png', 120, 90, order + 7);
    const thumbnail = await makeImage('png', 60, 45, order + 7);
    await put(`books/${key}`, original, 'image/png');
    await put(`books/thumb_${key}`, thumbnail, 'image/png');
    const row = await api.test.db
      .insertInto('book_images')
      .values({ book_id: bookId, s3_key: key, display_order: order, is_primary: primary, thumbnail_key_rule: 'bluemoxon' })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, original, thumbnail };
  }

  async function newBook(title: string) {
    return (await api.test.db.insertInto('books').values({ title }).returning('id').executeTakeFirstOrThrow()).id;
  }

  it('lists and serves a migrated thumbnail under its own key, and ours under ours, side by side', async () => {
    const book = await newBook('Migrated');
    const legacy = await migrated(book, `${book}_processed_x.png`, 0, true);
    const body = multipart({ bytes: await makeImage('png', 200, 150, 3), filename: 'ours.png', contentType: 'image/png' });
    const ours = await api.app.inject({ method: 'POST', url: `/api/v1/books/${book}/images`, headers: { ...editor(), ...body.headers }, payload: body.payload });
    expect(ours.statusCode).toBe(201);

    const list = (await api.app.inject({ method: 'GET', url: `/api/v1/books/${book}/images`, headers: editor() })).json().images as {
      id: number;
      s3_key: string;
      url: string;
      thumbnail_url: string;
    }[];
    expect(list).toHaveLength(2);
    const [first, second] = list;
    expect(new URL(first!.thumbnail_url).pathname).toMatch(new RegExp(`/books/thumb_${book}_processed_x\\.png$`));
    const served = await fetch(first!.thumbnail_url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(legacy.thumbnail)).toBe(true);
    expect((await fetch(first!.url)).status).toBe(200);

    expect(new URL(second!.thumbnail_url).pathname).toMatch(/\/books\/thumb_[^/]+\.jpg$/);
    const oursThumb = await fetch(second!.thumbnail_url);
    expect(oursThumb.status).toBe(200);
    expect(oursThumb.headers.get('content-type')).toBe('image/jpeg');

    const primary = (await api.app.inject({ method: 'GET', url: `/api/v1/books/${book}/images/primary`, headers: editor() })).json();
    expect(primary.image.id).toBe(legacy.row.id);
    expect((await fetch(primary.thumbnail_url)).status).toBe(200);
  });

  it('uses the same rule for CDN URLs', async () => {
    const cdn = await api.variant({ CDN_BASE_URL: 'https://cdn.example.test' });
    const book = await newBook('Migrated, behind a CDN');
    await migrated(book, `${book}_abc.webp.png`, 0);
    const [image] = (await cdn.inject({ method: 'GET', url: `/api/v1/books/${book}/images`, headers: editor() })).json().images;
    expect(image.thumbnail_url).toBe(`https://cdn.example.test/books/thumb_${book}_abc.webp.png`);
    expect(image.url).toBe(`https://cdn.example.test/books/${book}_abc.webp.png`);
  });

  it('deletes a migrated image with its own thumbnail, leaving no old thumbnail behind and other objects alone', async () => {
    const book = await newBook('Migrated, deleted');
    const a = await migrated(book, `${book}_processed_a.png`, 0, true);
    const b = await migrated(book, `${book}_b.jpeg`, 1);
    // Ours would be thumb_{stem}.jpg: an object there belongs to someone else and must stay.
    const bystander = thumbnailObjectKey(a.row.s3_key);
    await put(bystander, await makeImage('jpeg', 10, 10, 1), 'image/jpeg');

    const res = await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${book}/images/${a.row.id}`, headers: editor() });
    expect(res.statusCode).toBe(204);
    expect(await objectExists(api.bucket, `books/${a.row.s3_key}`)).toBe(false);
    expect(await objectExists(api.bucket, `books/thumb_${a.row.s3_key}`)).toBe(false);
    expect(await objectExists(api.bucket, bystander)).toBe(true);
    expect(await objectExists(api.bucket, `books/thumb_${b.row.s3_key}`)).toBe(true);

    // Deleting the book removes the rest by the same rule.
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/books/${book}`, headers: editor() })).statusCode).toBe(204);
    expect(await objectExists(api.bucket, `books/${b.row.s3_key}`)).toBe(false);
    expect(await objectExists(api.bucket, `books/thumb_${b.row.s3_key}`)).toBe(false);
  });

  it('refuses a thumbnail rule the code does not know, at the database', async () => {
    const book = await newBook('Bad rule');
    await expect(
      api.test.db.insertInto('book_images').values({ book_id: book, s3_key: `${book}_x.png`, thumbnail_key_rule: 'guess' }).execute(),
    ).rejects.toThrow(/thumbnail_key_rule/);
  });
});
