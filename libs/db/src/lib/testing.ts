import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectPostgres, reportClientErrors } from './connect';
import { databaseSecretFromUrl } from './database-source';
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

/**
 * Runs one statement on the test server as its administrator (the `TEST_DATABASE_URL` user), in a connection of its
 * own: what a test needs outside its database, such as CREATE/ALTER/DROP ROLE or ending another role's sessions.
 */
export async function runAsServerAdmin(statement: string): Promise<void> {
  const client = reportClientErrors(new Client({ connectionString: testServerUrl() }));
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The SecretString RDS keeps for a PostgreSQL login (`{engine, host, port, username, password, dbname}`), here for
 * a role on the database at `databaseUrl` (a test database's `url`), so tests can put real credentials in the local
 * Secrets Manager. Tests generate the password per run; it is never a fixture.
 */
export function rdsSecretJson(databaseUrl: string, credentials: { username: string; password: string }): string {
  return databaseSecretFromUrl(databaseUrl, credentials);
}

/** Creates a database of its own for one test file, so parallel runs never collide. */
export async function createTestDatabase(prefix = 'bmx_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await runAsServerAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  const db = connectPostgres(url.toString(), 5);
  await migrateToLatest(db as Kysely<unknown>);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.destroy();
      await runAsServerAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
