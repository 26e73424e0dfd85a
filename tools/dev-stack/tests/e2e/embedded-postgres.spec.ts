// The embedded PostgreSQL of `npm start` (PGlite over the wire protocol) with many pg clients at once: every answer is
// the one asked for, a client leaving mid-transaction leaves nothing behind, and the server reports its own failure.
import { reportClientErrors } from '@bmx/db';
import { PGlite } from '@electric-sql/pglite';
import { Client, Pool } from 'pg';
import { servePglite, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src';

describe('the embedded PostgreSQL under concurrent clients', () => {
  let embedded: EmbeddedPostgres;
  let pool: Pool;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ log: () => undefined });
    pool = new Pool({ connectionString: embedded.url, max: 20 });
    pool.on('connect', (client) => reportClientErrors(client));
    await pool.query('CREATE TABLE items (id int PRIMARY KEY, counter int NOT NULL, tag text UNIQUE)');
    await pool.query('INSERT INTO items SELECT g, 0, NULL FROM generate_series(1, 50) g');
  });

  afterAll(async () => {
    await pool?.end();
    await embedded?.stop();
  });

  it('gives every one of 400 mixed concurrent queries and transactions its own answer', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const id = (i % 50) + 1;
        switch (i % 4) {
          case 0: {
            // A transaction with a failing statement inside: rolled back as a whole.
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              await client.query('UPDATE items SET counter = counter + 1000 WHERE id = $1', [id]);
              const duplicate = await client.query("INSERT INTO items VALUES ($1, 0, 'taken')", [id]).then(
                () => 'inserted',
                (error: { code?: string }) => error.code,
              );
              await client.query('ROLLBACK');
              return duplicate === '23505' ? 'ok' : `duplicate insert gave ${duplicate}`;
            } finally {
              client.release();
            }
          }
          case 1: {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              await client.query('UPDATE items SET counter = counter + 1 WHERE id = $1', [id]);
              const { rows } = await client.query<{ id: number; tag: string }>('SELECT id, $2::text AS tag FROM items WHERE id = $1', [id, `t${i}`]);
              await client.query('COMMIT');
              return rows[0]?.id === id && rows[0]?.tag === `t${i}` ? 'ok' : `got ${JSON.stringify(rows)}`;
            } finally {
              client.release();
            }
          }
          case 2: {
            const error = await pool.query('SELECT no_such_column FROM items WHERE id = $1', [id]).then(
              () => 'no error',
              (e: { code?: string }) => e.code,
            );
            return error === '42703' ? 'ok' : `bad query gave ${error}`;
          }
          default: {
            const { rows } = await pool.query<{ id: number; tag: string }>('SELECT id, $2::text AS tag FROM items WHERE id = $1', [id, `q${i}`]);
            return rows[0]?.id === id && rows[0]?.tag === `q${i}` ? 'ok' : `got ${JSON.stringify(rows)}`;
          }
        }
      }),
    );
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    // Only the 100 committed increments remain; none of the rolled-back +1000s.
    const { rows } = await pool.query<{ total: number }>('SELECT sum(counter)::int AS total FROM items');
    expect(rows[0]).toEqual({ total: 100 });
  });

  it('answers the query queued behind a failed one on the same connection with its own rows', async () => {
    const client = await pool.connect();
    try {
      // pg sends the second as soon as the first is over; an extra ReadyForQuery after the error would end it early.
      const failed = client.query('INSERT INTO items VALUES ($1, 0, NULL)', [1]).then(
        () => 'inserted',
        (error: { code?: string }) => error.code,
      );
      const next = client.query<{ n: number }>('SELECT $1::int AS n', [7]);
      const after = client.query<{ id: number }>('SELECT id FROM items WHERE id = $1', [2]);
      expect(await failed).toBe('23505');
      expect((await next).rows).toEqual([{ n: 7 }]);
      expect((await after).rows).toEqual([{ id: 2 }]);
    } finally {
      client.release();
    }
  });

  it('rolls back what a client leaves open when its connection drops, and lets the others go on', async () => {
    const leaving = reportClientErrors(new Client({ connectionString: embedded.url }));
    await leaving.connect();
    await leaving.query('BEGIN');
    await leaving.query('UPDATE items SET counter = -1 WHERE id = 1');
    // Meanwhile another client waits for the backend.
    const waiting = pool.query<{ counter: number }>('SELECT counter FROM items WHERE id = 1');
    (leaving as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await waiting;
    expect(rows[0]?.counter).not.toBe(-1);
  });
});

describe('the embedded PostgreSQL server', () => {
  // Creating a PGlite database takes seconds: these two servers share one.
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(() => db?.close());

  it('closes a connection idle in a transaction after the timeout, so the others are served', async () => {
    const lines: string[] = [];
    const server = await servePglite(db, { idleInTransactionTimeoutMs: 300, log: (line) => lines.push(line) });
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    const idle = new Client({ connectionString: url });
    const lost = new Promise<Error>((resolve) => idle.on('error', resolve));
    const other = new Client({ connectionString: url });
    try {
      await idle.connect();
      await other.connect();
      await idle.query('BEGIN');
      const { rows } = await other.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      expect((await lost).message).toMatch(/idle-in-transaction timeout/);
      expect(lines.join('\n')).toMatch(/closed a connection idle in a transaction for 0.3 s while others waited/);
    } finally {
      await other.end();
      await server.stop();
    }
  });

  it('refuses the connection after the limit with PostgreSQL\'s "too many clients"', async () => {
    const server = await servePglite(db, { maxConnections: 1 });
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    const first = new Client({ connectionString: url });
    try {
      await first.connect();
      const second = new Client({ connectionString: url });
      await expect(second.connect()).rejects.toMatchObject({ code: '53300' });
    } finally {
      await first.end();
      await server.stop();
    }
  });
});

describe('a failed embedded database', () => {
  it('is reported, and new connections are refused', async () => {
    const db = await PGlite.create();
    const server = await servePglite(db);
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    const client = reportClientErrors(new Client({ connectionString: url }), () => undefined);
    try {
      await client.connect();
      await db.close(); // the database goes away under the server
      await expect(client.query('SELECT 1')).rejects.toThrow();
      expect((await server.failed).message).toMatch(/closed/i);
      const late = new Client({ connectionString: url });
      await expect(late.connect()).rejects.toMatchObject({ code: '57P03' });
    } finally {
      await server.stop();
    }
  });
});
