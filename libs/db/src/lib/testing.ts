import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectPostgres } from './connect';
import { migrateToLatest } from './migrations';
import type { Database } from './schema';

/** A throw-away database on the PostgreSQL server, migrated to the latest schema. */
export interface TestDatabase {
  db: Kysely<Database>;
  /** Its URL, to hand to another process (a Lambda, the API) as `DATABASE_URL`. */
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** The server tests run against: `TEST_DATABASE_URL`, else the local server's `postgres` database. */
export function testServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['TEST_DATABASE_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Creates a database of its own for one test file, so parallel runs never collide. */
export async function createTestDatabase(prefix = 'bmx_test'): Promise<TestDatabase> {
  const admin = testServerUrl();
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = connectPostgres(url.toString(), 5);
  await migrateToLatest(db as Kysely<unknown>);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.destroy();
      const dropper = new Client({ connectionString: admin });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
