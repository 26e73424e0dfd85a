import { Client } from 'pg';
import { createDatabase, migrateToLatest, sql, type Kysely, type Database } from '../../src';
import { createTestDatabase, runAsServerAdmin, type TestDatabase } from '../../src/testing';

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

describe('connection loss', () => {
  it('survives the server dropping an idle connection, and reconnects', async () => {
    const test = await createTestDatabase();
    try {
      await sql`SELECT 1`.execute(test.db);
      const admin = new Client({ connectionString: process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres' });
      await admin.connect();
      const name = new URL(test.url).pathname.slice(1);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const row = await sql<{ one: number }>`SELECT 1 AS one`.execute(test.db);
      expect(row.rows).toEqual([{ one: 1 }]);
    } finally {
      await test.drop();
    }
  });

  it('survives the server ending a connection that is checked out between two statements of a transaction', async () => {
    const test = await createTestDatabase();
    const name = new URL(test.url).pathname.slice(1);
    const lines: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((line) => lines.push(String(line)) > 0);
    try {
      const transaction = test.db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        // No query is in flight on this connection: pg has nobody to hand the server's FATAL to but an 'error'
        // event, which pg-pool does not listen to while the client is checked out.
        await runAsServerAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`SELECT 2`.execute(trx);
      });
      await expect(transaction).rejects.toThrow();
      expect(lines.join('')).toMatch(/database: connection lost \(terminating connection due to administrator command\)/);
      // The broken connection was dropped when released; a new one answers.
      const row = await sql<{ one: number }>`SELECT 1 AS one`.execute(test.db);
      expect(row.rows).toEqual([{ one: 1 }]);
    } finally {
      write.mockRestore();
      await test.drop();
    }
  });
});
