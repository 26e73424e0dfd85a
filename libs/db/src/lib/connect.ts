import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import { Pool } from 'pg';
import type { Database } from './schema';

/** Options for {@link createDatabase}. */
export interface DatabaseOptions {
  /** A `postgres://` URL. When absent, an embedded PGlite database is used. */
  url?: string;
  /** Directory for the embedded database's files; in memory when absent. Ignored when `url` is set. */
  pgliteDir?: string;
  /** Connections in the pool. Default 10; a Lambda wants 1 or 2. */
  poolSize?: number;
}

/** Thrown when `DATABASE_URL` is set but is not a PostgreSQL URL. */
export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}

/** Reads and checks `DATABASE_URL`; undefined when it is not set. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env['DATABASE_URL']?.trim();
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url)) {
    throw new DatabaseConfigError('DATABASE_URL: must be a postgres:// URL (e.g. postgres://user@127.0.0.1:5432/db)');
  }
  return url;
}

/** Opens PostgreSQL at `url` with a connection pool. */
export function connectPostgres(url: string, poolSize = 10): Kysely<Database> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // An idle connection the server drops (a restart, a failover) is an error event on the pool; unhandled, it would
  // crash the process. The pool discards that client and opens a new one on the next query.
  pool.on('error', (error) => process.stderr.write(`database: idle connection lost (${error.message}); it will be replaced\n`));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Opens the database: PostgreSQL when a URL is given, else embedded PGlite (in memory or in `pgliteDir`).
 * PGlite is imported only on that path, so a Lambda bundle that always has a URL can leave it out.
 */
export async function createDatabase(options: DatabaseOptions = {}): Promise<Kysely<Database>> {
  if (options.url) return connectPostgres(options.url, options.poolSize);
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  // The dialect's types come from Kysely's ESM build and ours from its CommonJS build; at run time both are CommonJS.
  const dialect = new PGliteDialect(new PGlite(options.pgliteDir)) as unknown as Dialect;
  return new Kysely<Database>({ dialect });
}
