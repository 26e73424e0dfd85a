import { createDatabase, createTestDatabase, migrateToLatest, sql, type Kysely, type TestDatabase, type Database } from '../../src';

describe('schema on PostgreSQL', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.drop());

  it('migrates idempotently', async () => {
    expect(await migrateToLatest(test.db as Kysely<unknown>)).toEqual([]);
  });

  it('allows one pending-or-processing job per source image', async () => {
    const book = await test.db.insertInto('books').values({ title: 'Ulysses', author: 'Joyce' }).returning('id').executeTakeFirstOrThrow();
    const image = await test.db
      .insertInto('book_images')
      .values({ book_id: book.id, s3_key: 'a.jpg', original_filename: 'a.jpg', content_hash: 'h', image_type: 'cover', caption: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const job = { book_id: book.id, source_image_id: image.id };
    await test.db.insertInto('image_processing_jobs').values(job).execute();
    await expect(test.db.insertInto('image_processing_jobs').values(job).execute()).rejects.toThrow(/image_jobs_one_live_uq/);
    await test.db.updateTable('image_processing_jobs').set({ status: 'completed' }).execute();
    await expect(test.db.insertInto('image_processing_jobs').values(job).execute()).resolves.toBeDefined();
  });

  it('rejects an unknown job status', async () => {
    await expect(sql`UPDATE image_processing_jobs SET status = 'lost'`.execute(test.db)).rejects.toThrow(/check constraint/);
  });
});

describe('schema on embedded PGlite', () => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await createDatabase();
    await migrateToLatest(db as Kysely<unknown>);
  });
  afterAll(() => db.destroy());

  it('runs the same migrations and queries', async () => {
    const book = await db.insertInto('books').values({ title: 'Dubliners', author: 'Joyce' }).returningAll().executeTakeFirstOrThrow();
    expect(book).toMatchObject({ title: 'Dubliners', status: 'owned', tracking_active: false });
  });
});
